import { ProcessingError } from "@emflow/core";
import { signedIndex, spectrumLength, type Spectrum2D } from "./spectrum2d.js";

/** |F|² for every stored coefficient, in the Spectrum2D order ((width/2 + 1) × height values). */
export function powerSpectrum(spectrum: Spectrum2D, out?: Float32Array): Float32Array {
  const { data } = spectrum;
  const n = data.length / 2;
  const result = out ?? new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const re = data[2 * i]!;
    const im = data[2 * i + 1]!;
    result[i] = re * re + im * im;
  }
  return result;
}

/**
 * Full `width` × `height` power spectrum image (row-major) with zero frequency at
 * (width/2, height/2), filled in from the half spectrum by Hermitian symmetry. For display and
 * for fitting models that are easier to write on a centred grid.
 */
export function centeredPowerSpectrum(spectrum: Spectrum2D): Float32Array {
  const { width: w, height: h, data } = spectrum;
  const out = new Float32Array(w * h);
  const cx = w / 2;
  const cy = h / 2;
  for (let kx = 0; kx <= w / 2; kx++) {
    for (let ky = 0; ky < h; ky++) {
      const i = 2 * (kx * h + ky);
      const p = data[i]! * data[i]! + data[i + 1]! * data[i + 1]!;
      const fy = signedIndex(ky, h);
      const x1 = cx + kx;
      const y1 = cy + fy;
      if (x1 < w) out[y1 * w + x1] = p;
      const x2 = cx - kx;
      const y2 = (cy - fy) % h;
      if (x2 >= 0) out[y2 * w + x2] = p;
    }
  }
  return out;
}

/**
 * Keep the central `newWidth` × `newHeight` frequencies (binning by Fourier cropping, no aliasing).
 * Values are rescaled so the inverse transform keeps pixel values (a local average, not a sum).
 */
export function fourierCrop(spectrum: Spectrum2D, newWidth: number, newHeight: number): Spectrum2D {
  const { width: w, height: h, data } = spectrum;
  if (newWidth > w || newHeight > h || newWidth % 2 !== 0 || newHeight % 2 !== 0) {
    throw new ProcessingError(`cannot Fourier-crop ${w} × ${h} to ${newWidth} × ${newHeight}`);
  }
  const out = new Float32Array(spectrumLength(newWidth, newHeight));
  const scale = (newWidth * newHeight) / (w * h);
  const halfH = newHeight / 2;
  for (let kx = 0; kx <= newWidth / 2; kx++) {
    const src = 2 * kx * h;
    const dst = 2 * kx * newHeight;
    for (let ky = 0; ky < halfH; ky++) {
      out[dst + 2 * ky] = data[src + 2 * ky]! * scale;
      out[dst + 2 * ky + 1] = data[src + 2 * ky + 1]! * scale;
    }
    for (let ky = halfH; ky < newHeight; ky++) {
      const from = h - newHeight + ky;
      out[dst + 2 * ky] = data[src + 2 * from]! * scale;
      out[dst + 2 * ky + 1] = data[src + 2 * from + 1]! * scale;
    }
  }
  return { width: newWidth, height: newHeight, data: out };
}

/** Per-axis phasors e^{-2πi k d / n} for k = 0..count-1 (signed indices), interleaved. */
function rampAxis(n: number, count: number, shift: number): Float64Array {
  const out = new Float64Array(2 * count);
  for (let k = 0; k < count; k++) {
    const phase = (-2 * Math.PI * signedIndex(k, n) * shift) / n;
    out[2 * k] = Math.cos(phase);
    out[2 * k + 1] = Math.sin(phase);
  }
  return out;
}

/**
 * Shift the image content by (+dx, +dy) pixels (new(x) = old(x − d), periodic) by multiplying
 * with the phase ramp e^{-2πi(kx dx/W + ky dy/H)}. In place unless `out` is given.
 */
export function phaseShift(spectrum: Spectrum2D, dx: number, dy: number, out?: Spectrum2D): Spectrum2D {
  const { width: w, height: h, data } = spectrum;
  const result = out ?? spectrum;
  const dst = result.data;
  const ex = rampAxis(w, w / 2 + 1, dx);
  const ey = rampAxis(h, h, dy);
  for (let kx = 0; kx <= w / 2; kx++) {
    const cr = ex[2 * kx]!;
    const ci = ex[2 * kx + 1]!;
    const base = 2 * kx * h;
    for (let ky = 0; ky < h; ky++) {
      const pr = cr * ey[2 * ky]! - ci * ey[2 * ky + 1]!;
      const pi = cr * ey[2 * ky + 1]! + ci * ey[2 * ky]!;
      const i = base + 2 * ky;
      const re = data[i]!;
      const im = data[i + 1]!;
      dst[i] = re * pr - im * pi;
      dst[i + 1] = re * pi + im * pr;
    }
  }
  return result;
}

/** Phase-ramp rows for `phaseShift`-style products, exported for loops that fuse other work. */
export { rampAxis };
