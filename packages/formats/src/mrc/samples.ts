/**
 * Raw little-endian samples to float32, shared by the MRC and TIFF readers.
 * Conversions go through TypedArray.prototype.set, which V8 runs natively
 * (about 2.5× faster than a JavaScript loop on a 4k × 4k frame).
 */

/** Sample types the readers understand. */
export type SampleType = "int8" | "uint8" | "int16" | "uint16" | "int32" | "uint32" | "float16" | "float32" | "float64";

/** Bytes per sample of each type. */
export const BYTES_PER_SAMPLE: Readonly<Record<SampleType, number>> = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float16: 2,
  float32: 4,
  float64: 8,
};

type View = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

/**
 * A typed view of `bytes` as `type` (native = little-endian order). Copies when
 * `bytes` does not start on a multiple of the sample size, which typed views require.
 */
export function viewAs(type: Exclude<SampleType, "float16">, bytes: Uint8Array): View {
  const size = BYTES_PER_SAMPLE[type];
  const src = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  const n = Math.floor(src.length / size);
  const { buffer, byteOffset } = src;
  switch (type) {
    case "int8":
      return new Int8Array(buffer, byteOffset, n);
    case "uint8":
      return new Uint8Array(buffer, byteOffset, n);
    case "int16":
      return new Int16Array(buffer, byteOffset, n);
    case "uint16":
      return new Uint16Array(buffer, byteOffset, n);
    case "int32":
      return new Int32Array(buffer, byteOffset, n);
    case "uint32":
      return new Uint32Array(buffer, byteOffset, n);
    case "float32":
      return new Float32Array(buffer, byteOffset, n);
    case "float64":
      return new Float64Array(buffer, byteOffset, n);
  }
}

/**
 * Converts the little-endian samples in `bytes` (of `type`) to float32 into
 * `out` starting at `outOffset`. The sample count is `bytes.length / size`.
 */
export function samplesToFloat32(type: SampleType, bytes: Uint8Array, out: Float32Array, outOffset = 0): void {
  if (type === "float16") {
    const u16 = viewAs("uint16", bytes) as Uint16Array;
    const table = halfToFloatTable();
    for (let i = 0; i < u16.length; i++) out[outOffset + i] = table[u16[i]!]!;
    return;
  }
  out.set(viewAs(type, bytes), outOffset);
}

/** Reverses the byte order of every `size`-byte sample in place (big-endian files). */
export function swapInPlace(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  const usable = bytes.length - (bytes.length % size);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, usable);
  if (size === 2) buf.swap16();
  else if (size === 4) buf.swap32();
  else if (size === 8) buf.swap64();
  else throw new RangeError(`cannot swap ${size}-byte samples`);
}

let HALF: Float32Array | undefined;

/** Every IEEE 754 half-precision bit pattern as float32 (256 KB, built once). */
export function halfToFloatTable(): Float32Array {
  if (HALF !== undefined) return HALF;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) table[h] = sign * frac * 2 ** -24;
    else if (exp === 31) table[h] = frac === 0 ? sign * Infinity : NaN;
    else table[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  HALF = table;
  return table;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** The IEEE 754 half-precision bits nearest to `value` (round half to even; overflow → ±Infinity). */
export function toHalfBits(value: number): number {
  F32[0] = value;
  const x = U32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the mantissa with its implicit 1 into place.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // Carrying into the exponent is correct: it rounds up to the next binade (or Infinity).
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
  return sign | half;
}
