/**
 * The set-based SQL of ingest: per entity kind one upsert of all its items
 * (jsonb_to_recordset → INSERT … ON CONFLICT DO UPDATE, COALESCE so absent
 * fields stay unchanged) that also writes a change event for every row it
 * created or really changed, and one query listing parents that do not exist.
 * Statements are built once from TABLES; only constants are interpolated.
 */
import type { IngestKind } from "@emflow/core";
import { TABLES, type TableSpec } from "./columns.js";

/** The kinds below the acquisition, in core's KIND_ORDER. */
export type ChildKind = Exclude<IngestKind, "acquisition">;

interface UpsertShape {
  readonly kind: IngestKind;
  readonly spec: TableSpec;
  /** Natural-key columns of each record (all text), besides the field columns. */
  readonly recordKeys: readonly string[];
  /** Parameter holding the records as a JSON array. */
  readonly recordParam: string;
  /** Joins after `FROM r` that resolve parents (rows without a parent are dropped; checked beforehand). */
  readonly from: string;
  /** Non-field columns to insert, with their expressions. */
  readonly insert: ReadonlyArray<readonly [string, string]>;
  readonly conflict: string;
  /** The acquisition id written into change events. */
  readonly eventAcquisition: string;
}

/** Build one upsert-and-log statement. Returns change-event rows. */
export function upsertSql(s: UpsertShape): string {
  const cols = s.spec.columns;
  const defs = [...s.recordKeys.map((k) => `${k} text`), ...cols.map((c) => `${c.name} ${c.type}`)].join(", ");
  const insertCols = [...s.insert.map(([c]) => c), ...cols.map((c) => c.name)].join(", ");
  const selectExprs = [...s.insert.map(([, e]) => e), ...cols.map((c) => `r.${c.name}`)].join(", ");
  const merged = cols.map((c) => `COALESCE(EXCLUDED.${c.name}, t.${c.name})`);
  const set = cols.map((c, i) => `${c.name} = ${merged[i]}`).join(", ");
  // Only rows whose values really change are updated, returned and logged, so a replay is silent.
  const changed = `ROW(${cols.map((c) => `t.${c.name}`).join(", ")}) IS DISTINCT FROM ROW(${merged.join(", ")})`;
  return `WITH r AS (SELECT * FROM jsonb_to_recordset(${s.recordParam}::jsonb) AS r(${defs})),
up AS (
  INSERT INTO ${s.spec.table} AS t (${insertCols})
  SELECT ${selectExprs} FROM r ${s.from}
  ON CONFLICT (${s.conflict}) DO UPDATE SET ${set}, updated_at = now()
  WHERE ${changed}
  RETURNING t.id, t.xmax = 0 AS created
)
INSERT INTO change_events (kind, entity_id, acquisition_id, op)
SELECT '${s.kind}', id, ${s.eventAcquisition}, CASE WHEN created THEN 'created' ELSE 'updated' END FROM up
RETURNING seq, kind, entity_id, acquisition_id, op, at`;
}

/** $1 epu_id, $2 name, $3 one-record JSON array of acquisition fields. */
export const UPSERT_ACQUISITION = upsertSql({
  kind: "acquisition",
  spec: TABLES.acquisition,
  recordKeys: [],
  recordParam: "$3",
  from: "",
  insert: [
    ["epu_id", "$1"],
    ["name", "$2"],
  ],
  conflict: "epu_id, name",
  eventAcquisition: "id",
});

/** How one child kind is written: its upsert ($1 acquisition id, $2 records) and its parent check ($1, $2 parent keys). */
export interface KindSql {
  readonly upsert: string;
  /** Columns of a parent key, e.g. ["grid_nid", "square_nid"]; empty when the parent is the acquisition. */
  readonly parentKeys: readonly string[];
  /** Returns up to 5 parent keys (as k.*) that do not exist. */
  readonly missing: string | undefined;
  /** A parent key for humans, in a ConflictError. */
  readonly describe: (k: Record<string, string>) => string;
}

const GRID = "JOIN grids g ON g.acquisition_id = $1::uuid AND g.natural_id = r.grid_nid";

function missingSql(keys: readonly string[], exists: string): string {
  const defs = keys.map((k) => `${k} text`).join(", ");
  return `SELECT k.* FROM jsonb_to_recordset($2::jsonb) AS k(${defs}) WHERE NOT EXISTS (${exists}) LIMIT 5`;
}
const GRID_EXISTS = "SELECT 1 FROM grids g WHERE g.acquisition_id = $1::uuid AND g.natural_id = k.grid_nid";

function child(kind: ChildKind, shape: Omit<UpsertShape, "kind" | "spec" | "recordParam" | "eventAcquisition">, rest: Omit<KindSql, "upsert">): KindSql {
  return { upsert: upsertSql({ kind, spec: TABLES[kind], recordParam: "$2", eventAcquisition: "$1::uuid", ...shape }), ...rest };
}

/** The SQL of every child kind. Records carry grid_nid/square_nid/hole_nid (parents) and natural_id. */
export const KIND_SQL: Readonly<Record<ChildKind, KindSql>> = {
  grid: child(
    "grid",
    {
      recordKeys: ["natural_id"],
      from: "",
      insert: [
        ["acquisition_id", "$1::uuid"],
        ["natural_id", "r.natural_id"],
      ],
      conflict: "acquisition_id, natural_id",
    },
    { parentKeys: [], missing: undefined, describe: () => "acquisition" },
  ),
  atlas: child(
    "atlas",
    {
      recordKeys: ["grid_nid"],
      from: GRID,
      insert: [
        ["acquisition_id", "g.acquisition_id"],
        ["grid_id", "g.id"],
      ],
      conflict: "grid_id",
    },
    { parentKeys: ["grid_nid"], missing: missingSql(["grid_nid"], GRID_EXISTS), describe: (k) => `grid ${k.grid_nid}` },
  ),
  atlasTile: child(
    "atlasTile",
    {
      recordKeys: ["grid_nid", "natural_id"],
      from: `${GRID} JOIN atlases a ON a.grid_id = g.id`,
      insert: [
        ["acquisition_id", "g.acquisition_id"],
        ["atlas_id", "a.id"],
        ["natural_id", "r.natural_id"],
      ],
      conflict: "atlas_id, natural_id",
    },
    {
      parentKeys: ["grid_nid"],
      missing: missingSql(
        ["grid_nid"],
        "SELECT 1 FROM grids g JOIN atlases a ON a.grid_id = g.id WHERE g.acquisition_id = $1::uuid AND g.natural_id = k.grid_nid",
      ),
      describe: (k) => `atlas of grid ${k.grid_nid}`,
    },
  ),
  gridSquare: child(
    "gridSquare",
    {
      recordKeys: ["grid_nid", "natural_id"],
      from: GRID,
      insert: [
        ["acquisition_id", "g.acquisition_id"],
        ["grid_id", "g.id"],
        ["natural_id", "r.natural_id"],
      ],
      conflict: "grid_id, natural_id",
    },
    { parentKeys: ["grid_nid"], missing: missingSql(["grid_nid"], GRID_EXISTS), describe: (k) => `grid ${k.grid_nid}` },
  ),
  foilHole: child(
    "foilHole",
    {
      recordKeys: ["grid_nid", "square_nid", "natural_id"],
      from: `${GRID} JOIN grid_squares s ON s.grid_id = g.id AND s.natural_id = r.square_nid`,
      insert: [
        ["acquisition_id", "g.acquisition_id"],
        ["grid_id", "g.id"],
        ["grid_square_id", "s.id"],
        ["natural_id", "r.natural_id"],
      ],
      // A hole keeps the square it was created under: (grid, hole id) is its identity.
      conflict: "grid_id, natural_id",
    },
    {
      parentKeys: ["grid_nid", "square_nid"],
      missing: missingSql(
        ["grid_nid", "square_nid"],
        "SELECT 1 FROM grids g JOIN grid_squares s ON s.grid_id = g.id WHERE g.acquisition_id = $1::uuid AND g.natural_id = k.grid_nid AND s.natural_id = k.square_nid",
      ),
      describe: (k) => `grid square ${k.square_nid} of grid ${k.grid_nid}`,
    },
  ),
  micrograph: child(
    "micrograph",
    {
      recordKeys: ["grid_nid", "hole_nid", "natural_id"],
      from: `${GRID} JOIN foil_holes h ON h.grid_id = g.id AND h.natural_id = r.hole_nid`,
      insert: [
        ["acquisition_id", "g.acquisition_id"],
        ["grid_id", "g.id"],
        ["grid_square_id", "h.grid_square_id"],
        ["foil_hole_id", "h.id"],
        ["natural_id", "r.natural_id"],
      ],
      conflict: "grid_id, natural_id",
    },
    {
      parentKeys: ["grid_nid", "hole_nid"],
      missing: missingSql(
        ["grid_nid", "hole_nid"],
        "SELECT 1 FROM grids g JOIN foil_holes h ON h.grid_id = g.id WHERE g.acquisition_id = $1::uuid AND g.natural_id = k.grid_nid AND h.natural_id = k.hole_nid",
      ),
      describe: (k) => `foil hole ${k.hole_nid} of grid ${k.grid_nid}`,
    },
  ),
};
