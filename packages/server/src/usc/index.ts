/**
 * A session control API compatible with the USC "CryoEM Service"
 * (github.com/uschpc/cryo-processor, service/main.py), for facilities that
 * script against it.
 *
 * Routes (under `[usc] prefix`, default "" = the USC service's own paths):
 *
 * | method | path | answer |
 * |---|---|---|
 * | GET | `/projects` | `{ projects: [{ project_id }] }` the caller has sessions in (all for admins) |
 * | GET | `/{project}/{user}/sessions` | `{ sessions: [{ session_id, state, source, name? }] }` |
 * | GET | `/{project}/{user}/session/{id}` | `{ state, raw_files, processed_files, failed_jobs, percent_done_total, percent_current_cycle, session_id, source, acquisition_id?, name?, params }` |
 * | GET, POST | `…/session/{id}/start-processing?apix=&fmdose=&kev=&superresolution=` | `{ result: "ok", session_id, state, queued, detail, acquisition_id? }` |
 * | GET, POST | `…/session/{id}/stop-processing`, `…/resume-processing` | the same |
 *
 * Sessions come from two places:
 * - the data root: `<root>/<project>/sessions/<user>/<session>/raw/…` (movies `.tif .tiff .mrc
 *   .mrcs .eer` at any depth, gain/defect references and EPU's integrated `X.mrc` beside
 *   `X_fractions.*` excluded) and `…/<session>/processed/…` (MotionCor2-style `X.mrc` / `X_DW.mrc`);
 *   see scanner.ts and movies.ts. Start registers the session in the store (register.ts).
 * - agents' EPU sessions (the store's acquisitions): project `agent_project` ("epu"), user by
 *   `agent_owners` name prefix else `agent_user` ("epu"); id = acquisition UUID (agent-sessions.ts).
 *
 * Numbers (status.ts, catalog.ts): for agent sessions and registered data-root sessions they come
 * from `Store.processingSummary`: raw_files = movies (agent) or raw/ movies on disk (data root),
 * processed_files = micrographs with every step done, failed_jobs = failed steps,
 * percent_done_total = processed / raw, percent_current_cycle = settled / started micrographs.
 * For a data-root session never registered: raw/ movies and movies with an output in processed/.
 *
 * Differences from the USC service: an unknown session is a 404 (with `state: "no_such_session"`
 * in the body, the value USC answered with a 200); a missing or wrong token is a 401 (USC: 403),
 * another user's path a 403; tokens are per user; start/resume also accept `dose` (newer USC
 * clients' name for fmdose); responses carry a few extra fields.
 */
export { uscRoutes, type UscContext, type UscHandle } from "./routes.js";
export { loadUscConfig, resolveUscConfig, UscConfigSection, UscEnv, type ResolveUscConfigOptions, type UscConfig } from "./config.js";
export { redactAccessToken, requestLogSerializer, uscGuard, type UscGuard, type UscIdentity } from "./auth.js";
export { DataRootScanner, type ScannerOptions, type SessionScan } from "./scanner.js";
export { DirCache, nodeDirFs, walkFiles, type DirFs, type Listing } from "./dir-cache.js";
export { UscCatalog, type SessionStatus, type UscSession } from "./catalog.js";
export { DataRootSync, type SyncResult } from "./sync.js";
export { dataRootSessionKey, micrographName, parseDataRootName, registerMovies, registrationBatches, DATA_ROOT_PREFIX, type DataRootRef } from "./register.js";
export { startPoller, syncRunningSessions } from "./poller.js";
export { uscStatus, UscState, type StatusCounts, type StatusNumbers } from "./status.js";
export { isSafeSegment, resolveInside, SafeSegment } from "./segments.js";
