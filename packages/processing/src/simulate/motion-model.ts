import type { Rng } from "./rng.js";

/**
 * Local deformation: D(x, y, τ) = Σ_{j=1..3} τ^j Σ_m c_jm b_m(x̂, ŷ), τ = frame / (frameCount − 1),
 * x̂ = (2x − (W − 1)) / W and ŷ likewise (≈ −1…1), basis b = [x̂, ŷ, x̂² − ⅓, ŷ² − ⅓, x̂ŷ]. The basis
 * has zero mean over the image, so D does not change the global (average) motion, and D = 0 at
 * frame 0.
 */
export interface DeformationTruth {
  basis: string[];
  /** c_jm for the x and y displacement, 3 (powers of τ) × 5 (basis), px. */
  coefficients_x: number[][];
  coefficients_y: number[][];
  /** Largest |D| at the last frame, px. */
  amplitude: number;
}

export const DEFORMATION_BASIS = ["x", "y", "x^2-1/3", "y^2-1/3", "x*y"];

/** Basis values at normalised coordinates. */
function basis(xh: number, yh: number): [number, number, number, number, number] {
  return [xh, yh, xh * xh - 1 / 3, yh * yh - 1 / 3, xh * yh];
}

/** The five basis coefficients for time τ (summing the powers of τ). */
export function deformationAtTime(def: DeformationTruth, tau: number): { cx: number[]; cy: number[] } {
  const cx = [0, 0, 0, 0, 0];
  const cy = [0, 0, 0, 0, 0];
  for (let j = 0; j < 3; j++) {
    const p = tau ** (j + 1);
    for (let m = 0; m < 5; m++) {
      cx[m]! += p * def.coefficients_x[j]![m]!;
      cy[m]! += p * def.coefficients_y[j]![m]!;
    }
  }
  return { cx, cy };
}

/** Local displacement (px) at detector pixel (x, y) in frame `frame` of a W × H, F-frame movie. */
export function deformationAt(def: DeformationTruth, x: number, y: number, frame: number, width: number, height: number, frameCount: number): [number, number] {
  const tau = frameCount > 1 ? frame / (frameCount - 1) : 0;
  const { cx, cy } = deformationAtTime(def, tau);
  const b = basis((2 * x - (width - 1)) / width, (2 * y - (height - 1)) / height);
  let dx = 0;
  let dy = 0;
  for (let m = 0; m < 5; m++) {
    dx += cx[m]! * b[m]!;
    dy += cy[m]! * b[m]!;
  }
  return [dx, dy];
}

/** Random smooth deformation whose largest displacement at τ = 1 is `amplitude` px. */
export function randomDeformation(rng: Rng, amplitude: number): DeformationTruth {
  const raw = () => [0, 1, 2].map((j) => [0, 1, 2, 3, 4].map(() => rng.normal() / (j + 1)));
  const cx = raw();
  const cy = raw();
  const def = { basis: DEFORMATION_BASIS, coefficients_x: cx, coefficients_y: cy, amplitude };
  let peak = 0;
  for (let i = 0; i <= 8; i++) {
    for (let j = 0; j <= 8; j++) {
      const [dx, dy] = deformationAt(def, (i / 8) * 99, (j / 8) * 99, 1, 100, 100, 2);
      peak = Math.max(peak, Math.hypot(dx, dy));
    }
  }
  const s = peak > 0 ? amplitude / peak : 0;
  const scale = (c: number[][]) => c.map((row) => row.map((v) => v * s));
  return { ...def, coefficients_x: scale(cx), coefficients_y: scale(cy) };
}

/**
 * Global drift, px, relative to frame 0: a fast initial (beam-induced) motion decaying over
 * `decay` frames plus a smooth random walk, scaled to a path length of `total` px.
 */
export function randomTrajectory(rng: Rng, frames: number, total: number, decay: number): [number, number][] {
  const angle = 2 * Math.PI * rng.uniform();
  const out: [number, number][] = [[0, 0]];
  let wx = 0;
  let wy = 0;
  let px = 0;
  let py = 0;
  let path = 0;
  const steps: [number, number][] = [];
  for (let i = 1; i < frames; i++) {
    wx = 0.7 * wx + 0.3 * rng.normal();
    wy = 0.7 * wy + 0.3 * rng.normal();
    const e = Math.exp(-(i - 1) / decay);
    const vx = e * Math.cos(angle) + 0.25 * wx;
    const vy = e * Math.sin(angle) + 0.25 * wy;
    steps.push([vx, vy]);
    path += Math.hypot(vx, vy);
  }
  const s = path > 0 ? total / path : 0;
  for (const [vx, vy] of steps) {
    px += vx * s;
    py += vy * s;
    out.push([px, py]);
  }
  return out;
}
