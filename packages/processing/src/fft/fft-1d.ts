import { ProcessingError } from "@emflow/core";
import type { FftCore } from "./core.js";
import { PFFFT_BACKWARD, PFFFT_FORWARD } from "./pffft.js";

/**
 * Complex 1D FFT of `n = data.length / 2` points (interleaved re, im). Forward uses e^{-2πi jk/n}
 * and is unscaled; inverse is scaled by 1/n so inverse(forward(x)) = x.
 */
export function complex1d(core: FftCore, data: Float32Array, inverse: boolean, out?: Float32Array): Float32Array {
  const n = data.length / 2;
  if (!Number.isInteger(n)) throw new ProcessingError(`complex FFT input has odd length ${data.length}`);
  const setup = core.setup(n, "complex");
  const ptr = core.scratch.get("c1", 2 * n);
  const work = core.scratch.get("w1", 2 * n);
  const heap = core.f32;
  heap.set(data, ptr >> 2);
  core.mod._pffft_transform_ordered(setup, ptr, ptr, work, inverse ? PFFFT_BACKWARD : PFFFT_FORWARD);
  const result = out ?? new Float32Array(2 * n);
  const view = core.f32.subarray(ptr >> 2, (ptr >> 2) + 2 * n);
  if (!inverse) result.set(view);
  else for (let i = 0, s = 1 / n; i < 2 * n; i++) result[i] = view[i]! * s;
  return result;
}

/** Real 1D FFT of `n` points → `n/2 + 1` complex values (interleaved, DC first, Nyquist last). */
export function realForward1d(core: FftCore, data: Float32Array, out?: Float32Array): Float32Array {
  const n = data.length;
  const setup = core.setup(n, "real");
  const ptr = core.scratch.get("r1", n);
  const work = core.scratch.get("w1", 2 * n);
  core.f32.set(data, ptr >> 2);
  core.mod._pffft_transform_ordered(setup, ptr, ptr, work, PFFFT_FORWARD);
  const heap = core.f32;
  const p = ptr >> 2;
  const result = out ?? new Float32Array(n + 2);
  // PFFFT packs the real DC and Nyquist terms into the first complex slot.
  result.set(heap.subarray(p + 2, p + n), 2);
  result[0] = heap[p]!;
  result[1] = 0;
  result[n] = heap[p + 1]!;
  result[n + 1] = 0;
  return result;
}

/** Inverse of `realForward1d`: `n/2 + 1` complex values → `n` reals, scaled by 1/n. */
export function realInverse1d(core: FftCore, spectrum: Float32Array, n: number, out?: Float32Array): Float32Array {
  if (spectrum.length !== n + 2) throw new ProcessingError(`real inverse FFT of ${n} points needs ${n + 2} floats, got ${spectrum.length}`);
  const setup = core.setup(n, "real");
  const ptr = core.scratch.get("r1", n);
  const work = core.scratch.get("w1", 2 * n);
  const heap = core.f32;
  const p = ptr >> 2;
  heap.set(spectrum.subarray(2, n), p + 2);
  heap[p] = spectrum[0]!;
  heap[p + 1] = spectrum[n]!;
  core.mod._pffft_transform_ordered(setup, ptr, ptr, work, PFFFT_BACKWARD);
  const view = core.f32;
  const result = out ?? new Float32Array(n);
  for (let i = 0, s = 1 / n; i < n; i++) result[i] = view[p + i]! * s;
  return result;
}
