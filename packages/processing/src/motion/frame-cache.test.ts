import { describe, expect, it } from "vitest";
import { simulateMovie } from "../simulate/simulate.js";
import { correctMotion } from "./correct.js";
import { FrameCache } from "./frame-cache.js";
import { acquireCodec } from "./frame-codec.js";
import { accumulateShifted } from "./accumulate.js";
import { framesSource, type FrameSource } from "./source.js";

describe("FrameCache", () => {
  // 1000 values: not a multiple of the SIMD block, so the JavaScript tail runs too.
  const N = 1000;
  const frame = (f: (k: number) => number) => Float32Array.from({ length: N }, (_, k) => f(k));
  it.each([
    ["counts 0–255 as Uint8", frame((k) => k % 256), N],
    ["counts up to 65535 as Uint16", frame((k) => (k * 977) % 65536), 2 * N],
    ["a 256 in the tail as Uint16", frame((k) => (k === N - 1 ? 256 : 3)), 2 * N],
    ["fractions as Float32", frame((k) => (k === 500 ? 0.5 : 1)), 4 * N],
    ["negative values as Float32", frame((k) => (k === 17 ? -1 : 1)), 4 * N],
    ["NaN as Float32", frame((k) => (k === 3 ? NaN : 1)), 4 * N],
    ["values past 65535 as Float32", frame((k) => (k === 900 ? 70000 : 1)), 4 * N],
  ])("keeps %s, exactly", (_, values, bytes) => {
    const cache = new FrameCache(1e9, acquireCodec());
    expect(cache.store(0, values)).toBe(true);
    expect(cache.bytes).toBe(bytes);
    const out = new Float32Array(N).fill(-7);
    expect(cache.load(0, out)).toBe(true);
    expect(out).toEqual(values);
    expect(cache.load(1, out)).toBe(false);
  });

  it("keeps frames only while they fit the budget, narrowing to fit", () => {
    const cache = new FrameCache(2.5 * N, acquireCodec());
    expect(cache.store(0, frame((k) => k % 7))).toBe(true); // N bytes
    expect(cache.store(1, frame(() => 1000))).toBe(false); // 2N would pass 2.5N
    expect(cache.store(2, frame(() => 2))).toBe(true);
    expect(cache.store(3, frame(() => 2))).toBe(false);
    expect(cache.bytes).toBe(2 * N);
    cache.clear();
    expect(cache.bytes).toBe(0);
    expect(cache.load(0, new Float32Array(N))).toBe(false);
  });
});

describe("correctMotion with the frame cache", () => {
  /** A source that counts reads and, like MovieReader, has readFrameInto. */
  function counting(frames: readonly Float32Array[], w: number, h: number, sampleType?: string): FrameSource & { reads: number } {
    const plain = framesSource(w, h, frames);
    const s = {
      ...plain,
      ...(sampleType === undefined ? {} : { sampleType }),
      reads: 0,
      readFrame: (i: number) => {
        s.reads++;
        return plain.readFrame(i);
      },
      readFrameInto: async (i: number, out: Float32Array) => {
        s.reads++;
        out.set(await plain.readFrame(i));
        return out;
      },
    };
    return s;
  }

  it("gives the same sums with the cache, without it, and with a partial one (with and without a gain), reading each frame once when it fits", async () => {
    const m = await simulateMovie({ width: 256, height: 256, frameCount: 8, dosePerFrame: 3, drift: { total: 6 }, seed: 31 });
    const counts = [...m.frames()];
    expect(counts[0]!.every((v) => Number.isInteger(v) && v >= 0 && v < 256)).toBe(true);
    // Gain-corrected frames are fractional: cached as Float32 (or not at all past the budget).
    const scaled = counts.map((f) => f.map((v) => v * 1.37));
    const gain = Float32Array.from({ length: 256 * 256 }, (_, k) => 0.9 + 0.2 * ((k * 7919) % 101) / 100);
    const cases = [[counts, 1, undefined], [scaled, 4, undefined], [counts, 1, gain]] as const;
    for (const [frames, bytesPerPixel, g] of cases) {
      const opts = { pixelSize: 1, dosePerFrame: 3, patches: [2, 2] as [number, number], ...(g === undefined ? {} : { gain: g }) };
      const none = counting(frames, 256, 256);
      const off = await correctMotion(none, { ...opts, cacheFramesBytes: 0 });
      expect(none.reads).toBe(16);
      // A reader of bytes says so; its frames are narrowed unchecked.
      const all = counting(frames, 256, 256, bytesPerPixel === 1 ? "uint8" : "float32");
      const on = await correctMotion(all, opts);
      expect(all.reads).toBe(8);
      const some = counting(frames, 256, 256);
      const part = await correctMotion(framesSource(256, 256, frames), opts);
      const partial = await correctMotion(some, { ...opts, cacheFramesBytes: 3 * bytesPerPixel * 256 * 256 });
      expect(some.reads).toBe(8 + 5);
      for (const r of [on, part, partial]) {
        expect(r.trajectory).toEqual(off.trajectory);
        expect(r.sum).toEqual(off.sum);
        expect(r.sumDoseWeighted).toEqual(off.sumDoseWeighted);
      }
    }
  }, 60_000);
});

describe("FrameCodec.accumulate", () => {
  it("matches the reference accumulateShifted for bytes, floats and a gain, across tile and frame edges", () => {
    const w = 100;
    const h = 70;
    const tile = 32;
    const tiles = Math.ceil(w / tile) * Math.ceil(h / tile);
    const raw = Float32Array.from({ length: w * h }, (_, k) => (k * 37) % 251);
    const gain = Float32Array.from({ length: w * h }, (_, k) => 0.5 + ((k * 13) % 7) / 7);
    const shifts = Float64Array.from({ length: 2 * tiles }, (_, k) => (k % 2 === 0 ? -3.3 + 0.7 * k : 2.6 - 0.4 * k));
    const codec = acquireCodec();
    codec.layout(w * h, 0, 0, tiles);
    codec.setGain(gain);
    for (const [kept, g] of [[Uint8Array.from(raw), false], [raw, false], [Uint8Array.from(raw), true]] as const) {
      codec.group().fill(0);
      codec.shifts().set(shifts);
      codec.accumulate(kept, g, w, h, tile, false);
      const want = new Float32Array(w * h);
      accumulateShifted(g ? raw.map((v, k) => v * gain[k]!) : raw, want, w, h, tile, shifts);
      const got = codec.group();
      for (let k = 0; k < w * h; k++) expect(got[k]).toBeCloseTo(want[k]!, 3);
    }
    codec.release();
  });
});
