/**
 * @emflow/server: the HTTP API, SSE change stream, write auth, configuration
 * and the Store port with its PGlite and PostgreSQL adapters.
 */
export { createServer, SERVER_VERSION, type EmflowServer, type ServerDeps } from "./server.js";
export { loadConfig, type Credential, type LoadConfigOptions, type LogLevel, type ServerConfig } from "./config/config.js";
export { openStore } from "./store/open-store.js";
export { openPgliteStore, type PgliteStoreOptions } from "./store/pglite.js";
export { openPostgres, openPostgresStore, type PostgresStoreOptions } from "./store/postgres.js";
export type {
  AcquisitionQuery,
  ChangesQuery,
  FoilHoleQuery,
  GridQuery,
  GridSquareQuery,
  IngestOutcome,
  MicrographQuery,
  PageQuery,
  Store,
  StoreKind,
} from "./store/store.js";
export { DEFAULT_LIMIT, MAX_LIMIT } from "./store/cursor.js";
export { ChangeHub, type ChangeListener } from "./events/hub.js";
export { HttpError, type ErrorBody } from "./http/http-error.js";
export { ConflictError, NotFoundError, UnauthorizedError, ValidationError } from "./errors.js";
export {
  Acquisition,
  AcquisitionSummary,
  Atlas,
  AtlasTile,
  AtlasWithTiles,
  ChangeEvent,
  FoilHole,
  Grid,
  GridSquare,
  Micrograph,
  Page,
  type EntityKind,
} from "./model/entities.js";
export { MicrographProcessing, ProcessingFailure, ProcessingSettings, ProcessingSummary, StepRecord } from "./model/processing.js";
export type { DeadLetterInfo, ProcessingControl, QueueBacklog, StartParams } from "./processing/control.js";
export type { ProcessingConfig, MotionTool, CtfTool, PickTool } from "./config/config.js";
export type { SqlClient, SqlQueryable } from "./store/sql-client.js";
export { requestLogSerializer, type UscConfig } from "./usc/index.js";
export { startLiveProcessing, type LiveProcessingOptions } from "./processing/live.js";
