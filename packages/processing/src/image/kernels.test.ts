import { describe, expect, it } from "vitest";
import { accumulateShifted } from "../motion/accumulate.js";
import { binImage } from "./bin.js";
import { kernelArena } from "./kernels.js";

function image(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return (s >>> 8) / 65536;
  });
}

describe("WebAssembly SIMD kernels match the JavaScript reference", () => {
  it("bin_image equals binImage for factors 1–6", () => {
    const w = 200;
    const h = 150;
    const src = image(w * h, 1);
    const arena = kernelArena();
    try {
      for (const f of [1, 2, 3, 4, 5, 6]) {
        const ow = Math.floor((w - 3) / f);
        const oh = Math.floor((h - 2) / f);
        const sp = arena.buffer("src", 4 * w * h);
        const op = arena.buffer("out", 4 * ow * oh);
        const tp = arena.buffer("tmp", 4 * ow * f);
        arena.f32(sp, w * h).set(src);
        arena.fn.bin_image(sp, w, f, ow, oh, 3, 2, op, tp);
        const want = binImage(src, w, h, f, ow, oh, 3, 2);
        const got = arena.f32(op, ow * oh);
        for (let i = 0; i < want.length; i++) expect(got[i]!).toBeCloseTo(want[i]!, 4);
      }
    } finally {
      arena.release();
    }
  });

  it("accumulate_bilinear equals accumulateShifted, edges and per-tile shifts included", () => {
    const w = 130;
    const h = 97;
    const src = image(w * h, 2);
    const tile = 32;
    const tiles = Math.ceil(w / tile) * Math.ceil(h / tile);
    const shifts = Float64Array.from({ length: 2 * tiles }, (_, i) => ((i * 7919) % 23) / 3 - 3.7);
    const want = new Float32Array(w * h).fill(1);
    accumulateShifted(src, want, w, h, tile, shifts);
    const arena = kernelArena();
    try {
      const fp = arena.buffer("frame", 4 * w * h);
      const ap = arena.buffer("acc", 4 * w * h);
      const sp = arena.buffer("shifts", 16 * tiles);
      arena.f32(fp, w * h).set(src);
      arena.f32(ap, w * h).fill(1);
      arena.f64(sp, 2 * tiles).set(shifts);
      arena.fn.accumulate_bilinear(fp, ap, w, h, tile, sp);
      const got = arena.f32(ap, w * h);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
      expect(worst).toBeLessThan(1e-4);
    } finally {
      arena.release();
    }
  });

  it("arenas in use at the same time get separate buffers", () => {
    const a = kernelArena();
    const b = kernelArena();
    expect(a.buffer("x", 1024)).not.toBe(b.buffer("x", 1024));
    a.release();
    b.release();
  });
});

describe("warp_quadratic (simulator)", () => {
  it("matches the per-pixel JavaScript cubic warp (exactly per pixel, closely with D sampled every 16 px)", async () => {
    const { warpQuadratic } = await import("../simulate/warp.js");
    const sw = 140;
    const sh = 120;
    const src = image(sw * sh, 3);
    const w = 120;
    const h = 100;
    const run = (cx: number[], cy: number[], segment: number): number => {
      const want = new Float32Array(w * h);
      warpQuadratic(src, sw, sh, 10, w, h, cx, cy, want);
      const arena = kernelArena();
      try {
        const sp = arena.buffer("s", 4 * sw * sh);
        const op = arena.buffer("o", 4 * w * h);
        const cp = arena.buffer("c", 80);
        arena.f32(sp, sw * sh).set(src);
        arena.f64(cp, 10).set([...cx, ...cy]);
        arena.fn.warp_quadratic(sp, sw, sh, 10, op, w, h, cp, segment);
        const got = arena.f32(op, w * h);
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
        return worst;
      } finally {
        arena.release();
      }
    };
    // Values are 0–256 white noise, the worst case for interpolation differences.
    expect(run([0.8, -0.5, 0.3, 0.2, -0.4], [-0.3, 0.6, -0.2, 0.5, 0.1], 1)).toBeLessThan(1e-3);
    // A field as smooth as the simulator's (1.5 px over 4096 px, scaled to this size) moves by
    // < 0.01 px within a segment: on white noise, the worst case, that is < 1 % of the range.
    expect(run([0.05, -0.03, 0.02, 0.01, -0.02], [-0.02, 0.04, -0.01, 0.03, 0.01], 16)).toBeLessThan(0.01 * 256);
  });
});
