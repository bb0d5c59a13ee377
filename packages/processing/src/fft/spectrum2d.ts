/**
 * The half spectrum of a real `width` × `height` image, as `fft2d` produces it.
 *
 * Layout (kx-major, i.e. transposed, because that saves a transpose in each direction):
 * the complex value at horizontal frequency index kx ∈ [0, width/2] and vertical index
 * ky ∈ [0, height) is `data[2 * (kx * height + ky)]` (real) and `data[2 * (kx * height + ky) + 1]`
 * (imaginary). Index ky ≥ height/2 stands for the negative frequency ky − height. Negative kx are
 * the complex conjugates of the stored values (Hermitian symmetry). Frequencies in cycles per pixel
 * are kx / width and ky / height.
 */
export interface Spectrum2D {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** Number of floats a Spectrum2D of a `width` × `height` image holds. */
export function spectrumLength(width: number, height: number): number {
  return 2 * (width / 2 + 1) * height;
}

/** A zero-filled spectrum for a `width` × `height` image. */
export function zeroSpectrum(width: number, height: number): Spectrum2D {
  return { width, height, data: new Float32Array(spectrumLength(width, height)) };
}

/** Signed frequency index for storage index `k` along an axis of `n` samples (n/2 maps to −n/2). */
export function signedIndex(k: number, n: number): number {
  return k < n / 2 ? k : k - n;
}
