/** URL segments and containment under the data root. */
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { isSafeSegment, MAX_SEGMENT, resolveInside, SafeSegment } from "./segments.js";

describe("path segments", () => {
  it("accepts plain names as facilities use them", () => {
    for (const s of ["20210427113_usc_ttrojan_k3_mysample1", "K3_2-20210427113000", "lab1", "a.b", "x+y", "_tmp", "a".repeat(MAX_SEGMENT)]) {
      expect(isSafeSegment(s), s).toBe(true);
    }
  });

  it("rejects traversal, separators, NUL, backslashes, hidden and over-long names", () => {
    for (const s of ["", ".", "..", "../x", "a/b", "/etc", "a\\b", "..\\x", "a\0b", ".hidden", "C:", "a b", "%2e%2e", "a".repeat(MAX_SEGMENT + 1), "é"]) {
      expect(isSafeSegment(s), JSON.stringify(s)).toBe(false);
    }
    expect(SafeSegment.safeParse("..").error?.issues[0]?.message).toMatch(/plain name/);
  });

  it("resolves inside the root and refuses anything else", () => {
    const root = resolve("/data/root");
    expect(resolveInside(root, "p", "sessions", "u")).toBe(join(root, "p", "sessions", "u"));
    expect(() => resolveInside(root, "..", "x")).toThrow(/not a plain name/);
    expect(() => resolveInside(root, "a/../../b")).toThrow(/not a plain name/);
    expect(() => resolveInside(root)).toThrow(/escapes the data root/);
  });
});
