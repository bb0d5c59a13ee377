import { median } from "../image/stats.js";

/**
 * Smooth local motion, MotionCor2-style: L(x, y, τ) = Σ_{j=1..3} τ^j Σ_m c_jm b_m(x̂, ŷ) per axis,
 * basis b = [x̂, ŷ, x̂² − ⅓, ŷ² − ⅓, x̂ŷ], x̂ = (2x − (W − 1)) / W (≈ −1…1) and ŷ likewise,
 * τ = frame / (frameCount − 1). L is in pixels, on top of the global shift, 0 at frame 0, and has
 * zero mean over the image (the basis has no constant term), so the global shift stays the
 * image-average motion and the trajectory is the global alignment's alone. (The same form as the
 * simulator's DeformationTruth, so the two compare directly.)
 */
export interface LocalMotionModel {
  width: number;
  height: number;
  frameCount: number;
  /** c_jm, 3 powers of τ × 5 basis terms, px. */
  coefficients_x: number[][];
  coefficients_y: number[][];
  /** Patch measurements used / rejected as outliers, and the RMS of the fit residual, px. */
  used: number;
  rejected: number;
  rms: number;
  /** Fraction of the (demeaned) patch-shift variance the model explains. */
  explained: number;
}

/** One patch measurement: patch centre (full-resolution px), time τ, residual shift (px). */
export interface PatchSample {
  patch: number;
  x: number;
  y: number;
  tau: number;
  dx: number;
  dy: number;
}

const BASIS = 5;
const TERMS = 3 * BASIS;

function basis(xh: number, yh: number): number[] {
  return [xh, yh, xh * xh - 1 / 3, yh * yh - 1 / 3, xh * yh];
}

/** Local displacement (px) at full-resolution pixel (x, y) in frame `frame`. */
export function evaluateLocal(model: LocalMotionModel, x: number, y: number, frame: number): [number, number] {
  const tau = model.frameCount > 1 ? frame / (model.frameCount - 1) : 0;
  const b = basis((2 * x - (model.width - 1)) / model.width, (2 * y - (model.height - 1)) / model.height);
  let dx = 0;
  let dy = 0;
  for (let j = 0; j < 3; j++) {
    const p = tau ** (j + 1);
    for (let m = 0; m < BASIS; m++) {
      dx += p * model.coefficients_x[j]![m]! * b[m]!;
      dy += p * model.coefficients_y[j]![m]! * b[m]!;
    }
  }
  return [dx, dy];
}

/**
 * Least-squares fit of the model to patch residuals. Each patch's own reference position is
 * unknown, so model and data are both taken relative to their mean over the patch's groups.
 * Measurements off by more than 3 robust SDs (and 0.5 px) are dropped and the fit redone once.
 * Returns undefined when there are too few measurements or the model explains less than
 * `minExplained` of their variance (then the patches saw noise, not deformation, and applying the
 * fit would only add that noise to the sum).
 */
export function fitLocalModel(samples: readonly PatchSample[], width: number, height: number, frameCount: number, minExplained = 0.3): LocalMotionModel | undefined {
  let keep = samples.map(() => true);
  let coef: { cx: number[]; cy: number[] } | undefined;
  let rms = 0;
  let explained = 0;
  for (let round = 0; round < 2; round++) {
    coef = solve(samples, keep, width, height);
    if (coef === undefined) return undefined;
    const res = residuals(samples, keep, coef, width, height);
    const mags = res.filter((r) => r !== undefined).map((r) => Math.hypot(r[0], r[1]));
    rms = Math.sqrt(mags.reduce((s, v) => s + v * v, 0) / Math.max(1, mags.length));
    const { tx, ty } = design(samples, keep, width, height);
    const total = tx.reduce((s, v, k) => s + v * v + ty[k]! * ty[k]!, 0) / Math.max(1, tx.length);
    explained = total > 0 ? 1 - (rms * rms) / total : 0;
    if (round === 1) break;
    const limit = Math.max(0.5, 3 * 1.4826 * median(mags));
    keep = res.map((r, i) => keep[i]! && r !== undefined && Math.hypot(r[0], r[1]) <= limit);
  }
  if (explained < minExplained) return undefined;
  const split = (c: number[]) => [0, 1, 2].map((j) => c.slice(BASIS * j, BASIS * j + BASIS));
  return {
    width,
    height,
    frameCount,
    coefficients_x: split(coef!.cx),
    coefficients_y: split(coef!.cy),
    used: keep.filter(Boolean).length,
    rejected: keep.filter((k) => !k).length,
    rms,
    explained,
  };
}

/** Design rows (demeaned per patch) for the kept samples. */
function design(samples: readonly PatchSample[], keep: readonly boolean[], width: number, height: number): { rows: number[][]; tx: number[]; ty: number[]; index: number[] } {
  const byPatch = new Map<number, number[]>();
  samples.forEach((s, i) => {
    if (!keep[i]) return;
    const list = byPatch.get(s.patch) ?? [];
    list.push(i);
    byPatch.set(s.patch, list);
  });
  const rows: number[][] = [];
  const tx: number[] = [];
  const ty: number[] = [];
  const index: number[] = [];
  for (const list of byPatch.values()) {
    if (list.length < 2) continue;
    const first = samples[list[0]!]!;
    const b = basis((2 * first.x - (width - 1)) / width, (2 * first.y - (height - 1)) / height);
    const meanPow = [1, 2, 3].map((p) => list.reduce((s, i) => s + samples[i]!.tau ** p, 0) / list.length);
    const mdx = list.reduce((s, i) => s + samples[i]!.dx, 0) / list.length;
    const mdy = list.reduce((s, i) => s + samples[i]!.dy, 0) / list.length;
    for (const i of list) {
      const s = samples[i]!;
      const row: number[] = [];
      for (let j = 0; j < 3; j++) for (let m = 0; m < BASIS; m++) row.push(b[m]! * (s.tau ** (j + 1) - meanPow[j]!));
      rows.push(row);
      tx.push(s.dx - mdx);
      ty.push(s.dy - mdy);
      index.push(i);
    }
  }
  return { rows, tx, ty, index };
}

function solve(samples: readonly PatchSample[], keep: readonly boolean[], width: number, height: number): { cx: number[]; cy: number[] } | undefined {
  const { rows, tx, ty } = design(samples, keep, width, height);
  if (rows.length < 2 * TERMS) return undefined;
  const ata = Array.from({ length: TERMS }, () => new Float64Array(TERMS));
  const atx = new Float64Array(TERMS);
  const aty = new Float64Array(TERMS);
  rows.forEach((r, k) => {
    for (let a = 0; a < TERMS; a++) {
      atx[a]! += r[a]! * tx[k]!;
      aty[a]! += r[a]! * ty[k]!;
      for (let b = 0; b < TERMS; b++) ata[a]![b]! += r[a]! * r[b]!;
    }
  });
  // A little ridge keeps poorly determined terms (few patches, few groups) near zero.
  let trace = 0;
  for (let a = 0; a < TERMS; a++) trace += ata[a]![a]!;
  for (let a = 0; a < TERMS; a++) ata[a]![a]! += 1e-3 * (trace / TERMS);
  const cx = gauss(ata.map((r) => Float64Array.from(r)), Float64Array.from(atx));
  const cy = gauss(ata.map((r) => Float64Array.from(r)), Float64Array.from(aty));
  return cx === undefined || cy === undefined ? undefined : { cx, cy };
}

function residuals(samples: readonly PatchSample[], keep: readonly boolean[], coef: { cx: number[]; cy: number[] }, width: number, height: number): ([number, number] | undefined)[] {
  const { rows, tx, ty, index } = design(samples, keep, width, height);
  const out: ([number, number] | undefined)[] = samples.map(() => undefined);
  rows.forEach((r, k) => {
    let px = 0;
    let py = 0;
    for (let a = 0; a < TERMS; a++) {
      px += r[a]! * coef.cx[a]!;
      py += r[a]! * coef.cy[a]!;
    }
    out[index[k]!] = [tx[k]! - px, ty[k]! - py];
  });
  return out;
}

/** Gaussian elimination with partial pivoting; undefined when singular. */
function gauss(a: Float64Array[], b: Float64Array): number[] | undefined {
  const n = b.length;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    if (Math.abs(a[p]![c]!) < 1e-12) return undefined;
    [a[c], a[p]] = [a[p]!, a[c]!];
    [b[c], b[p]] = [b[p]!, b[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = a[r]![c]! / a[c]![c]!;
      if (f === 0) continue;
      for (let k = c; k < n; k++) a[r]![k]! -= f * a[c]![k]!;
      b[r]! -= f * b[c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let k = r + 1; k < n; k++) s -= a[r]![k]! * x[k]!;
    x[r] = s / a[r]![r]!;
  }
  return x;
}
