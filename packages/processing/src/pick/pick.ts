import { ProcessingError } from "@emflow/core";
import { loadFft } from "../fft/fft.js";
import { nextGoodSize } from "../fft/sizes.js";
import { signedIndex } from "../fft/spectrum2d.js";
import { refinePeak } from "../fft/peak.js";
import { binImage } from "../image/bin.js";
import { parseOptions } from "../image/options.js";
import { quantiles } from "../image/stats.js";
import { PickOptions } from "./options.js";
import { otsuThreshold } from "./threshold.js";

/** Picks in micrograph pixels (best first), their figures of merit, and how they were chosen. */
export interface ParticlePicks {
  picks: [number, number][];
  /** Blob score of each pick in robust z units (median / MAD of the filtered image). */
  fom: number[];
  /** Particle diameter, Å. */
  diameter: number;
  /** Threshold applied, z units, and the binning the filter ran at. */
  threshold: number;
  binning: number;
}

/**
 * Blob picker: bin so the particle radius is about 8 px, filter with a scale-normalised
 * Laplacian of Gaussian tuned to the radius (σ = r/√2, in Fourier space), express the response in
 * robust z units, take local maxima at least `spacing` × diameter apart (greedy non-maximum
 * suppression, strongest first), drop those near the edges, and keep those above the threshold.
 * The automatic threshold is Otsu's cut of the maxima's scores (noise maxima vs particles), never
 * below `minThreshold`.
 */
export async function pickParticles(image: Float32Array, width: number, height: number, options: PickOptions): Promise<ParticlePicks> {
  const cfg = parseOptions(PickOptions, options, "picking options");
  if (image.length !== width * height) throw new ProcessingError(`image has ${image.length} values, expected ${width} × ${height}`);
  const radiusPx = cfg.diameter / 2 / cfg.pixelSize;
  if (radiusPx < 2) throw new ProcessingError(`particles of ${cfg.diameter} Å are only ${(2 * radiusPx).toFixed(1)} px across at ${cfg.pixelSize} Å/px`);
  if (2 * radiusPx > Math.min(width, height)) throw new ProcessingError(`particles of ${cfg.diameter} Å do not fit in a ${width} × ${height} image`);
  const fft = await loadFft();
  const bin = Math.max(1, Math.floor(radiusPx / 8));
  const bw = Math.floor(width / bin);
  const bh = Math.floor(height / bin);
  const binned = binImage(image, width, height, bin, bw, bh);
  const pw = nextGoodSize(bw, "real");
  const ph = nextGoodSize(bh, "complex");
  const padded = pad(binned, bw, bh, pw, ph, cfg.dark);

  const r = radiusPx / bin;
  const sigma = r / Math.SQRT2;
  const spec = fft.forward2d(padded, pw, ph);
  const d = spec.data;
  for (let kx = 0; kx <= pw / 2; kx++) {
    const fx = kx / pw;
    for (let ky = 0; ky < ph; ky++) {
      const fy = signedIndex(ky, ph) / ph;
      const q = 4 * Math.PI * Math.PI * sigma * sigma * (fx * fx + fy * fy);
      const g = q * Math.exp(-q / 2);
      const i = 2 * (kx * ph + ky);
      d[i]! *= g;
      d[i + 1]! *= g;
    }
  }
  const response = fft.inverse2d(spec);

  const inner = new Float32Array(bw * bh);
  for (let y = 0; y < bh; y++) inner.set(response.subarray(y * pw, y * pw + bw), y * bw);
  const [q25, q50, q75] = quantiles(inner, [0.25, 0.5, 0.75], Math.max(1, Math.floor(inner.length / 200000)));
  const scale = (q75! - q25!) / 1.349 || 1;

  const margin = (cfg.edge * radiusPx) / bin;
  const candidates: { x: number; y: number; z: number }[] = [];
  for (let y = 1; y < bh - 1; y++) {
    if (y < margin || y > bh - 1 - margin) continue;
    for (let x = 1; x < bw - 1; x++) {
      if (x < margin || x > bw - 1 - margin) continue;
      const v = inner[y * bw + x]!;
      if (v <= q50!) continue;
      let max = true;
      for (let dy = -1; dy <= 1 && max; dy++) for (let dx = -1; dx <= 1; dx++) if ((dx !== 0 || dy !== 0) && inner[(y + dy) * bw + x + dx]! > v) max = false;
      if (max) candidates.push({ x, y, z: (v - q50!) / scale });
    }
  }
  candidates.sort((a, b) => b.z - a.z);
  const kept = suppress(candidates, (cfg.spacing * 2 * radiusPx) / bin, bw, bh);
  const threshold = cfg.threshold ?? Math.max(cfg.minThreshold, otsuThreshold(kept.map((c) => c.z)));
  const picks: [number, number][] = [];
  const fom: number[] = [];
  for (const c of kept) {
    if (c.z < threshold || picks.length >= cfg.maxPicks) break;
    const p = refinePeak(inner, bw, bh, c.x, c.y);
    picks.push([(p.x + 0.5) * bin - 0.5, (p.y + 0.5) * bin - 0.5]);
    fom.push(c.z);
  }
  return { picks, fom, diameter: cfg.diameter, threshold, binning: bin };
}

/** Greedy non-maximum suppression: keep candidates (sorted best first) at least `distance` apart. */
function suppress(sorted: readonly { x: number; y: number; z: number }[], distance: number, w: number, h: number): { x: number; y: number; z: number }[] {
  const cell = Math.max(1, distance);
  const gw = Math.ceil(w / cell) + 1;
  const gh = Math.ceil(h / cell) + 1;
  const grid: number[][] = Array.from({ length: gw * gh }, () => []);
  const out: { x: number; y: number; z: number }[] = [];
  const d2 = distance * distance;
  for (const c of sorted) {
    const gx = Math.floor(c.x / cell);
    const gy = Math.floor(c.y / cell);
    let free = true;
    for (let j = Math.max(0, gy - 1); j <= Math.min(gh - 1, gy + 1) && free; j++) {
      for (let i = Math.max(0, gx - 1); i <= Math.min(gw - 1, gx + 1) && free; i++) {
        for (const k of grid[j * gw + i]!) {
          const o = out[k]!;
          if ((o.x - c.x) ** 2 + (o.y - c.y) ** 2 < d2) {
            free = false;
            break;
          }
        }
      }
    }
    if (!free) continue;
    grid[gy * gw + gx]!.push(out.length);
    out.push(c);
  }
  return out;
}

/** Mean-pad to the FFT size; negate for dark particles so particles are bright blobs. */
function pad(image: Float32Array, w: number, h: number, pw: number, ph: number, dark: boolean): Float32Array {
  let s = 0;
  for (let i = 0; i < image.length; i++) s += image[i]!;
  const mean = s / image.length;
  const sign = dark ? -1 : 1;
  const out = new Float32Array(pw * ph);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * pw + x] = sign * (image[y * w + x]! - mean);
  return out;
}

/** Precision and recall of `picks` against `truth` (one-to-one matches within `radius` px, greedy by distance). */
export function matchPicks(picks: readonly (readonly [number, number])[], truth: readonly (readonly [number, number])[], radius: number): { precision: number; recall: number; matched: number } {
  const pairs: [number, number, number][] = [];
  picks.forEach(([x, y], i) =>
    truth.forEach(([tx, ty], j) => {
      const d = Math.hypot(x - tx, y - ty);
      if (d <= radius) pairs.push([d, i, j]);
    }),
  );
  pairs.sort((a, b) => a[0] - b[0]);
  const usedP = new Set<number>();
  const usedT = new Set<number>();
  for (const [, i, j] of pairs) {
    if (usedP.has(i) || usedT.has(j)) continue;
    usedP.add(i);
    usedT.add(j);
  }
  const matched = usedP.size;
  return { precision: picks.length > 0 ? matched / picks.length : 0, recall: truth.length > 0 ? matched / truth.length : 0, matched };
}
