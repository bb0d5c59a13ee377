import { describe, expect, it } from "vitest";
import { lzwDecode, lzwEncode } from "./lzw.js";
import { LzwThread } from "./lzw-thread.js";

function roundTrip(src: Uint8Array): Uint8Array {
  const enc = lzwEncode(src);
  const dst = new Uint8Array(src.length);
  expect(lzwDecode(enc, dst)).toBe(src.length);
  return dst;
}

describe("LZW", () => {
  it("round-trips empty, one byte, and the KwKwK case (a run of one value)", () => {
    expect(lzwEncode(new Uint8Array(0))).toEqual(new Uint8Array([0x80, 0x40, 0x40])); // Clear, EOI in 9 bits
    expect(roundTrip(new Uint8Array([42]))).toEqual(new Uint8Array([42]));
    const run = new Uint8Array(100_000).fill(7);
    expect(roundTrip(run)).toEqual(run);
  });

  it("round-trips random data long enough to fill the table many times (Clear codes, 9–12 bit codes)", () => {
    let seed = 12345;
    const src = Uint8Array.from({ length: 300_000 }, () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 16) % 17; // a small alphabet makes long strings too
    });
    expect(roundTrip(src)).toEqual(src);
    const noisy = Uint8Array.from({ length: 50_000 }, (_, i) => (i * 2654435761) >>> 24);
    expect(roundTrip(noisy)).toEqual(noisy);
  });

  it("round-trips Poisson(1) counts (the EPU case), runs longer than 16 bytes, and outputs ending at every offset near the end", () => {
    let seed = 99;
    const poisson = Uint8Array.from({ length: 400_000 }, () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      // Inverse CDF of Poisson(1) on 16 random bits.
      let u = (seed >>> 16) / 65536;
      let k = 0;
      for (let p = Math.exp(-1); u > p && k < 12; k++) {
        u -= p;
        p /= k + 1;
      }
      return k;
    });
    expect(roundTrip(poisson)).toEqual(poisson);
    const part = new Uint8Array(100_003);
    expect(lzwDecode(lzwEncode(poisson), part)).toBe(part.length);
    expect(part).toEqual(poisson.subarray(0, part.length));
    // Long runs make strings of every length up to thousands of bytes (copied in bulk), mixed with noise.
    const runs = new Uint8Array(200_000);
    for (let i = 0, v = 0; i < runs.length; v++) {
      const n = (v * 7919) % 300;
      runs.fill(v % 5 === 0 ? 0 : v & 0xff, i, i + n);
      i += n + 1;
    }
    expect(roundTrip(runs)).toEqual(runs);
    // The copy near the end of dst goes byte by byte; every length there must come out exact.
    for (let n = 4000; n < 4140; n += 7) {
      const tail = poisson.subarray(0, n);
      expect(roundTrip(tail)).toEqual(tail);
    }
  });

  it("stops at the end of the output and reports what it wrote", () => {
    const src = Uint8Array.from({ length: 1000 }, (_, i) => i % 256);
    const dst = new Uint8Array(10);
    expect(lzwDecode(lzwEncode(src), dst)).toBe(10);
    expect(Array.from(dst)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("refuses old-style LZW and codes beyond the table", () => {
    expect(() => lzwDecode(new Uint8Array([0x00, 0x01, 0x00]), new Uint8Array(10))).toThrow("old-style");
    // Clear, 'A' (65), then code 300 while the table has 258 entries.
    const bits = [256, 65, 300].map((c) => c.toString(2).padStart(9, "0")).join("").padEnd(32, "0");
    const bytes = Uint8Array.from({ length: 4 }, (_, i) => parseInt(bits.slice(8 * i, 8 * i + 8), 2));
    expect(() => lzwDecode(bytes, new Uint8Array(10))).toThrow("LZW code 300 is beyond the table (258 entries)");
  });
});

describe("LzwThread (the compiled worker, when built)", () => {
  const thread = LzwThread.create();
  it.runIf(thread !== undefined)("decodes chunks back to back, reuses a recycled buffer, and reports a corrupt chunk", async () => {
    const a = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) % 7);
    const b = Uint8Array.from({ length: 3000 }, (_, i) => i % 3);
    const r = await thread!.decode([lzwEncode(a), lzwEncode(b)], [5000, 3000]);
    expect(r.lengths).toEqual([5000, 3000]);
    expect(r.bytes.subarray(0, 5000)).toEqual(a);
    expect(r.bytes.subarray(5000, 8000)).toEqual(b);
    thread!.recycle(r.bytes);
    const bad = new Uint8Array([0x80, 0x10, 0x65, 0x80]); // Clear, 'A', then code 300
    await expect(thread!.decode([lzwEncode(a), bad], [5000, 10])).rejects.toMatchObject({ chunk: 1 });
    await thread!.close();
  });
});
