/**
 * Decisions in the database: per-session settings, the decision log with
 * reasons and numbers, and operator actions through core's decision state
 * machine. Plain SQL on SqlClient, so PGlite and PostgreSQL share it.
 */
import { randomUUID } from "node:crypto";
import { decisionOpen, decisionTransition, DecisionState, type DecisionEvent } from "@emflow/core";
import { ConflictError } from "../errors.js";
import type { ChangeEvent } from "../model/entities.js";
import type { Decision, DecisionSettings, RankedEntry } from "../model/decisions.js";
import { isUuid } from "../store/cursor.js";
import { toEvent } from "../store/ingest.js";
import type { Row, SqlClient, SqlQueryable } from "../store/sql-client.js";

/** Settings of a session that never set any: decisions shown, nothing sent. */
export const DEFAULT_DECISION_SETTINGS = { mode: "advise", policy: "ucb", link: "none", params: {} } as const;

/** A new decision as the engine or an operator makes it. */
export interface NewDecision {
  readonly acquisitionId: string;
  readonly source: "policy" | "operator";
  readonly policy: string;
  readonly action: string;
  readonly gridSquareId: string | null;
  readonly target: string | null;
  readonly reasons: readonly string[];
  readonly numbers: Record<string, unknown>;
  readonly ranked: readonly RankedEntry[];
  readonly state: DecisionState;
  readonly operator?: string;
  readonly note?: string;
  readonly overrides?: string;
}

/** The states of decisions still waiting for an operator or the link, as an SQL list (from core's machine). */
const OPEN = `(${DecisionState.options.filter(decisionOpen).map((st) => `'${st}'`).join(", ")})`;

const iso = (v: unknown): string | null => (v == null ? null : v instanceof Date ? v.toISOString() : String(v));

function toDecision(r: Row): Decision {
  return {
    id: r.id as string,
    seq: Number(r.seq),
    acquisitionId: r.acquisition_id as string,
    source: r.source as Decision["source"],
    policy: r.policy as string,
    action: r.action as string,
    gridSquareId: (r.grid_square_id as string | null) ?? null,
    target: (r.target as string | null) ?? null,
    reasons: (r.reasons as string[] | null) ?? [],
    numbers: (r.numbers as Record<string, unknown> | null) ?? {},
    ranked: (r.ranked as RankedEntry[] | null) ?? [],
    state: r.state as DecisionState,
    operator: (r.operator as string | null) ?? null,
    note: (r.note as string | null) ?? null,
    overrides: (r.overrides as string | null) ?? null,
    delivery: (r.delivery as Record<string, unknown> | null) ?? null,
    createdAt: iso(r.created_at)!,
    actedAt: iso(r.acted_at),
    sentAt: iso(r.sent_at),
  };
}

async function event(tx: SqlQueryable, id: string, acquisitionId: string, op: "created" | "updated"): Promise<ChangeEvent> {
  const [row] = await tx.query("INSERT INTO change_events (kind, entity_id, acquisition_id, op) VALUES ('decision', $1, $2, $3) RETURNING *", [id, acquisitionId, op]);
  return toEvent(row!);
}

/** A session's settings (the defaults when never set); undefined for an unknown session. */
export async function getDecisionSettings(db: SqlQueryable, acquisitionId: string): Promise<DecisionSettings | undefined> {
  if (!isUuid(acquisitionId)) return undefined;
  const [row] = await db.query(
    "SELECT a.id, s.mode, s.policy, s.link, s.params, s.updated_at FROM acquisitions a LEFT JOIN decision_settings s ON s.acquisition_id = a.id WHERE a.id = $1",
    [acquisitionId],
  );
  if (row === undefined) return undefined;
  const d = DEFAULT_DECISION_SETTINGS;
  return {
    acquisitionId,
    mode: (row.mode as DecisionSettings["mode"] | null) ?? d.mode,
    policy: (row.policy as string | null) ?? d.policy,
    link: (row.link as DecisionSettings["link"] | null) ?? d.link,
    params: (row.params as Record<string, unknown> | null) ?? {},
    updatedAt: iso(row.updated_at),
  };
}

/** Change a session's settings (absent fields keep their value; params merge); undefined for an unknown session. */
export async function putDecisionSettings(
  db: SqlClient,
  acquisitionId: string,
  change: Partial<Pick<DecisionSettings, "mode" | "policy" | "link" | "params">>,
): Promise<DecisionSettings | undefined> {
  const cur = await getDecisionSettings(db, acquisitionId);
  if (cur === undefined) return undefined;
  await db.query(
    `INSERT INTO decision_settings (acquisition_id, mode, policy, link, params) VALUES ($1, $2, $3, $4, $5::jsonb)
     ON CONFLICT (acquisition_id) DO UPDATE SET mode = EXCLUDED.mode, policy = EXCLUDED.policy, link = EXCLUDED.link,
       params = EXCLUDED.params, updated_at = now()`,
    [acquisitionId, change.mode ?? cur.mode, change.policy ?? cur.policy, change.link ?? cur.link, JSON.stringify({ ...cur.params, ...change.params })],
  );
  return getDecisionSettings(db, acquisitionId);
}

/**
 * Record a decision; open policy decisions of the session before it are superseded (a newer
 * order replaces them), or marked overridden when this is an operator's override.
 */
export async function insertDecision(db: SqlClient, d: NewDecision): Promise<{ decision: Decision; events: ChangeEvent[] }> {
  return db.transaction(async (tx) => {
    const events: ChangeEvent[] = [];
    const replaced = d.source === "operator" ? "overridden" : "superseded";
    const open = await tx.query<{ id: string }>(
      `UPDATE decisions SET state = $2, acted_at = now() WHERE acquisition_id = $1 AND state IN ${OPEN} RETURNING id`,
      [d.acquisitionId, replaced],
    );
    for (const o of open) events.push(await event(tx, o.id, d.acquisitionId, "updated"));
    const id = randomUUID();
    const [row] = await tx.query(
      `INSERT INTO decisions (id, acquisition_id, source, policy, action, grid_square_id, target, reasons, numbers, ranked, state, operator, note, overrides, acted_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12, $13, $14, CASE WHEN $3 = 'operator' THEN now() END) RETURNING *`,
      [
        id, d.acquisitionId, d.source, d.policy, d.action, d.gridSquareId, d.target, d.reasons, JSON.stringify(d.numbers), JSON.stringify(d.ranked),
        d.state, d.operator ?? null, d.note ?? null, d.overrides ?? null,
      ],
    );
    events.push(await event(tx, id, d.acquisitionId, "created"));
    return { decision: toDecision(row!), events };
  });
}

/** A decision by id; undefined when unknown. */
export async function getDecision(db: SqlQueryable, id: string): Promise<Decision | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await db.query("SELECT * FROM decisions WHERE id = $1", [id]);
  return row === undefined ? undefined : toDecision(row);
}

/** A session's decisions, newest first; `open` narrows to those still waiting (proposed, accepted). */
export async function listDecisions(db: SqlQueryable, acquisitionId: string, opts: { limit?: number; open?: boolean } = {}): Promise<Decision[]> {
  if (!isUuid(acquisitionId)) return [];
  const rows = await db.query(
    `SELECT * FROM decisions WHERE acquisition_id = $1 ${opts.open === true ? `AND state IN ${OPEN}` : ""} ORDER BY seq DESC LIMIT $2`,
    [acquisitionId, Math.min(Math.max(opts.limit ?? 50, 1), 1000)],
  );
  return rows.map(toDecision);
}

/**
 * Apply `event` to a decision (operator accept/reject, the engine's send) through the state machine;
 * ConflictError with the machine's reason when it is not allowed. Undefined for an unknown id.
 */
export async function actOnDecision(
  db: SqlClient,
  id: string,
  ev: Exclude<DecisionEvent, "override" | "supersede">,
  by: { operator?: string; note?: string; delivery?: Record<string, unknown> } = {},
): Promise<{ decision: Decision; events: ChangeEvent[] } | undefined> {
  if (!isUuid(id)) return undefined;
  return db.transaction(async (tx) => {
    const [row] = await tx.query("SELECT * FROM decisions WHERE id = $1 FOR UPDATE", [id]);
    if (row === undefined) return undefined;
    const t = decisionTransition(row.state as DecisionState, ev);
    if (!t.ok) throw new ConflictError(`decision ${id}: ${t.reason}`);
    const [updated] = await tx.query(
      `UPDATE decisions SET state = $2,
         operator = coalesce($3, operator), note = coalesce($4, note),
         acted_at = CASE WHEN $5 THEN now() ELSE acted_at END,
         sent_at = CASE WHEN $2 = 'sent' THEN now() ELSE sent_at END,
         delivery = coalesce($6::jsonb, delivery)
       WHERE id = $1 RETURNING *`,
      [id, t.state, by.operator ?? null, by.note ?? null, ev !== "send", by.delivery === undefined ? null : JSON.stringify(by.delivery)],
    );
    const events = [await event(tx, id, row.acquisition_id as string, "updated")];
    return { decision: toDecision(updated!), events };
  });
}

/** Record that sending a decision failed (its state is unchanged, so it can be sent again); undefined for an unknown id. */
export async function recordDeliveryFailure(db: SqlClient, id: string, message: string): Promise<{ decision: Decision; events: ChangeEvent[] } | undefined> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query(
      `UPDATE decisions SET delivery = jsonb_build_object('error', $2::text, 'at', now(), 'attempts', coalesce((delivery->>'attempts')::int, 0) + 1)
        WHERE id = $1 RETURNING *`,
      [id, message.slice(0, 2000)],
    );
    if (row === undefined) return undefined;
    return { decision: toDecision(row), events: [await event(tx, id, row.acquisition_id as string, "updated")] };
  });
}

/** The grid square of a session by emflow id or EPU id; undefined when it has none such. */
export async function findGridSquare(db: SqlQueryable, acquisitionId: string, idOrNatural: string): Promise<{ id: string; naturalId: string } | undefined> {
  const [row] = await db.query<{ id: string; natural_id: string }>(
    `SELECT id, natural_id FROM grid_squares WHERE acquisition_id = $1 AND (${isUuid(idOrNatural) ? "id = $2::uuid" : "natural_id = $2"}) LIMIT 1`,
    [acquisitionId, idOrNatural],
  );
  return row === undefined ? undefined : { id: row.id, naturalId: row.natural_id };
}
