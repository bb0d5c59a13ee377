/**
 * The Store port: everything the HTTP layer needs from the database. Two
 * adapters implement it with the same SQL (PGlite embedded, PostgreSQL via
 * `pg`); one contract suite (store.contract.ts) checks both.
 */
import type { EpuTargetState, IngestBatch, IngestResult, ProcessingStep, StepState, StepUpdate } from "@emflow/core";
import type { SqlClient } from "./sql-client.js";
import type { InstructionStore } from "./instructions.js";
import type { MicrographProcessing, ProcessingFailure, ProcessingSettings, ProcessingSummary, RecordStepsOutcome } from "../model/processing.js";
import type {
  Acquisition,
  AcquisitionSummary,
  AtlasWithTiles,
  ChangeEvent,
  FoilHole,
  Grid,
  GridSquare,
  Micrograph,
  Page,
} from "../model/entities.js";

/** Which adapter a store runs on. */
export type StoreKind = "pglite" | "postgres";

/** Keyset paging: `limit` 1–1000 (default 100), `cursor` from a previous page's `nextCursor`. */
export interface PageQuery {
  readonly limit?: number;
  readonly cursor?: string;
}

/** Filters of `listAcquisitions`. */
export interface AcquisitionQuery extends PageQuery {
  /** Case-insensitive substring of the session name. */
  readonly name?: string;
  readonly epuId?: string;
}

/** Filters of `listGrids`. */
export interface GridQuery extends PageQuery {
  readonly acquisitionId: string;
}

/** Filters of `listGridSquares`. */
export interface GridSquareQuery extends PageQuery {
  readonly gridId: string;
  readonly state?: EpuTargetState;
  readonly selected?: boolean;
  readonly naturalId?: string;
}

/** Filters of `listFoilHoles`. */
export interface FoilHoleQuery extends PageQuery {
  readonly gridSquareId: string;
  readonly state?: EpuTargetState;
  readonly nearGridBar?: boolean;
  readonly naturalId?: string;
}

/** Filters of `listMicrographs`; all optional and combined with AND. */
export interface MicrographQuery extends PageQuery {
  readonly acquisitionId?: string;
  readonly gridId?: string;
  readonly gridSquareId?: string;
  readonly foilHoleId?: string;
  /** The EPU file base name. */
  readonly naturalId?: string;
  /** Acquired at or after this ISO time. */
  readonly acquiredFrom?: string;
  /** Acquired strictly before this ISO time. */
  readonly acquiredTo?: string;
}

/** What `ingest` did: core's IngestResult plus the change events it committed (for live fan-out). */
export interface IngestOutcome extends IngestResult {
  readonly events: readonly ChangeEvent[];
}

/** Options of `changesSince`. */
export interface ChangesQuery {
  readonly acquisitionId?: string;
  /** At most this many events (default 1000). */
  readonly limit?: number;
}

/**
 * The database port. Reads of unknown or malformed ids return undefined (get)
 * or an empty page (list); `ingest` throws ConflictError for unknown parents.
 */
export interface Store {
  readonly kind: StoreKind;
  /** Apply one batch in one transaction; a replayed batchId returns `duplicate: true` and changes nothing. */
  ingest(batch: IngestBatch): Promise<IngestOutcome>;

  listAcquisitions(query?: AcquisitionQuery): Promise<Page<Acquisition>>;
  getAcquisition(id: string): Promise<Acquisition | undefined>;
  /** Entity counts of one acquisition; undefined when it does not exist. */
  summary(acquisitionId: string): Promise<AcquisitionSummary | undefined>;

  listGrids(query: GridQuery): Promise<Page<Grid>>;
  getGrid(id: string): Promise<Grid | undefined>;
  /** The grid's atlas with its tiles, or undefined when the grid has none (yet). */
  getAtlas(gridId: string): Promise<AtlasWithTiles | undefined>;

  listGridSquares(query: GridSquareQuery): Promise<Page<GridSquare>>;
  getGridSquare(id: string): Promise<GridSquare | undefined>;

  listFoilHoles(query: FoilHoleQuery): Promise<Page<FoilHole>>;
  getFoilHole(id: string): Promise<FoilHole | undefined>;

  listMicrographs(query?: MicrographQuery): Promise<Page<Micrograph>>;
  getMicrograph(id: string): Promise<Micrograph | undefined>;

  /** Apply worker status updates (core's step state machine); stale or repeated ones are ignored with a reason. */
  recordSteps(updates: readonly StepUpdate[]): Promise<RecordStepsOutcome>;
  /** One micrograph's processing; undefined for an unknown micrograph. */
  getProcessing(micrographId: string): Promise<MicrographProcessing | undefined>;
  /** A session's processing at a glance; undefined for an unknown session. */
  processingSummary(acquisitionId: string): Promise<ProcessingSummary | undefined>;
  /** The newest failed steps of a session. */
  listFailures(acquisitionId: string, limit?: number): Promise<ProcessingFailure[]>;
  /** Set a session's processing state and merge parameters; undefined for an unknown session. */
  putProcessingSettings(
    acquisitionId: string,
    change: { state?: ProcessingSettings["state"]; params?: Record<string, unknown> },
  ): Promise<ProcessingSettings | undefined>;
  /** A session's processing state and parameters ("stopped", no parameters, when never set). */
  getProcessingSettings(acquisitionId: string): Promise<ProcessingSettings>;
  /**
   * Micrographs with a movie that are not completely processed (keyset by seq): what start/resume queue.
   * `ids` narrows it to those micrographs (e.g. the ones an ingest just created or updated).
   */
  unprocessedMicrographs(
    acquisitionId: string,
    opts?: { afterSeq?: number; limit?: number; ids?: readonly string[] },
  ): Promise<Array<{ id: string; seq: number; naturalId: string; movieFile: string; steps: Partial<Record<ProcessingStep, StepState>> }>>;

  /** Change events with seq > `seq`, oldest first. */
  changesSince(seq: number, query?: ChangesQuery): Promise<ChangeEvent[]>;
  /** The newest committed seq (0 when the log is empty). */
  lastSeq(): Promise<number>;

  /** Instructions for the agents beside the microscopes (store/instructions.ts). */
  readonly instructions: InstructionStore;

  /** The SQL client underneath, for components that share the database (the embedded job-table queue). */
  readonly sql: SqlClient;

  close(): Promise<void>;
}
