import { isEmflowError } from "@emflow/core";
import { beforeAll, describe, expect, it } from "vitest";
import { crossCorrelate } from "./correlate.js";
import { loadFft, type Fft } from "./fft.js";
import { goodSizeAtMost, isGood2dSize, isGoodComplexSize, isGoodRealSize, nextGoodSize } from "./sizes.js";
import { centeredPowerSpectrum, fourierCrop, phaseShift, powerSpectrum } from "./spectrum-ops.js";
import { signedIndex } from "./spectrum2d.js";

let fft: Fft;
beforeAll(async () => {
  fft = await loadFft();
});

/** Small deterministic generator so failures reproduce. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

function naiveDft(re: number[], im: number[], sign: number): { re: number[]; im: number[] } {
  const n = re.length;
  const out = { re: new Array<number>(n).fill(0), im: new Array<number>(n).fill(0) };
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const a = (sign * 2 * Math.PI * j * k) / n;
      out.re[k]! += re[j]! * Math.cos(a) - im[j]! * Math.sin(a);
      out.im[k]! += re[j]! * Math.sin(a) + im[j]! * Math.cos(a);
    }
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe("sizes", () => {
  it("accepts PFFFT sizes and rejects the rest", () => {
    expect(isGoodRealSize(4096)).toBe(true);
    expect(isGoodRealSize(5760)).toBe(true);
    expect(isGoodRealSize(4092)).toBe(false);
    expect(isGoodRealSize(48)).toBe(false); // not a multiple of 32
    expect(isGoodComplexSize(48)).toBe(true);
    expect(isGoodComplexSize(16 * 7)).toBe(false);
    expect(isGood2dSize(5760, 4000)).toBe(true);
    expect(isGood2dSize(5760, 4080)).toBe(false);
    expect(nextGoodSize(4092)).toBe(4096);
    expect(nextGoodSize(4092, "complex")).toBe(4096);
    expect(goodSizeAtMost(1365)).toBe(1280);
  });
});

describe("1D transforms against a naive DFT", () => {
  for (const n of [16, 48, 160, 384]) {
    it(`complex, n = ${n}`, () => {
      const r = random(n);
      const data = new Float32Array(2 * n).map(() => r());
      const re = Array.from({ length: n }, (_, i) => data[2 * i]!);
      const im = Array.from({ length: n }, (_, i) => data[2 * i + 1]!);
      const want = naiveDft(re, im, -1);
      const got = fft.complexForward(data);
      const flat = want.re.flatMap((v, i) => [v, want.im[i]!]);
      expect(maxAbsDiff(got, flat)).toBeLessThan(1e-4 * Math.sqrt(n));
      expect(maxAbsDiff(fft.complexInverse(got), data)).toBeLessThan(1e-5);
    });
  }
  for (const n of [32, 96, 320]) {
    it(`real, n = ${n}`, () => {
      const r = random(n + 1);
      const data = new Float32Array(n).map(() => r());
      const want = naiveDft(Array.from(data), new Array<number>(n).fill(0), -1);
      const got = fft.realForward(data);
      expect(got.length).toBe(n + 2);
      for (let k = 0; k <= n / 2; k++) {
        expect(got[2 * k]!).toBeCloseTo(want.re[k]!, 3);
        expect(got[2 * k + 1]!).toBeCloseTo(want.im[k]!, 3);
      }
      expect(maxAbsDiff(fft.realInverse(got, n), data)).toBeLessThan(1e-5);
    });
  }
  it("rejects sizes PFFFT cannot do with a ProcessingError", () => {
    expect(() => fft.complexForward(new Float32Array(2 * 44))).toThrowError(/not supported/);
    try {
      fft.realForward(new Float32Array(100));
      expect.unreachable();
    } catch (err) {
      expect(isEmflowError(err, "ProcessingError")).toBe(true);
    }
  });
});

describe("2D real transform", () => {
  it("matches a naive 2D DFT (64 × 48) and inverts", () => {
    const w = 64;
    const h = 48;
    const r = random(7);
    const img = new Float32Array(w * h).map(() => r());
    const spec = fft.forward2d(img, w, h);
    for (const [kx, ky] of [[0, 0], [1, 0], [0, 1], [5, 7], [32, 3], [17, 40], [32, 24], [0, 24]] as const) {
      let re = 0;
      let im = 0;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const a = -2 * Math.PI * ((kx * x) / w + (ky * y) / h);
          re += img[y * w + x]! * Math.cos(a);
          im += img[y * w + x]! * Math.sin(a);
        }
      }
      const i = 2 * (kx * h + ky);
      expect(spec.data[i]!).toBeCloseTo(re, 3);
      expect(spec.data[i + 1]!).toBeCloseTo(im, 3);
    }
    expect(maxAbsDiff(fft.inverse2d(spec), img)).toBeLessThan(1e-5);
  });

  it("satisfies Parseval (sum of squares = mean power over the full spectrum)", () => {
    const w = 96;
    const h = 80;
    const r = random(11);
    const img = new Float32Array(w * h).map(() => r());
    const power = powerSpectrum(fft.forward2d(img, w, h));
    let full = 0;
    for (let kx = 0; kx <= w / 2; kx++) {
      const weight = kx === 0 || kx === w / 2 ? 1 : 2; // negative kx are the conjugates
      for (let ky = 0; ky < h; ky++) full += weight * power[kx * h + ky]!;
    }
    let energy = 0;
    for (const v of img) energy += v * v;
    expect(full / (w * h)).toBeCloseTo(energy, 2);
    const centred = centeredPowerSpectrum(fft.forward2d(img, w, h));
    expect(centred.reduce((s, v) => s + v, 0) / (w * h)).toBeCloseTo(energy, 2);
  });

  it("shift theorem: an integer phase ramp rolls the image; correlation recovers sub-pixel shifts", () => {
    const w = 128;
    const h = 96;
    const r = random(3);
    const img = new Float32Array(w * h).map(() => r());
    const rolled = fft.inverse2d(phaseShift(fft.forward2d(img, w, h), 5, -3));
    for (const [x, y] of [[0, 0], [10, 20], [127, 95]] as const) {
      expect(rolled[((y - 3 + h) % h) * w + ((x + 5) % w)]!).toBeCloseTo(img[y * w + x]!, 4);
    }
    // A smooth random image shifted by a sub-pixel amount.
    const smooth = fft.forward2d(img, w, h);
    for (let kx = 0; kx <= w / 2; kx++) {
      for (let ky = 0; ky < h; ky++) {
        const f2 = (kx / w) ** 2 + (signedIndex(ky, h) / h) ** 2;
        const g = Math.exp(-f2 * 200);
        smooth.data[2 * (kx * h + ky)]! *= g;
        smooth.data[2 * (kx * h + ky) + 1]! *= g;
      }
    }
    const a = fft.inverse2d(smooth);
    for (const [dx, dy] of [[2.3, -1.7], [-7.45, 4.2], [0.5, 0.5]] as const) {
      const moved = phaseShift(fft.forward2d(a, w, h), dx, dy);
      const peak = crossCorrelate(fft, moved, fft.forward2d(a, w, h), { bfactorPx: 20 });
      expect(Math.abs(peak.x - dx)).toBeLessThan(0.05);
      expect(Math.abs(peak.y - dy)).toBeLessThan(0.05);
      const cropped = crossCorrelate(fft, moved, fft.forward2d(a, w, h), { bfactorPx: 20, cropWidth: 64, cropHeight: 48 });
      expect(Math.abs(cropped.x - dx)).toBeLessThan(0.1);
      expect(Math.abs(cropped.y - dy)).toBeLessThan(0.1);
    }
  });

  it("Fourier crop keeps the mean and band-limited content", () => {
    const w = 128;
    const h = 64;
    const img = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img[y * w + x] = 3 + Math.cos((2 * Math.PI * 4 * x) / w) + Math.sin((2 * Math.PI * 3 * y) / h);
    const small = fft.inverse2d(fourierCrop(fft.forward2d(img, w, h), 64, 32));
    for (let y = 0; y < 32; y++) for (let x = 0; x < 64; x++) expect(small[y * 64 + x]!).toBeCloseTo(img[2 * y * w + 2 * x]!, 4);
  });
});
