/**
 * The Store implementation shared by both adapters: all SQL lives here and in
 * ingest*.ts / reads.ts; adapters only provide a SqlClient.
 */
import type { IngestBatch } from "@emflow/core";
import type {
  Acquisition,
  AcquisitionSummary,
  AtlasTile,
  AtlasWithTiles,
  Atlas,
  FoilHole,
  Grid,
  GridSquare,
  Micrograph,
  Page,
} from "../model/entities.js";
import { ValidationError } from "../errors.js";
import { fromRow, TABLES } from "./columns.js";
import { isUuid } from "./cursor.js";
import { ingestInTransaction, toEvent } from "./ingest.js";
import { addIdFilters, emptyPage, getById, listPage } from "./reads.js";
import { getProcessing, getSettings, listFailures, processingSummary, putSettings, recordSteps, unprocessedMicrographs } from "./processing.js";
import { instructionStore } from "./instructions.js";
import type { SqlClient } from "./sql-client.js";
import type { MicrographQuery, Store } from "./store.js";
import { Where } from "./where.js";

/** Build a Store on a migrated database. Closing the store closes `db`. */
export function createSqlStore(db: SqlClient): Store {
  return {
    kind: db.kind,
    sql: db,
    ingest: (batch: IngestBatch) => db.transaction((tx) => ingestInTransaction(tx, batch)),

    listAcquisitions: async (q = {}) => {
      const w = new Where()
        .addIf("strpos(lower(name), lower(?)) > 0", q.name)
        .addIf("epu_id = ?", q.epuId);
      return listPage<Acquisition>(db, TABLES.acquisition, w, q);
    },
    getAcquisition: (id) => getById<Acquisition>(db, TABLES.acquisition, id),
    summary: (acquisitionId) => summary(db, acquisitionId),

    listGrids: async (q) => {
      const w = new Where();
      return addIdFilters(w, [["acquisition_id", q.acquisitionId]]) ? listPage<Grid>(db, TABLES.grid, w, q) : emptyPage(q);
    },
    getGrid: (id) => getById<Grid>(db, TABLES.grid, id),
    getAtlas: (gridId) => atlasOf(db, gridId),

    listGridSquares: async (q) => {
      const w = new Where();
      if (!addIdFilters(w, [["grid_id", q.gridId]])) return emptyPage(q);
      w.addIf("state = ?", q.state).addIf("selected = ?", q.selected).addIf("natural_id = ?", q.naturalId);
      return listPage<GridSquare>(db, TABLES.gridSquare, w, q);
    },
    getGridSquare: (id) => getById<GridSquare>(db, TABLES.gridSquare, id),

    listFoilHoles: async (q) => {
      const w = new Where();
      if (!addIdFilters(w, [["grid_square_id", q.gridSquareId]])) return emptyPage(q);
      w.addIf("state = ?", q.state).addIf("near_grid_bar = ?", q.nearGridBar).addIf("natural_id = ?", q.naturalId);
      return listPage<FoilHole>(db, TABLES.foilHole, w, q);
    },
    getFoilHole: (id) => getById<FoilHole>(db, TABLES.foilHole, id),

    listMicrographs: (q = {}) => listMicrographs(db, q),
    getMicrograph: (id) => getById<Micrograph>(db, TABLES.micrograph, id),

    recordSteps: (updates) => recordSteps(db, updates),
    getProcessing: (id) => getProcessing(db, id),
    processingSummary: (id) => processingSummary(db, id),
    listFailures: (id, limit) => listFailures(db, id, limit),
    putProcessingSettings: (id, change) => putSettings(db, id, change),
    getProcessingSettings: async (id) => (isUuid(id) ? getSettings(db, id) : { state: "stopped", params: {}, updatedAt: null }),
    unprocessedMicrographs: (id, opts) => unprocessedMicrographs(db, id, opts),
    instructions: instructionStore(db),

    changesSince: async (seq, q = {}) => {
      if (!Number.isSafeInteger(seq) || seq < 0) throw new ValidationError("since: must be a non-negative integer");
      if (q.acquisitionId !== undefined && !isUuid(q.acquisitionId)) return [];
      const w = new Where().add("seq > ?::bigint", String(seq)).addIf("acquisition_id = ?::uuid", q.acquisitionId);
      const limit = Math.min(Math.max(Math.trunc(q.limit ?? 1000), 1), 10_000);
      const rows = await db.query(`SELECT * FROM change_events WHERE ${w.sql} ORDER BY seq LIMIT ${limit}`, w.params);
      return rows.map(toEvent);
    },
    lastSeq: async () => {
      const [row] = await db.query<{ s: string }>("SELECT coalesce(max(seq), 0) AS s FROM change_events");
      return Number(row?.s ?? 0);
    },

    close: () => db.close(),
  };
}

async function listMicrographs(db: SqlClient, q: MicrographQuery): Promise<Page<Micrograph>> {
  const w = new Where();
  const ok = addIdFilters(w, [
    ["acquisition_id", q.acquisitionId],
    ["grid_id", q.gridId],
    ["grid_square_id", q.gridSquareId],
    ["foil_hole_id", q.foilHoleId],
  ]);
  if (!ok) return emptyPage<Micrograph>(q);
  w.addIf("natural_id = ?", q.naturalId)
    .addIf("acquired_at >= ?::timestamptz", isoOrThrow("acquiredFrom", q.acquiredFrom))
    .addIf("acquired_at < ?::timestamptz", isoOrThrow("acquiredTo", q.acquiredTo));
  return listPage<Micrograph>(db, TABLES.micrograph, w, q);
}

function isoOrThrow(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && Number.isNaN(Date.parse(value))) throw new ValidationError(`${name}: must be an ISO 8601 time`);
  return value;
}

async function atlasOf(db: SqlClient, gridId: string): Promise<AtlasWithTiles | undefined> {
  if (!isUuid(gridId)) return undefined;
  const [row] = await db.query("SELECT * FROM atlases WHERE grid_id = $1::uuid", [gridId]);
  if (row === undefined) return undefined;
  const tiles = await db.query("SELECT * FROM atlas_tiles WHERE atlas_id = $1::uuid ORDER BY seq", [row.id]);
  return { ...fromRow<Atlas>(TABLES.atlas, row), tiles: tiles.map((t) => fromRow<AtlasTile>(TABLES.atlasTile, t)) };
}

async function summary(db: SqlClient, acquisitionId: string): Promise<AcquisitionSummary | undefined> {
  if (!isUuid(acquisitionId)) return undefined;
  // Each count is one scan of an acquisition_id index; the last change is the newest change_events row.
  const [row] = await db.query(
    `SELECT
       (SELECT count(*) FROM grids WHERE acquisition_id = a.id) AS grids,
       (SELECT count(*) FROM atlas_tiles WHERE acquisition_id = a.id) AS atlas_tiles,
       (SELECT count(*) FROM grid_squares WHERE acquisition_id = a.id) AS grid_squares,
       (SELECT count(*) FROM foil_holes WHERE acquisition_id = a.id) AS foil_holes,
       (SELECT count(*) FROM micrographs WHERE acquisition_id = a.id) AS micrographs,
       (SELECT at FROM change_events WHERE acquisition_id = a.id ORDER BY seq DESC LIMIT 1) AS last_update_at
     FROM acquisitions a WHERE a.id = $1::uuid`,
    [acquisitionId],
  );
  if (row === undefined) return undefined;
  const last = row.last_update_at;
  return {
    acquisitionId,
    grids: Number(row.grids),
    atlasTiles: Number(row.atlas_tiles),
    gridSquares: Number(row.grid_squares),
    foilHoles: Number(row.foil_holes),
    micrographs: Number(row.micrographs),
    lastUpdateAt: last instanceof Date ? last.toISOString() : last == null ? null : String(last),
  };
}
