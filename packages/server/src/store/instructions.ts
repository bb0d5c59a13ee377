/**
 * Instructions for agents in the store: enqueue (superseding older unacked
 * ones of the same kind), what a stream should send, delivery and ack
 * bookkeeping, expiry by an injected clock. Plain SQL on SqlClient, shared by
 * both adapters. Times are epoch milliseconds from the caller's clock.
 */
import { supersedesByDefault, type Instruction, type InstructionState } from "@emflow/core";
import { ConflictError } from "../errors.js";
import { isUuid } from "./cursor.js";
import type { Row, SqlClient, SqlQueryable } from "./sql-client.js";

/** An instruction with its delivery bookkeeping (the history view). */
export interface InstructionRecord extends Instruction {
  readonly state: InstructionState;
  readonly deliveries: number;
  readonly deliveredAt: string | null;
  readonly ackedAt: string | null;
  readonly supersededBy: string | null;
}

/** What `enqueue` needs; the payload is validated by the caller (zod at the HTTP edge). */
export interface EnqueueInput {
  readonly acquisitionId: string;
  /** Default: the agent that most recently sent a batch of this acquisition. */
  readonly agentId?: string;
  readonly kind: string;
  readonly payload: Record<string, unknown>;
  readonly ttlS: number;
  /** Replace the acquisition's unacked instructions of the same kind (default: core's supersedesByDefault). */
  readonly supersede?: boolean;
  readonly now: number;
}

/** Which open instructions a stream should send now. */
export interface DeliverableQuery {
  /** Everything open with a seq above this (the stream's resume point). */
  readonly afterSeq: number;
  /** Also resend open ones at or below `afterSeq` last sent (or, never sent, created) at or before this time. */
  readonly redeliverBefore: number;
  readonly now: number;
  readonly limit?: number;
}

/** The instruction part of the Store. */
export interface InstructionStore {
  /** Add one; undefined for an unknown acquisition; ConflictError when no agent is named or known. */
  enqueue(input: EnqueueInput): Promise<{ instruction: InstructionRecord; superseded: string[] } | undefined>;
  /** An agent's open, unexpired instructions to send, in seq order. */
  deliverable(agentId: string, query: DeliverableQuery): Promise<InstructionRecord[]>;
  /** Record that these were written to a stream (pending → delivered, one more delivery). */
  markDelivered(ids: readonly string[], now: number): Promise<void>;
  /** Acknowledge (idempotent); undefined for an unknown id, ConflictError when it is another agent's. */
  ack(agentId: string, id: string, now: number): Promise<{ instruction: InstructionRecord; duplicate: boolean } | undefined>;
  /** Move open instructions whose time has passed to `expired`; returns how many. */
  expire(now: number): Promise<number>;
  /** Delete closed instructions (acked, expired, superseded) created before `before` (ms); returns how many. */
  prune(before: number): Promise<number>;
  /** One instruction, or undefined. */
  get(id: string): Promise<InstructionRecord | undefined>;
  /** An acquisition's instructions, oldest first; undefined for an unknown acquisition. */
  listForAcquisition(acquisitionId: string, opts: { now: number; limit?: number }): Promise<InstructionRecord[] | undefined>;
}

// An arbitrary constant: serialises enqueues so seq order is commit order (see the migration).
const INSTRUCTION_LOCK = 7_262_003;
const OPEN = "state IN ('pending', 'delivered')";
// The USC registrar sends batches for data-root sessions; it is not an agent that can take instructions.
const NOT_AN_AGENT = "emflow-usc";

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : v === null || v === undefined ? null : new Date(String(v)).toISOString());

function toRecord(r: Row): InstructionRecord {
  return {
    id: String(r.id),
    seq: Number(r.seq),
    acquisitionId: String(r.acquisition_id),
    agentId: String(r.agent_id),
    kind: String(r.kind),
    payload: r.payload as Record<string, unknown>,
    createdAt: isoOrNull(r.created_at)!,
    expiresAt: isoOrNull(r.expires_at)!,
    state: r.state as InstructionState,
    deliveries: Number(r.deliveries),
    deliveredAt: isoOrNull(r.delivered_at),
    ackedAt: isoOrNull(r.acked_at),
    supersededBy: (r.superseded_by as string | null) ?? null,
  };
}

async function expireIn(db: SqlQueryable, now: number): Promise<number> {
  const rows = await db.query(`UPDATE agent_instructions SET state = 'expired' WHERE ${OPEN} AND expires_at <= $1::timestamptz RETURNING id`, [iso(now)]);
  return rows.length;
}

async function enqueue(db: SqlClient, input: EnqueueInput): Promise<{ instruction: InstructionRecord; superseded: string[] } | undefined> {
  if (!isUuid(input.acquisitionId)) return undefined;
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${INSTRUCTION_LOCK})`);
    const [acq] = await tx.query("SELECT id FROM acquisitions WHERE id = $1", [input.acquisitionId]);
    if (acq === undefined) return undefined;
    const agentId = input.agentId ?? (await lastAgentOf(tx, input.acquisitionId));
    if (agentId === undefined) {
      throw new ConflictError(`no agent has sent acquisition ${input.acquisitionId}: name the agent (agentId)`);
    }
    const [row] = await tx.query(
      `INSERT INTO agent_instructions (acquisition_id, agent_id, kind, payload, created_at, expires_at)
       VALUES ($1, $2, $3, $4::jsonb, $5::timestamptz, $6::timestamptz) RETURNING *`,
      [input.acquisitionId, agentId, input.kind, JSON.stringify(input.payload), iso(input.now), iso(input.now + input.ttlS * 1000)],
    );
    const instruction = toRecord(row!);
    let superseded: string[] = [];
    if (input.supersede ?? supersedesByDefault(input.kind)) {
      const rows = await tx.query<{ id: string }>(
        `UPDATE agent_instructions SET state = 'superseded', superseded_by = $1
         WHERE acquisition_id = $2 AND kind = $3 AND ${OPEN} AND seq < $4 RETURNING id`,
        [instruction.id, input.acquisitionId, input.kind, instruction.seq],
      );
      superseded = rows.map((r) => r.id);
    }
    return { instruction, superseded };
  });
}

async function lastAgentOf(tx: SqlQueryable, acquisitionId: string): Promise<string | undefined> {
  const [row] = await tx.query<{ agent_id: string }>(
    `SELECT agent_id FROM ingest_batches WHERE acquisition_id = $1 AND agent_id IS NOT NULL AND agent_id <> $2
     ORDER BY received_at DESC LIMIT 1`,
    [acquisitionId, NOT_AN_AGENT],
  );
  return row?.agent_id;
}

async function ack(db: SqlClient, agentId: string, id: string, now: number): Promise<{ instruction: InstructionRecord; duplicate: boolean } | undefined> {
  if (!isUuid(id)) return undefined;
  return db.transaction(async (tx) => {
    const [cur] = await tx.query("SELECT * FROM agent_instructions WHERE id = $1 FOR UPDATE", [id]);
    if (cur === undefined) return undefined;
    if (cur.agent_id !== agentId) throw new ConflictError(`instruction ${id} is addressed to another agent`);
    if (cur.state === "acked") return { instruction: toRecord(cur), duplicate: true };
    // An ack is the agent saying it applied the instruction: recorded whatever happened to it meanwhile
    // (it may have expired or been superseded after it was delivered), so the history tells the truth.
    const [row] = await tx.query("UPDATE agent_instructions SET state = 'acked', acked_at = $2::timestamptz WHERE id = $1 RETURNING *", [id, iso(now)]);
    return { instruction: toRecord(row!), duplicate: false };
  });
}

/** The instruction store on `db` (a migrated database). */
export function instructionStore(db: SqlClient): InstructionStore {
  return {
    enqueue: (input) => enqueue(db, input),
    deliverable: async (agentId, q) => {
      await expireIn(db, q.now);
      const limit = Math.min(Math.max(Math.trunc(q.limit ?? 500), 1), 10_000);
      const rows = await db.query(
        `SELECT * FROM agent_instructions
         WHERE agent_id = $1 AND ${OPEN} AND expires_at > $2::timestamptz
           AND (seq > $3::bigint OR coalesce(delivered_at, created_at) <= $4::timestamptz)
         ORDER BY seq LIMIT ${limit}`,
        [agentId, iso(q.now), String(Math.max(0, Math.trunc(q.afterSeq))), iso(q.redeliverBefore)],
      );
      return rows.map(toRecord);
    },
    markDelivered: async (ids, now) => {
      if (ids.length === 0) return;
      await db.query(
        `UPDATE agent_instructions SET state = CASE WHEN state = 'pending' THEN 'delivered' ELSE state END,
                deliveries = deliveries + 1, delivered_at = $2::timestamptz
         WHERE id = ANY($1::uuid[])`,
        [ids, iso(now)],
      );
    },
    ack: (agentId, id, now) => ack(db, agentId, id, now),
    expire: (now) => expireIn(db, now),
    prune: async (before) =>
      (await db.query("DELETE FROM agent_instructions WHERE state IN ('acked', 'expired', 'superseded') AND created_at < $1::timestamptz RETURNING id", [iso(before)])).length,
    get: async (id) => {
      if (!isUuid(id)) return undefined;
      const [row] = await db.query("SELECT * FROM agent_instructions WHERE id = $1", [id]);
      return row === undefined ? undefined : toRecord(row);
    },
    listForAcquisition: async (acquisitionId, { now, limit }) => {
      if (!isUuid(acquisitionId)) return undefined;
      const [acq] = await db.query("SELECT id FROM acquisitions WHERE id = $1", [acquisitionId]);
      if (acq === undefined) return undefined;
      await expireIn(db, now);
      const n = Math.min(Math.max(Math.trunc(limit ?? 1000), 1), 10_000);
      const rows = await db.query(`SELECT * FROM agent_instructions WHERE acquisition_id = $1 ORDER BY seq LIMIT ${n}`, [acquisitionId]);
      return rows.map(toRecord);
    },
  };
}
