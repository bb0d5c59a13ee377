import { ProcessingError } from "@emflow/core";
import { loadFft } from "../fft/fft.js";
import { goodSizeAtMost } from "../fft/sizes.js";
import { signedIndex } from "../fft/spectrum2d.js";
import { parseOptions } from "../image/options.js";
import { bandPixels, radialAverage, radialBins, whitenedSpectrum } from "./band.js";
import { electronWavelength } from "./model.js";
import { CtfOptions } from "./options.js";
import { fitProfile, type CtfFitProfile } from "./resolution.js";
import { refine2d, search1d, type Optics } from "./search.js";
import { averageAmplitudeSpectrum } from "./spectrum.js";

/** Result of `estimateCtf` (CTFFIND4 conventions: Å, degrees, U ≥ V). */
export interface CtfEstimate {
  defocus_u: number;
  defocus_v: number;
  /** Angle from the x axis to the U (major) axis, degrees in [0, 180). */
  astigmatism_angle: number;
  /** Additional phase shift, degrees (0 unless fitted). */
  phase_shift: number;
  /** Normalised cross-correlation of the whitened spectrum with CTF² over the band. */
  score: number;
  /** Highest resolution (Å) up to which the rings are fitted (windowed CC ≥ fitThreshold). */
  fit_resolution: number;
  profile: CtfFitProfile;
  /** Averaged amplitude spectrum, `size` × `size`, zero frequency at (size/2, size/2), row-major. */
  spectrum: { size: number; amplitude: Float32Array };
  tiles: number;
}

/**
 * CTFFIND4-style CTF estimation: average the power spectra of overlapping tiles, subtract a smooth
 * background and whiten, find the mean defocus from the 1D radial profile, refine defocus U/V,
 * astigmatism angle (and phase shift) in 2D by maximising the normalised cross-correlation with
 * CTF² over the resolution band, and measure how far out the rings are fitted.
 */
export async function estimateCtf(image: Float32Array, width: number, height: number, options: CtfOptions): Promise<CtfEstimate> {
  const cfg = parseOptions(CtfOptions, options, "CTF options");
  if (cfg.minDefocus >= cfg.maxDefocus) throw new ProcessingError(`defocus search range is inverted or empty: ${cfg.minDefocus} Å to ${cfg.maxDefocus} Å`);
  if (cfg.minResolution <= cfg.maxResolution) throw new ProcessingError(`resolution band is inverted: ${cfg.minResolution} Å to ${cfg.maxResolution} Å (low first)`);
  if (image.length !== width * height) throw new ProcessingError(`image has ${image.length} values, expected ${width} × ${height}`);
  const apix = cfg.pixelSize;
  const tile = goodSizeAtMost(Math.min(cfg.tileSize, width, height), "real");
  if (tile < 64) throw new ProcessingError(`image of ${width} × ${height} is too small for CTF estimation`);
  const fft = await loadFft();
  const { amplitude, tiles } = averageAmplitudeSpectrum(fft, image, width, height, tile);

  const nyquist = 0.5 / apix;
  const kmin = 1 / cfg.minResolution;
  const kmax = Math.min(1 / cfg.maxResolution, 0.95 * nyquist);
  if (kmin >= kmax) throw new ProcessingError(`resolution band ${cfg.minResolution}–${cfg.maxResolution} Å lies beyond Nyquist (${(2 * apix).toFixed(2)} Å)`);
  const lambda = electronWavelength(cfg.voltage);
  const a = Math.min(0.999, cfg.amplitudeContrast);
  const optics: Optics = { w1: Math.PI * lambda, w2: (Math.PI / 2) * cfg.cs * 1e7 * lambda ** 3, ampPhase: Math.atan(a / Math.sqrt(1 - a * a)) };

  const { values } = whitenedSpectrum(amplitude, tile, apix, kmin, kmax);
  const { width: binWidth } = radialBins(tile, apix);
  const profile1d = radialAverage(values, tile, apix, (k) => k >= kmin && k <= kmax);
  const phases = cfg.findPhaseShift ? Array.from({ length: 18 }, (_, i) => (i * Math.PI) / 18) : [0];
  const start = search1d(profile1d, Math.ceil(kmin / binWidth), Math.floor(kmax / binWidth), binWidth, optics, cfg.minDefocus, cfg.maxDefocus, phases);
  const band = bandPixels(values, tile, apix, kmin, kmax);
  const { trial, score } = refine2d(band, optics, start, cfg.findPhaseShift);

  const half = Math.hypot(trial.a, trial.b);
  const angle = ((((Math.atan2(trial.b, trial.a) / 2) * 180) / Math.PI) % 180 + 180) % 180;
  const phaseDeg = ((((trial.phase * 180) / Math.PI) % 180) + 180) % 180;
  const { profile, fitResolution } = fitProfile(values, tile, apix, optics, trial, kmin, cfg.fitThreshold);
  return {
    defocus_u: trial.mean + half,
    defocus_v: trial.mean - half,
    astigmatism_angle: angle,
    phase_shift: cfg.findPhaseShift ? phaseDeg : 0,
    score,
    fit_resolution: fitResolution,
    profile,
    spectrum: { size: tile, amplitude: centred(amplitude, tile) },
    tiles,
  };
}

/** Half spectrum (kx-major) → full centred `tile` × `tile` image by Hermitian symmetry. */
function centred(half: Float32Array, tile: number): Float32Array {
  const out = new Float32Array(tile * tile);
  const c = tile / 2;
  for (let kx = 0; kx <= tile / 2; kx++) {
    for (let ky = 0; ky < tile; ky++) {
      const v = half[kx * tile + ky]!;
      const fy = signedIndex(ky, tile);
      if (c + kx < tile) out[(c + fy) * tile + c + kx] = v;
      if (c - kx >= 0) out[((c - fy + tile) % tile) * tile + c - kx] = v;
    }
  }
  return out;
}
