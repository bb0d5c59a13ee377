/**
 * What a policy assumes of a square EPU has not prepared yet (its holes are unknown until the
 * stage first goes there): how many selected holes it will offer and how many share an image-shift
 * cluster, estimated from the squares of the same grid that are prepared. Rule (docs/DECISIONS.md):
 *
 * - expected holes: the median over the prepared selected squares with at least one selected hole
 *   of selected holes per µm² of open area, times this square's area (sizeUm²) when both sizes are
 *   known; else the median selected hole count of those squares; with no such square,
 *   (sizeUm / holePitchUm)² when the square's size and the hole pitch are known; else
 *   DEFAULT_EXPECTED_HOLES. Prepared squares with no selected hole (broken, or all holes outside the
 *   ice filter) are left out: they say nothing of how many holes a usable square has, and with them
 *   one empty first square would make every other square look empty.
 * - holes per cluster: the median over prepared squares with selected holes of holes / clusters;
 *   else (R·√2 / holePitchUm)² (the holes of one cluster cell) when the pitch is known; else
 *   DEFAULT_HOLES_PER_CLUSTER.
 */
import { holeSeconds, type TimeModel } from "./time-model.js";

/** Holes assumed for an unprepared square when nothing else is known (a 60–80 µm square at a 8–10 µm pitch, after EPU's ice filter). */
export const DEFAULT_EXPECTED_HOLES = 50;
/** Holes per image-shift cluster assumed when nothing is known: (10 µm · √2 / 8 µm)² ≈ 3. */
export const DEFAULT_HOLES_PER_CLUSTER = 3;

/** One prepared selected square, as the estimate sees it. */
export interface PreparedSquareStats {
  /** Selected holes (shot or not). */
  readonly holes: number;
  /** Image-shift clusters those holes fall in. */
  readonly clusters: number;
  readonly sizeUm?: number;
}

/** The per-grid figures an unprepared square's estimate comes from. */
export interface GridProfile {
  /** Median selected holes per µm² of open area (undefined: no prepared square with holes and a size). */
  readonly holesPerUm2: number | undefined;
  /** Median selected hole count (undefined: no prepared square with holes). */
  readonly holesMedian: number | undefined;
  readonly holesPerCluster: number;
  readonly holePitchUm: number | undefined;
}

/** The median of a list (undefined when empty). */
export function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The grid's profile from its prepared selected squares. */
export function gridProfile(prepared: readonly PreparedSquareStats[], tm: TimeModel, holePitchUm?: number): GridProfile {
  const withHoles = prepared.filter((p) => p.holes > 0 && p.clusters > 0);
  const sized = withHoles.filter((p) => p.sizeUm !== undefined && p.sizeUm > 0);
  const side = tm.imageShiftRadiusUm * Math.SQRT2;
  const geometric = holePitchUm === undefined ? DEFAULT_HOLES_PER_CLUSTER : Math.max(1, (side / holePitchUm) ** 2);
  return {
    holesPerUm2: median(sized.map((p) => p.holes / p.sizeUm! ** 2)),
    holesMedian: median(withHoles.map((p) => p.holes)),
    holesPerCluster: median(withHoles.map((p) => p.holes / p.clusters)) ?? geometric,
    holePitchUm,
  };
}

/** Selected holes expected in an unprepared square of open size `sizeUm` (see the rule above). */
export function expectedHolesOf(profile: GridProfile, sizeUm: number | undefined): number {
  if (sizeUm !== undefined && sizeUm > 0 && profile.holesPerUm2 !== undefined) return Math.round(profile.holesPerUm2 * sizeUm * sizeUm);
  if (profile.holesMedian !== undefined) return Math.round(profile.holesMedian);
  if (sizeUm !== undefined && sizeUm > 0 && profile.holePitchUm !== undefined) return Math.round((sizeUm / profile.holePitchUm) ** 2);
  return DEFAULT_EXPECTED_HOLES;
}

/**
 * Average seconds per hole once at a square of `holes` holes in `clusters` clusters: every cluster
 * after the first costs a stage move and autofocus (the switch ends at the first, focused).
 */
export function averageHoleSeconds(holes: number, clusters: number, tm: TimeModel): number {
  if (holes <= 0) return holeSeconds(true, tm);
  return (Math.max(0, clusters - 1) * (tm.holeStageMoveS + tm.autofocusS)) / holes + holeSeconds(true, tm);
}
