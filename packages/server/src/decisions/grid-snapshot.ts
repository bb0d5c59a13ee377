/**
 * What the decision engine needs of a session, read in three indexed scans:
 * its grid squares, foil holes (with the pre-imaging features EPU gives) and
 * the metrics of every processed micrograph, keyed to its hole and square.
 */
import type { EpuTargetState, FoilHoleFields, GridSquareFields, MicrographMetrics } from "@emflow/core";
import type { Row, SqlQueryable } from "../store/sql-client.js";

/** A grid square with its ids. */
export interface SnapshotSquare extends GridSquareFields {
  readonly id: string;
  readonly naturalId: string;
  readonly gridId: string;
}

/** A foil hole with its ids. */
export interface SnapshotHole extends FoilHoleFields {
  readonly id: string;
  readonly naturalId: string;
  readonly gridSquareId: string;
}

/** A processed micrograph's metrics, where it was taken, and when. */
export interface SnapshotObservation {
  readonly micrographId: string;
  readonly foilHoleId: string;
  readonly gridSquareId: string;
  readonly acquiredAt: string | null;
  readonly metrics: MicrographMetrics;
  /** micrograph_metrics.updated_at, for incremental reads. */
  readonly updatedAt: string;
}

/** A session's grid as the engine sees it. */
export interface GridSnapshot {
  readonly squares: SnapshotSquare[];
  readonly holes: SnapshotHole[];
  readonly observations: SnapshotObservation[];
  /** Foil holes with micrographs (processed or not), the most recently shot last. */
  readonly shotHoles: string[];
}

const num = (v: unknown): number | undefined => (v == null ? undefined : Number(v));
const bool = (v: unknown): boolean | undefined => (v == null ? undefined : Boolean(v));
const str = (v: unknown): string | undefined => (v == null ? undefined : String(v));
const iso = (v: unknown): string | null => (v == null ? null : v instanceof Date ? v.toISOString() : String(v));

/** Copy the defined entries only (the field types are partial: absent, never undefined). */
function defined<T extends object>(o: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

function square(r: Row): SnapshotSquare {
  return {
    id: r.id as string,
    naturalId: r.natural_id as string,
    gridId: r.grid_id as string,
    ...defined<GridSquareFields>({
      atlasX: num(r.atlas_x),
      atlasY: num(r.atlas_y),
      atlasWidth: num(r.atlas_width),
      atlasHeight: num(r.atlas_height),
      physicalXUm: num(r.physical_x_um),
      physicalYUm: num(r.physical_y_um),
      physicalWidthUm: num(r.physical_width_um),
      physicalHeightUm: num(r.physical_height_um),
      stageXUm: num(r.stage_x_um),
      stageYUm: num(r.stage_y_um),
      state: str(r.state) as EpuTargetState | undefined,
      selected: bool(r.selected),
      unusable: bool(r.unusable),
      holeCount: num(r.hole_count),
    }),
  };
}

function hole(r: Row): SnapshotHole {
  return {
    id: r.id as string,
    naturalId: r.natural_id as string,
    gridSquareId: r.grid_square_id as string,
    ...defined<FoilHoleFields>({
      stageXUm: num(r.stage_x_um),
      stageYUm: num(r.stage_y_um),
      pixelX: num(r.pixel_x),
      pixelY: num(r.pixel_y),
      diameterPx: num(r.diameter_px),
      nearGridBar: bool(r.near_grid_bar),
      intensityMean: num(r.intensity_mean),
      intensityStdDev: num(r.intensity_std_dev),
      state: str(r.state) as EpuTargetState | undefined,
      selected: bool(r.selected),
      quality: num(r.quality),
    }),
  };
}

function observation(r: Row): SnapshotObservation {
  return {
    micrographId: r.micrograph_id as string,
    foilHoleId: r.foil_hole_id as string,
    gridSquareId: r.grid_square_id as string,
    acquiredAt: iso(r.acquired_at),
    updatedAt: iso(r.updated_at)!,
    metrics: defined<MicrographMetrics>({
      totalMotionA: num(r.total_motion_a),
      earlyMotionA: num(r.early_motion_a),
      lateMotionA: num(r.late_motion_a),
      defocusUA: num(r.defocus_u_a),
      defocusVA: num(r.defocus_v_a),
      astigmatismA: num(r.astigmatism_a),
      ctfScore: num(r.ctf_score),
      ctfFitResolutionA: num(r.ctf_fit_resolution_a),
      particleCount: num(r.particle_count),
      iceMedian: num(r.ice_median),
    }),
  };
}

/** Read a session's squares, holes and processed micrographs. */
export async function readGridSnapshot(db: SqlQueryable, acquisitionId: string): Promise<GridSnapshot> {
  const [squares, holes, observations, shotHoles] = await Promise.all([
    db.query("SELECT * FROM grid_squares WHERE acquisition_id = $1 ORDER BY seq", [acquisitionId]),
    db.query("SELECT * FROM foil_holes WHERE acquisition_id = $1 ORDER BY seq", [acquisitionId]),
    readObservations(db, acquisitionId),
    readShotHoles(db, acquisitionId),
  ]);
  return { squares: squares.map(square), holes: holes.map(hole), observations, shotHoles };
}

/** Foil holes with micrographs, by their newest micrograph (acquisition time, then ingest order), newest last. */
export async function readShotHoles(db: SqlQueryable, acquisitionId: string): Promise<string[]> {
  const rows = await db.query<{ foil_hole_id: string }>(
    `SELECT foil_hole_id FROM micrographs WHERE acquisition_id = $1
      GROUP BY foil_hole_id ORDER BY max(acquired_at) NULLS FIRST, max(seq)`,
    [acquisitionId],
  );
  return rows.map((r) => r.foil_hole_id);
}

/** Processed micrographs of a session whose metrics changed after `since` (all when absent), oldest first. */
export async function readObservations(db: SqlQueryable, acquisitionId: string, since?: string): Promise<SnapshotObservation[]> {
  const rows = await db.query(
    `SELECT mm.*, m.foil_hole_id, m.grid_square_id, m.acquired_at
       FROM micrograph_metrics mm JOIN micrographs m ON m.id = mm.micrograph_id
      WHERE mm.acquisition_id = $1 ${since === undefined ? "" : "AND mm.updated_at > $2::timestamptz"}
      ORDER BY mm.updated_at, mm.micrograph_id`,
    since === undefined ? [acquisitionId] : [acquisitionId, since],
  );
  return rows.map(observation);
}
