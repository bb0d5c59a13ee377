import { ProcessingError } from "@emflow/core";
import { z } from "zod";
import { parseOptions } from "../image/options.js";
import { quantiles } from "../image/stats.js";

/** Options of `estimateIceThickness`. */
export const IceOptions = z.object({
  /** Regions across and down; the five figures summarise their values. */
  regions: z.number().int().min(2).max(64).default(12),
  /**
   * Intensity (same units as the image) the beam would give through no ice: e.g. total dose ×
   * pixel size² for a summed movie in counts. Without it the brightest region stands in for it
   * and the values are relative to the thinnest ice seen (its minimum is 0).
   */
  vacuumIntensity: z.number().positive().finite().optional(),
});
export type IceOptions = z.input<typeof IceOptions>;

/** Five figures of per-region relative ice thickness (t/λ_in, unitless), plus the region grid. */
export interface IceEstimate {
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  /** Per-region values, row-major, `regions` × `regions`. */
  values: number[];
  regions: number;
  /** "vacuum" when vacuumIntensity was given, else "brightest" (relative to the thinnest region). */
  reference: "vacuum" | "brightest";
}

/**
 * IceBreaker-style relative ice thickness from local intensity: electrons scattered inelastically
 * are lost (energy filter, objective aperture), so intensity falls as I = I₀ exp(−t/λ) and
 * t/λ = ln(I₀ / I). The aligned (not dose-weighted) micrograph is cut into a regions × regions
 * grid; each region's mean intensity (which averages out particles and noise) gives one value.
 * IceBreaker segments by intensity (K-means) rather than by a grid; the grid keeps every value
 * tied to a place on the micrograph, which is what a dashboard overlays.
 */
export function estimateIceThickness(image: Float32Array, width: number, height: number, options: IceOptions = {}): IceEstimate {
  const cfg = parseOptions(IceOptions, options, "ice options");
  if (image.length !== width * height) throw new ProcessingError(`image has ${image.length} values, expected ${width} × ${height}`);
  const n = cfg.regions;
  if (width < n || height < n) throw new ProcessingError(`image of ${width} × ${height} is too small for ${n} × ${n} regions`);
  const means: number[] = [];
  for (let ry = 0; ry < n; ry++) {
    const y0 = Math.floor((ry * height) / n);
    const y1 = Math.floor(((ry + 1) * height) / n);
    for (let rx = 0; rx < n; rx++) {
      const x0 = Math.floor((rx * width) / n);
      const x1 = Math.floor(((rx + 1) * width) / n);
      let s = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) s += image[y * width + x]!;
      means.push(s / ((y1 - y0) * (x1 - x0)));
    }
  }
  // Region means average away shot noise and particles, so the brightest one is a fair stand-in.
  const reference = cfg.vacuumIntensity ?? Math.max(...means);
  if (!(reference > 0)) throw new ProcessingError("ice thickness needs a positive image intensity");
  const values = means.map((m) => (m > 0 ? Math.max(0, Math.log(reference / m)) : Number.NaN)).filter(Number.isFinite);
  const [min, q1, median, q3, max] = quantiles(values, [0, 0.25, 0.5, 0.75, 1]);
  return { min: min!, q1: q1!, median: median!, q3: q3!, max: max!, values, regions: n, reference: cfg.vacuumIntensity === undefined ? "brightest" : "vacuum" };
}
