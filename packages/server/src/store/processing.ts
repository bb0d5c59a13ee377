/**
 * Processing state in the store: step status updates from workers (through
 * core's step state machine), the metrics of done steps, per-session
 * summaries and settings. Shared by both adapters (plain SQL on SqlClient).
 */
import {
  metricsOf,
  micrographProcessingState,
  PROCESSING_STEPS,
  stepTransition,
  type MicrographMetrics,
  type ProcessingStep,
  type StepState,
  type StepUpdate,
} from "@emflow/core";
import type { ChangeEvent } from "../model/entities.js";
import type {
  MicrographProcessing,
  ProcessingFailure,
  ProcessingSettings,
  ProcessingSummary,
  RecordStepsOutcome,
  StepRecord,
} from "../model/processing.js";
import { isUuid } from "./cursor.js";
import { toEvent } from "./ingest.js";
import type { Row, SqlClient, SqlQueryable } from "./sql-client.js";

/** Metric field → column, in one place. */
const METRIC_COLUMNS: ReadonlyArray<readonly [keyof MicrographMetrics, string]> = [
  ["totalMotionA", "total_motion_a"],
  ["earlyMotionA", "early_motion_a"],
  ["lateMotionA", "late_motion_a"],
  ["defocusUA", "defocus_u_a"],
  ["defocusVA", "defocus_v_a"],
  ["astigmatismA", "astigmatism_a"],
  ["astigmatismAngleDeg", "astigmatism_angle_deg"],
  ["phaseShiftDeg", "phase_shift_deg"],
  ["ctfScore", "ctf_score"],
  ["ctfFitResolutionA", "ctf_fit_resolution_a"],
  ["particleCount", "particle_count"],
  ["iceMedian", "ice_median"],
];

// An arbitrary constant: serialises writers of processing state with each other (not with ingest).
const PROCESSING_LOCK = 7_262_002;

/** Apply worker status updates in one transaction; stale or repeated ones are ignored, with the reason. */
export async function recordSteps(db: SqlClient, updates: readonly StepUpdate[]): Promise<RecordStepsOutcome> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${PROCESSING_LOCK})`);
    const events: ChangeEvent[] = [];
    const ignored: Array<{ index: number; reason: string }> = [];
    for (const [index, u] of updates.entries()) {
      const reason = await recordOne(tx, u, events);
      if (reason !== undefined) ignored.push({ index, reason });
    }
    return { applied: updates.length - ignored.length, ignored, events };
  });
}

async function recordOne(tx: SqlQueryable, u: StepUpdate, events: ChangeEvent[]): Promise<string | undefined> {
  const [m] = await tx.query<{ acquisition_id: string }>("SELECT acquisition_id FROM micrographs WHERE id = $1", [u.micrographId]);
  if (m === undefined) return `unknown micrograph ${u.micrographId}`;
  const [cur] = await tx.query<{ state: StepState; attempts: number }>(
    "SELECT state, attempts FROM processing_steps WHERE micrograph_id = $1 AND step = $2",
    [u.micrographId, u.step],
  );
  const t = stepTransition(cur === undefined ? undefined : { state: cur.state, attempts: cur.attempts }, u);
  if (!t.apply) return t.reason;
  const at = u.at;
  await tx.query(
    `INSERT INTO processing_steps AS p (micrograph_id, acquisition_id, step, state, attempts, tool, error, result, seconds, queued_at, started_at, finished_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9,
             CASE WHEN $4 = 'queued' THEN $10::timestamptz END,
             CASE WHEN $4 = 'running' THEN $10::timestamptz END,
             CASE WHEN $4 IN ('done', 'failed') THEN $10::timestamptz END, now())
     ON CONFLICT (micrograph_id, step) DO UPDATE SET
       state = EXCLUDED.state, attempts = EXCLUDED.attempts,
       tool = coalesce(EXCLUDED.tool, p.tool),
       error = EXCLUDED.error,
       result = coalesce(EXCLUDED.result, p.result),
       seconds = coalesce(EXCLUDED.seconds, p.seconds),
       queued_at = coalesce(EXCLUDED.queued_at, p.queued_at),
       started_at = coalesce(EXCLUDED.started_at, p.started_at),
       finished_at = CASE WHEN EXCLUDED.state IN ('done', 'failed') THEN EXCLUDED.finished_at ELSE NULL END,
       updated_at = now()`,
    [
      u.micrographId,
      m.acquisition_id,
      u.step,
      u.state,
      u.attempt,
      u.tool ?? null,
      u.state === "failed" ? (u.error ?? "failed") : null,
      u.state === "done" && u.result !== undefined ? JSON.stringify(u.result) : null,
      u.seconds ?? null,
      at,
    ],
  );
  if (u.state === "done" && u.result !== undefined) await upsertMetrics(tx, u.micrographId, m.acquisition_id, metricsOf(u.step, u.result));
  const rows = await tx.query(
    "INSERT INTO change_events (kind, entity_id, acquisition_id, op) VALUES ('processing', $1, $2, $3) RETURNING *",
    [u.micrographId, m.acquisition_id, cur === undefined ? "created" : "updated"],
  );
  events.push(...rows.map(toEvent));
  return undefined;
}

async function upsertMetrics(tx: SqlQueryable, micrographId: string, acquisitionId: string, metrics: MicrographMetrics): Promise<void> {
  const set = METRIC_COLUMNS.filter(([field]) => metrics[field] !== undefined);
  if (set.length === 0) return;
  const cols = set.map(([, c]) => c);
  const values = set.map(([field]) => metrics[field]!);
  const placeholders = values.map((_, i) => `$${i + 3}`);
  await tx.query(
    `INSERT INTO micrograph_metrics (micrograph_id, acquisition_id, ${cols.join(", ")}) VALUES ($1, $2, ${placeholders.join(", ")})
     ON CONFLICT (micrograph_id) DO UPDATE SET ${cols.map((c) => `${c} = EXCLUDED.${c}`).join(", ")}, updated_at = now()`,
    [micrographId, acquisitionId, ...values],
  );
}

function iso(v: unknown): string | null {
  return v instanceof Date ? v.toISOString() : v === null || v === undefined ? null : String(v);
}

function stepRecord(r: Row): StepRecord {
  return {
    step: r.step as ProcessingStep,
    state: r.state as StepState,
    attempts: Number(r.attempts),
    tool: (r.tool as string | null) ?? null,
    error: (r.error as string | null) ?? null,
    result: (r.result as Record<string, unknown> | null) ?? null,
    seconds: r.seconds === null || r.seconds === undefined ? null : Number(r.seconds),
    queuedAt: iso(r.queued_at),
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
  };
}

function metricsFromRow(r: Row | undefined): MicrographMetrics {
  const out: MicrographMetrics = {};
  if (r === undefined) return out;
  for (const [field, col] of METRIC_COLUMNS) if (r[col] !== null && r[col] !== undefined) out[field] = Number(r[col]);
  return out;
}

/** One micrograph's steps and metrics; undefined for an unknown micrograph. */
export async function getProcessing(db: SqlClient, micrographId: string): Promise<MicrographProcessing | undefined> {
  if (!isUuid(micrographId)) return undefined;
  const [m] = await db.query("SELECT id FROM micrographs WHERE id = $1", [micrographId]);
  if (m === undefined) return undefined;
  const steps = (await db.query("SELECT * FROM processing_steps WHERE micrograph_id = $1", [micrographId])).map(stepRecord);
  steps.sort((a, b) => PROCESSING_STEPS.indexOf(a.step) - PROCESSING_STEPS.indexOf(b.step));
  const [metrics] = await db.query("SELECT * FROM micrograph_metrics WHERE micrograph_id = $1", [micrographId]);
  return { micrographId, state: micrographProcessingState(steps.map((s) => s.state)), steps, metrics: metricsFromRow(metrics) };
}

const emptyCounts = (): Record<StepState, number> => ({ queued: 0, running: 0, done: 0, failed: 0 });

/** Per-step state counts, overall micrograph counts and metric averages of one session; undefined when unknown. */
export async function processingSummary(db: SqlClient, acquisitionId: string): Promise<ProcessingSummary | undefined> {
  if (!isUuid(acquisitionId)) return undefined;
  const [acq] = await db.query<{ n: string; movies: string }>(
    `SELECT (SELECT count(*) FROM micrographs WHERE acquisition_id = a.id) AS n,
            (SELECT count(*) FROM micrographs WHERE acquisition_id = a.id AND movie_file IS NOT NULL) AS movies
     FROM acquisitions a WHERE a.id = $1`,
    [acquisitionId],
  );
  if (acq === undefined) return undefined;
  const steps = Object.fromEntries(PROCESSING_STEPS.map((s) => [s, emptyCounts()])) as Record<ProcessingStep, Record<StepState, number>>;
  const rows = await db.query<{ step: ProcessingStep; state: StepState; n: string }>(
    "SELECT step, state, count(*) AS n FROM processing_steps WHERE acquisition_id = $1 GROUP BY step, state",
    [acquisitionId],
  );
  for (const r of rows) if (steps[r.step] !== undefined) steps[r.step][r.state] = Number(r.n);
  const [per] = await db.query<{ done: string; failed: string; started: string }>(
    `SELECT count(*) FILTER (WHERE done = ${PROCESSING_STEPS.length}) AS done,
            count(*) FILTER (WHERE failed > 0) AS failed,
            count(*) AS started
     FROM (SELECT micrograph_id, count(*) FILTER (WHERE state = 'done') AS done, count(*) FILTER (WHERE state = 'failed') AS failed
           FROM processing_steps WHERE acquisition_id = $1 GROUP BY micrograph_id) s`,
    [acquisitionId],
  );
  const [agg] = await db.query(
    `SELECT count(*) AS n,
            avg(ctf_fit_resolution_a) AS ctf_fit_resolution_a,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY ctf_fit_resolution_a) AS ctf_fit_resolution_median_a,
            avg(total_motion_a) AS total_motion_a,
            avg(particle_count) AS particle_count,
            avg(ice_median) AS ice_median,
            avg(abs(defocus_u_a + defocus_v_a) / 2) AS defocus_a
     FROM micrograph_metrics WHERE acquisition_id = $1`,
    [acquisitionId],
  );
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  return {
    acquisitionId,
    micrographs: Number(acq.n),
    movies: Number(acq.movies),
    processed: Number(per?.done ?? 0),
    failed: Number(per?.failed ?? 0),
    started: Number(per?.started ?? 0),
    steps,
    means: {
      ctfFitResolutionA: num(agg?.ctf_fit_resolution_a),
      ctfFitResolutionMedianA: num(agg?.ctf_fit_resolution_median_a),
      totalMotionA: num(agg?.total_motion_a),
      particleCount: num(agg?.particle_count),
      iceMedian: num(agg?.ice_median),
      defocusA: num(agg?.defocus_a),
    },
    settings: await getSettings(db, acquisitionId),
  };
}

/** The newest failures of a session (most recent first). */
export async function listFailures(db: SqlClient, acquisitionId: string, limit = 50): Promise<ProcessingFailure[]> {
  if (!isUuid(acquisitionId)) return [];
  const n = Math.min(Math.max(Math.trunc(limit), 1), 1000);
  const rows = await db.query(
    `SELECT p.micrograph_id, m.natural_id, p.step, p.error, p.attempts, p.tool, p.finished_at
     FROM processing_steps p JOIN micrographs m ON m.id = p.micrograph_id
     WHERE p.acquisition_id = $1 AND p.state = 'failed' ORDER BY p.finished_at DESC NULLS LAST LIMIT ${n}`,
    [acquisitionId],
  );
  return rows.map((r) => ({
    micrographId: String(r.micrograph_id),
    naturalId: String(r.natural_id),
    step: r.step as ProcessingStep,
    error: String(r.error ?? ""),
    attempts: Number(r.attempts),
    tool: (r.tool as string | null) ?? null,
    at: iso(r.finished_at),
  }));
}

/** A session's processing settings (state "stopped" and no parameters when never set). */
export async function getSettings(db: SqlQueryable, acquisitionId: string): Promise<ProcessingSettings> {
  const [r] = await db.query("SELECT state, params, updated_at FROM processing_settings WHERE acquisition_id = $1", [acquisitionId]);
  if (r === undefined) return { state: "stopped", params: {}, updatedAt: null };
  return { state: r.state as ProcessingSettings["state"], params: (r.params as Record<string, unknown>) ?? {}, updatedAt: iso(r.updated_at) };
}

/** Set a session's processing state and (merged) parameters; undefined for an unknown session. */
export async function putSettings(
  db: SqlClient,
  acquisitionId: string,
  change: { state?: ProcessingSettings["state"]; params?: Record<string, unknown> },
): Promise<ProcessingSettings | undefined> {
  if (!isUuid(acquisitionId)) return undefined;
  const [acq] = await db.query("SELECT id FROM acquisitions WHERE id = $1", [acquisitionId]);
  if (acq === undefined) return undefined;
  await db.query(
    `INSERT INTO processing_settings AS s (acquisition_id, state, params) VALUES ($1, coalesce($2, 'stopped'), coalesce($3::jsonb, '{}'::jsonb))
     ON CONFLICT (acquisition_id) DO UPDATE SET state = coalesce($2, s.state), params = s.params || coalesce($3::jsonb, '{}'::jsonb), updated_at = now()`,
    [acquisitionId, change.state ?? null, change.params === undefined ? null : JSON.stringify(change.params)],
  );
  return getSettings(db, acquisitionId);
}

/**
 * Micrographs of a session that have a movie and are not completely processed,
 * oldest first, after `afterSeq` (keyset), at most `limit`. What a start or a
 * resume queues: finished movies are never in it.
 */
export async function unprocessedMicrographs(
  db: SqlClient,
  acquisitionId: string,
  opts: { afterSeq?: number; limit?: number; ids?: readonly string[] } = {},
): Promise<Array<{ id: string; seq: number; naturalId: string; movieFile: string; steps: Partial<Record<ProcessingStep, StepState>> }>> {
  if (!isUuid(acquisitionId)) return [];
  const limit = Math.min(Math.max(Math.trunc(opts.limit ?? 500), 1), 5000);
  const ids = opts.ids?.filter(isUuid);
  if (ids !== undefined && ids.length === 0) return [];
  const rows = await db.query(
    `SELECT m.id, m.seq, m.natural_id, m.movie_file,
            coalesce(jsonb_object_agg(p.step, p.state) FILTER (WHERE p.step IS NOT NULL), '{}'::jsonb) AS steps
     FROM micrographs m LEFT JOIN processing_steps p ON p.micrograph_id = m.id
     WHERE m.acquisition_id = $1 AND m.movie_file IS NOT NULL AND m.seq > $2::bigint
       ${ids === undefined ? "" : "AND m.id = ANY($3::uuid[])"}
     GROUP BY m.id
     HAVING count(*) FILTER (WHERE p.state = 'done') < ${PROCESSING_STEPS.length}
     ORDER BY m.seq LIMIT ${limit}`,
    ids === undefined ? [acquisitionId, String(opts.afterSeq ?? 0)] : [acquisitionId, String(opts.afterSeq ?? 0), ids],
  );
  return rows.map((r) => ({
    id: String(r.id),
    seq: Number(r.seq),
    naturalId: String(r.natural_id),
    movieFile: String(r.movie_file),
    steps: r.steps as Partial<Record<ProcessingStep, StepState>>,
  }));
}
