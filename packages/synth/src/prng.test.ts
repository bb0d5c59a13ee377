import { describe, expect, it } from "vitest";
import { createRng } from "./prng.js";

describe("createRng", () => {
  it("is deterministic per seed and differs between seeds", () => {
    const a = Array.from({ length: 5 }, createRng(42).next);
    const b = createRng(42);
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(a);
    const c = createRng(43);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(a);
  });

  it("draws in range with the requested moments", () => {
    const r = createRng(7);
    const xs = Array.from({ length: 20000 }, () => r.normal(10, 2));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(mean).toBeCloseTo(10, 1);
    expect(sd).toBeCloseTo(2, 1);
    for (let i = 0; i < 1000; i++) {
      const k = r.int(3, 5);
      expect(k >= 3 && k <= 5 && Number.isInteger(k)).toBe(true);
    }
  });

  it("makes version-4 UUIDs and permutations", () => {
    const r = createRng(1);
    expect(r.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(r.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});
