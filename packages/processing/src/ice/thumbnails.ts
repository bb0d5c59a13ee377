import type { CtfEstimate } from "../ctf/estimate.js";
import { ctfChi, ctfTerms, type CtfParameters } from "../ctf/model.js";
import { downsample, toGray8, type Gray8 } from "./gray.js";

/** Picks drawn on the micrograph thumbnail: centres and radius in thumbnail pixels. */
export interface PickOverlay {
  points: [number, number][];
  radius: number;
}

/** Drift plot data: the trajectory in Å relative to frame 0, and its bounds. */
export interface DriftPlot {
  points: [number, number][];
  min: [number, number];
  max: [number, number];
}

/** Everything the thumbnail step produces, as raw 8-bit images plus overlay data. */
export interface Thumbnails {
  micrograph: Gray8;
  powerSpectrum: Gray8;
  picks: PickOverlay | undefined;
  drift: DriftPlot | undefined;
}

/** Micrograph thumbnail: box-averaged to ≤ `maxSide` px, contrast stretched to the 0.5–99.5 % quantiles. */
export function micrographThumbnail(image: Float32Array, width: number, height: number, maxSide = 512): { image: Gray8; factor: number } {
  const small = downsample(image, width, height, maxSide);
  return { image: toGray8(small.data, small.width, small.height), factor: small.factor };
}

/**
 * Power spectrum thumbnail: log of the averaged amplitude spectrum (zero frequency in the centre),
 * with the zeros of the fitted CTF drawn in white on the right half (CTFFIND's diagnostic layout:
 * data on the left, data and fit on the right).
 */
export function powerSpectrumThumbnail(ctf: CtfEstimate, params: Omit<CtfParameters, "defocus_u" | "defocus_v" | "astigmatism_angle" | "phase_shift">, pixelSize: number, minResolution = 30): Gray8 {
  const { size, amplitude } = ctf.spectrum;
  const logs = new Float32Array(amplitude.length);
  for (let i = 0; i < logs.length; i++) logs[i] = Math.log(amplitude[i]! + 1e-6);
  // Flatten the radial fall-off so the rings show at every radius: subtract a radial mean.
  const c = size / 2;
  const sum = new Float64Array(size);
  const n = new Float64Array(size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const r = Math.min(size - 1, Math.round(Math.hypot(x - c, y - c)));
    sum[r]! += logs[y * size + x]!;
    n[r]!++;
  }
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const r = Math.min(size - 1, Math.round(Math.hypot(x - c, y - c)));
    logs[y * size + x]! -= sum[r]! / Math.max(1, n[r]!);
  }
  logs[c * size + c] = 0;
  const gray = toGray8(logs, size, size, 0.02, 0.98);
  const terms = ctfTerms({ ...params, defocus_u: ctf.defocus_u, defocus_v: ctf.defocus_v, astigmatism_angle: ctf.astigmatism_angle, phase_shift: ctf.phase_shift });
  const step = 1 / (size * pixelSize);
  for (let y = 0; y < size; y++) {
    for (let x = c + 1; x < size; x++) {
      const fx = (x - c) * step;
      const fy = (y - c) * step;
      if (Math.hypot(fx, fy) < 1 / minResolution) continue;
      // A zero of sin χ lies between this pixel and its right or lower neighbour.
      const here = Math.sin(ctfChi(terms, fx, fy));
      const right = Math.sin(ctfChi(terms, fx + step, fy));
      const down = Math.sin(ctfChi(terms, fx, fy + step));
      if (here * right <= 0 || here * down <= 0) gray.data[y * size + x] = 255;
    }
  }
  return gray;
}

/** Picks scaled onto a thumbnail made with downsampling `factor`. */
export function pickOverlay(picks: readonly (readonly [number, number])[], diameterA: number, pixelSize: number, factor: number): PickOverlay {
  return { points: picks.map(([x, y]): [number, number] => [(x + 0.5) / factor - 0.5, (y + 0.5) / factor - 0.5]), radius: diameterA / 2 / pixelSize / factor };
}

/** Drift plot data in Å from a trajectory in px. */
export function driftPlot(trajectory: readonly (readonly [number, number])[], pixelSize: number): DriftPlot {
  const points = trajectory.map(([x, y]): [number, number] => [x * pixelSize, y * pixelSize]);
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return { points, min: [Math.min(...xs), Math.min(...ys)], max: [Math.max(...xs), Math.max(...ys)] };
}

/** Inputs of `makeThumbnails`: the aligned micrograph plus whatever earlier steps found. */
export interface ThumbnailInput {
  micrograph: Float32Array;
  width: number;
  height: number;
  /** Å/px. */
  pixelSize: number;
  maxSide?: number;
  ctf?: { estimate: CtfEstimate; voltage: number; cs: number; amplitudeContrast: number };
  picks?: { picks: readonly (readonly [number, number])[]; diameter: number };
  trajectory?: readonly (readonly [number, number])[];
}

/** Micrograph and power-spectrum thumbnails (8-bit) with pick and drift overlays. */
export function makeThumbnails(input: ThumbnailInput): Thumbnails {
  const { image, factor } = micrographThumbnail(input.micrograph, input.width, input.height, input.maxSide ?? 512);
  const ctf = input.ctf;
  const powerSpectrum = ctf === undefined ? { width: 0, height: 0, data: new Uint8Array(0) } : powerSpectrumThumbnail(ctf.estimate, { voltage: ctf.voltage, cs: ctf.cs, amplitude_contrast: ctf.amplitudeContrast }, input.pixelSize);
  return {
    micrograph: image,
    powerSpectrum,
    picks: input.picks === undefined ? undefined : pickOverlay(input.picks.picks, input.picks.diameter, input.pixelSize, factor),
    drift: input.trajectory === undefined ? undefined : driftPlot(input.trajectory, input.pixelSize),
  };
}
