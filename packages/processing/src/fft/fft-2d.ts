import { ProcessingError } from "@emflow/core";
import type { FftCore } from "./core.js";
import { PFFFT_BACKWARD, PFFFT_FORWARD } from "./pffft.js";
import { spectrumLength, type Spectrum2D } from "./spectrum2d.js";

const BLOCK = 32;

function check(width: number, height: number, length: number, what: string): void {
  if (length !== width * height) {
    throw new ProcessingError(`${what} has ${length} values, expected ${width} × ${height} = ${width * height}`);
  }
}

/**
 * Real 2D FFT (unscaled, e^{-2πi(kx x/W + ky y/H)}): real row transforms, one blocked transpose,
 * complex column transforms. Result layout: see Spectrum2D.
 */
export function forward2d(core: FftCore, image: Float32Array, width: number, height: number, out?: Spectrum2D): Spectrum2D {
  check(width, height, image.length, "image");
  const rs = core.setup(width, "real");
  const cs = core.setup(height, "complex");
  const half = width / 2;
  const len = spectrumLength(width, height);
  const a = core.scratch.get("a2", width * height);
  const b = core.scratch.get("b2", len);
  const work = core.scratch.get("w2", 2 * Math.max(width, height));
  core.f32.set(image, a >> 2);
  const mod = core.mod;
  for (let y = 0; y < height; y++) mod._pffft_transform_ordered(rs, a + y * width * 4, a + y * width * 4, work, PFFFT_FORWARD);

  // Rows of complex pairs (one float64 each) become columns.
  transposePairs(core.f64, a >> 3, b >> 3, height, half);
  // Column 0 now holds (DC, Nyquist) pairs, both real: split the Nyquist terms into column `half`.
  const f32 = core.f32;
  const b32 = b >> 2;
  const nyq = b32 + 2 * half * height;
  for (let y = 0; y < height; y++) {
    f32[nyq + 2 * y] = f32[b32 + 2 * y + 1]!;
    f32[nyq + 2 * y + 1] = 0;
    f32[b32 + 2 * y + 1] = 0;
  }
  for (let x = 0; x <= half; x++) mod._pffft_transform_ordered(cs, b + x * height * 8, b + x * height * 8, work, PFFFT_FORWARD);

  const result = out ?? { width, height, data: new Float32Array(len) };
  if (result.data.length !== len) throw new ProcessingError(`output spectrum has ${result.data.length} floats, expected ${len}`);
  result.data.set(core.f32.subarray(b32, b32 + len));
  return result;
}

/**
 * Cache-blocked transpose of a `rows` × `cols` matrix of complex pairs (viewed as float64) at
 * `src` into `dst`: dst[c·rows + r] = src[r·cols + c].
 */
function transposePairs(h: Float64Array, src: number, dst: number, rows: number, cols: number): void {
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const r1 = Math.min(rows, r0 + BLOCK);
    for (let c0 = 0; c0 < cols; c0 += BLOCK) {
      const c1 = Math.min(cols, c0 + BLOCK);
      for (let r = r0; r < r1; r++) {
        const row = src + r * cols;
        for (let c = c0; c < c1; c++) h[dst + c * rows + r] = h[row + c]!;
      }
    }
  }
}

/** Inverse of `forward2d`, scaled by 1/(W·H) so inverse(forward(x)) = x. */
export function inverse2d(core: FftCore, spectrum: Spectrum2D, out?: Float32Array): Float32Array {
  const { width, height } = spectrum;
  const len = spectrumLength(width, height);
  if (spectrum.data.length !== len) throw new ProcessingError(`spectrum has ${spectrum.data.length} floats, expected ${len}`);
  const rs = core.setup(width, "real");
  const cs = core.setup(height, "complex");
  const half = width / 2;
  const a = core.scratch.get("a2", width * height);
  const b = core.scratch.get("b2", len);
  const work = core.scratch.get("w2", 2 * Math.max(width, height));
  const b32 = b >> 2;
  core.f32.set(spectrum.data, b32);
  const mod = core.mod;
  for (let x = 0; x <= half; x++) mod._pffft_transform_ordered(cs, b + x * height * 8, b + x * height * 8, work, PFFFT_BACKWARD);

  transposePairs(core.f64, b >> 3, a >> 3, half, height);
  // Pack the (real) DC and Nyquist columns back into PFFFT's first slot of each row.
  const f32 = core.f32;
  const a32 = a >> 2;
  const nyq = b32 + 2 * half * height;
  for (let y = 0; y < height; y++) f32[a32 + y * width + 1] = f32[nyq + 2 * y]!;
  for (let y = 0; y < height; y++) mod._pffft_transform_ordered(rs, a + y * width * 4, a + y * width * 4, work, PFFFT_BACKWARD);

  const n = width * height;
  const result = out ?? new Float32Array(n);
  if (result.length !== n) throw new ProcessingError(`output image has ${result.length} values, expected ${n}`);
  const heap = core.f32;
  const s = 1 / n;
  for (let i = 0; i < n; i++) result[i] = heap[a32 + i]! * s;
  return result;
}
