import { FftCore } from "./core.js";
import { complex1d, realForward1d, realInverse1d } from "./fft-1d.js";
import { forward2d, inverse2d } from "./fft-2d.js";
import { loadPffftModule } from "./pffft.js";
import type { Spectrum2D } from "./spectrum2d.js";

/**
 * FFTs on PFFFT (WASM). Forward transforms are unscaled with kernel e^{-2πi…}; inverse transforms
 * are scaled by 1/N, so inverse(forward(x)) = x. Sizes: see `isGoodRealSize` / `isGoodComplexSize`
 * (multiples of 32 / 16 with prime factors 2, 3, 5). Not thread-safe across workers: each worker
 * thread loads its own instance.
 */
export interface Fft {
  /** True when the SIMD build of PFFFT was instantiated. */
  readonly simd: boolean;
  /** Complex FFT of `data.length / 2` points, interleaved (re, im). */
  complexForward(data: Float32Array, out?: Float32Array): Float32Array;
  /** Inverse complex FFT, scaled by 1/n. */
  complexInverse(data: Float32Array, out?: Float32Array): Float32Array;
  /** Real FFT of n points → n/2 + 1 complex values (n + 2 floats, DC first, Nyquist last). */
  realForward(data: Float32Array, out?: Float32Array): Float32Array;
  /** Inverse real FFT: n + 2 floats → n reals, scaled by 1/n. */
  realInverse(spectrum: Float32Array, n: number, out?: Float32Array): Float32Array;
  /** Real 2D FFT of a row-major `width` × `height` image; layout in Spectrum2D. */
  forward2d(image: Float32Array, width: number, height: number, out?: Spectrum2D): Spectrum2D;
  /** Inverse real 2D FFT, scaled by 1/(width·height). */
  inverse2d(spectrum: Spectrum2D, out?: Float32Array): Float32Array;
}

let instance: Promise<Fft> | undefined;

/** The FFT engine for this thread (PFFFT loaded on first call, then cached). */
export function loadFft(): Promise<Fft> {
  instance ??= loadPffftModule().then((mod) => {
    const core = new FftCore(mod);
    return {
      simd: core.simd,
      complexForward: (data, out) => complex1d(core, data, false, out),
      complexInverse: (data, out) => complex1d(core, data, true, out),
      realForward: (data, out) => realForward1d(core, data, out),
      realInverse: (spectrum, n, out) => realInverse1d(core, spectrum, n, out),
      forward2d: (image, width, height, out) => forward2d(core, image, width, height, out),
      inverse2d: (spectrum, out) => inverse2d(core, spectrum, out),
    } satisfies Fft;
  });
  return instance;
}
