/**
 * Frames in memory → MRC sample bytes, and running statistics of what was
 * stored (so dmin/dmax/dmean/rms describe the file, after rounding).
 */
import type { MrcMode } from "./header.js";
import { BYTES_PER_SAMPLE, halfToFloatTable, toHalfBits } from "./samples.js";
import { sampleTypeOfMode } from "./header.js";

/** A frame as the writers accept it: float32, or integers of any common width. */
export type FrameData = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** Sample types the writers can store. */
export type WritableSampleType = "int8" | "uint8" | "int16" | "uint16" | "float32" | "float16";

const RANGES: Readonly<Record<"int8" | "uint8" | "int16" | "uint16", readonly [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
};

/** Bytes per sample of `mode`. */
export function bytesPerSampleOfMode(mode: MrcMode): number {
  return BYTES_PER_SAMPLE[sampleTypeOfMode(mode)];
}

/** Stores `src` as MRC `mode` samples into `dst`; see encodeSamples. */
export function encodeFrame(src: FrameData, mode: MrcMode, dst: Uint8Array): ArrayLike<number> {
  return encodeSamples(src, sampleTypeOfMode(mode) as WritableSampleType, dst);
}

/**
 * Stores `src` as `type` samples into `dst` (little-endian). Integer types
 * round to nearest (halves away from zero) and clamp to the type's range, NaN → 0;
 * arrays whose values all fit are copied natively. Returns the stored values' view.
 */
export function encodeSamples(src: FrameData, type: WritableSampleType, dst: Uint8Array): ArrayLike<number> {
  const n = src.length;
  const { buffer, byteOffset } = dst;
  switch (type) {
    case "float32": {
      const out = new Float32Array(buffer, byteOffset, n);
      out.set(src);
      return out;
    }
    case "float16": {
      const out = new Uint16Array(buffer, byteOffset, n);
      for (let i = 0; i < n; i++) out[i] = toHalfBits(src[i]!);
      return out;
    }
    default: {
      const out =
        type === "int8"
          ? new Int8Array(buffer, byteOffset, n)
          : type === "uint8"
            ? new Uint8Array(buffer, byteOffset, n)
            : type === "int16"
              ? new Int16Array(buffer, byteOffset, n)
              : new Uint16Array(buffer, byteOffset, n);
      if (fitsNatively(src, type)) {
        out.set(src);
        return out;
      }
      const [lo, hi] = RANGES[type];
      for (let i = 0; i < n; i++) {
        const x = src[i]!;
        // Comparisons are false for NaN, which falls through to 0.
        out[i] = x >= hi ? hi : x <= lo ? lo : x >= 0 ? Math.floor(x + 0.5) : x < 0 ? Math.ceil(x - 0.5) : 0;
      }
      return out;
    }
  }
}

function fitsNatively(src: FrameData, type: "int8" | "uint8" | "int16" | "uint16"): boolean {
  if (type === "int8") return src instanceof Int8Array;
  if (type === "uint8") return src instanceof Uint8Array;
  if (type === "int16") return src instanceof Int16Array || src instanceof Int8Array || src instanceof Uint8Array;
  return src instanceof Uint16Array || src instanceof Uint8Array;
}

/** Running min, max, mean and standard deviation (MRC's rms) over every stored sample. */
export class RunningStats {
  private count = 0;
  private shift: number | undefined;
  private sum = 0;
  private sumSq = 0;
  min = Infinity;
  max = -Infinity;

  /** Adds the stored values (for float16, the half bits: `half` decodes them). */
  add(values: ArrayLike<number>, half = false): void {
    const n = values.length;
    if (n === 0) return;
    const table = half ? halfToFloatTable() : undefined;
    // Sums around a shift (the first value) keep the variance exact for data far from zero.
    if (this.shift === undefined) {
      const first = table ? table[values[0]!]! : values[0]!;
      this.shift = Number.isFinite(first) ? first : 0;
    }
    const k = this.shift;
    let { min, max } = this;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = table ? table[values[i]!]! : values[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
      const d = v - k;
      s += d;
      s2 += d * d;
    }
    this.min = min;
    this.max = max;
    this.count += n;
    this.sum += s;
    this.sumSq += s2;
  }

  /** dmin, dmax, dmean, rms; MRC2014's "unknown" values (0, -1, -2, -1) before any sample. */
  result(): { dmin: number; dmax: number; dmean: number; rms: number } {
    if (this.count === 0) return { dmin: 0, dmax: -1, dmean: -2, rms: -1 };
    const k = this.shift ?? 0;
    const m = this.sum / this.count;
    const variance = Math.max(0, this.sumSq / this.count - m * m);
    return { dmin: this.min, dmax: this.max, dmean: k + m, rms: Math.sqrt(variance) };
  }
}
