import { centre, type Band } from "./band.js";
import { nelderMead } from "./nelder-mead.js";

/** χ constants shared by the searches: π λ, (π/2) Cs λ³ and the amplitude-contrast phase. */
export interface Optics {
  w1: number;
  w2: number;
  ampPhase: number;
}

/** Defocus model inside the searches: df(θ) = mean + a cos 2θ + b sin 2θ, plus a phase shift (rad). */
export interface Trial {
  mean: number;
  a: number;
  b: number;
  phase: number;
}

/**
 * Normalised cross-correlation between the band and −cos 2χ, which is CTF² = (1 − cos 2χ)/2 up to
 * scale and offset (NCC does not see either).
 */
export function score2d(band: Band, o: Optics, t: Trial): number {
  const { k2, c2, s2, centred } = band;
  const off = o.ampPhase + t.phase;
  let num = 0;
  let sm = 0;
  let sm2 = 0;
  const n = k2.length;
  for (let i = 0; i < n; i++) {
    const q = k2[i]!;
    const chi = o.w1 * q * (t.mean + t.a * c2[i]! + t.b * s2[i]!) - o.w2 * q * q + off;
    const m = -Math.cos(2 * chi);
    num += centred[i]! * m;
    sm += m;
    sm2 += m * m;
  }
  const norm = Math.sqrt(Math.max(1e-30, sm2 - (sm * sm) / n));
  return num / norm;
}

/** Best mean defocus (and phase) from the 1D radial profile of the whitened band, by exhaustive search. */
export function search1d(profile: Float64Array, lo: number, hi: number, width: number, o: Optics, minDefocus: number, maxDefocus: number, phases: readonly number[]): { mean: number; phase: number; score: number } {
  const bins: number[] = [];
  const values: number[] = [];
  for (let b = lo; b <= hi; b++) {
    if (!Number.isFinite(profile[b]!)) continue;
    bins.push(b);
    values.push(profile[b]!);
  }
  const c = centre(Float64Array.from(values));
  // Step so that the phase at the band edge moves by at most ~0.15 rad between trials.
  const kmax = hi * width;
  const step = Math.max(5, 0.15 / (o.w1 * kmax * kmax));
  let best = { mean: minDefocus, phase: 0, score: -Infinity };
  for (const phase of phases) {
    for (let df = minDefocus; df <= maxDefocus; df += step) {
      let num = 0;
      let sm = 0;
      let sm2 = 0;
      for (let j = 0; j < bins.length; j++) {
        const k = bins[j]! * width;
        const q = k * k;
        const m = -Math.cos(2 * (o.w1 * q * df - o.w2 * q * q + o.ampPhase + phase));
        num += c[j]! * m;
        sm += m;
        sm2 += m * m;
      }
      const s = num / Math.sqrt(Math.max(1e-30, sm2 - (sm * sm) / bins.length));
      if (s > best.score) best = { mean: df, phase, score: s };
    }
  }
  return best;
}

/**
 * 2D refinement: a grid over astigmatism (0–2000 Å half-difference, 8 directions) around the 1D
 * defocus, then Nelder–Mead on (mean, a, b[, phase]) from the three best grid points. Working in
 * (a, b) = half-astigmatism × (cos 2φ, sin 2φ) keeps the search smooth through zero astigmatism
 * and the 180° wrap of the angle.
 */
export function refine2d(band: Band, o: Optics, start: { mean: number; phase: number }, findPhase: boolean): { trial: Trial; score: number } {
  const grid: { trial: Trial; score: number }[] = [];
  for (const f of [0.97, 1, 1.03]) {
    for (const half of [0, 100, 300, 700, 1500]) {
      const angles = half === 0 ? 1 : 8;
      for (let j = 0; j < angles; j++) {
        const phi = (j * Math.PI) / 8;
        const trial = { mean: start.mean * f, a: half * Math.cos(2 * phi), b: half * Math.sin(2 * phi), phase: start.phase };
        grid.push({ trial, score: score2d(band, o, trial) });
      }
    }
  }
  grid.sort((x, y) => y.score - x.score);
  let best = grid[0]!;
  for (const g of grid.slice(0, 3)) {
    const x0 = [g.trial.mean, g.trial.a, g.trial.b, ...(findPhase ? [g.trial.phase] : [])];
    const steps = [0.01 * g.trial.mean + 50, 150, 150, ...(findPhase ? [0.2] : [])];
    const toTrial = (x: number[]): Trial => ({ mean: x[0]!, a: x[1]!, b: x[2]!, phase: findPhase ? x[3]! : g.trial.phase });
    const r = nelderMead((x) => -score2d(band, o, toTrial(x)), x0, steps, 600, 1e-9);
    if (-r.value > best.score) best = { trial: toTrial(r.x), score: -r.value };
  }
  return best;
}
