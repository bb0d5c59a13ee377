/**
 * The SQL of the database transport, one function per state change. Every
 * change to a delivered message is fenced by its lease token, so a consumer
 * whose lease ran out (and whose message went to someone else) cannot ack,
 * retry or kill it any more.
 */
import type { CheckedMessage } from "../validate.js";
import type { DeadLetter, MessageHeaders, Json, QueueStats } from "../transport.js";
import { int, type SqlQueryable } from "./sql-client.js";

/** A message as claimed. */
export interface ClaimedRow {
  readonly seq: string;
  readonly id: string;
  readonly body: Json;
  readonly headers: MessageHeaders;
  readonly idempotencyKey: string;
  /** Including this delivery. */
  readonly deliveryCount: number;
  readonly lastError: string | undefined;
  readonly publishedAt: number;
}

/** Store a new message (a message id already live is not stored twice). */
export async function insertMessage(db: SqlQueryable, queue: string, m: CheckedMessage, now: number): Promise<void> {
  await db.query(
    `INSERT INTO queue_messages (id, queue, state, body, headers, idempotency_key, delivery_count, visible_at, published_at)
     VALUES ($1, $2, 'ready', $3::json, $4::json, $5, 0, $6, $6)
     ON CONFLICT (id) DO NOTHING`,
    [m.id, queue, JSON.stringify(m.body), JSON.stringify(m.headers), m.idempotencyKey, now],
  );
}

/**
 * Claim up to `n` deliverable messages of `queue` (ready and visible, or in
 * flight with an expired lease) in publication order, skipping rows another
 * consumer is claiming right now.
 */
export async function claimMessages(db: SqlQueryable, queue: string, n: number, now: number, leaseUntil: number, token: string): Promise<ClaimedRow[]> {
  const rows = await db.query(
    `UPDATE queue_messages m
        SET state = 'in_flight', delivery_count = m.delivery_count + 1, lease_token = $3, visible_at = $4
       FROM (SELECT seq FROM queue_messages
              WHERE queue = $1 AND visible_at <= $2
              ORDER BY seq LIMIT $5
              FOR UPDATE SKIP LOCKED) picked
      WHERE m.seq = picked.seq
      RETURNING m.seq::text AS seq, m.id, m.body, m.headers, m.idempotency_key, m.delivery_count, m.last_error, m.published_at`,
    [queue, now, token, leaseUntil, n],
  );
  return rows
    .map((r) => ({
      seq: String(r.seq),
      id: String(r.id),
      body: r.body as Json,
      headers: (r.headers ?? {}) as MessageHeaders,
      idempotencyKey: String(r.idempotency_key),
      deliveryCount: int(r.delivery_count),
      lastError: r.last_error === null || r.last_error === undefined ? undefined : String(r.last_error),
      publishedAt: int(r.published_at),
    }))
    .sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
}

/** Delete an acknowledged message; false when the lease was lost. */
export async function ackMessage(db: SqlQueryable, seq: string, token: string): Promise<boolean> {
  const rows = await db.query(`DELETE FROM queue_messages WHERE seq = $1::bigint AND lease_token = $2 RETURNING id`, [seq, token]);
  return rows.length > 0;
}

/** Put a message back to ready, visible from `visibleAt`; false when the lease was lost. */
export async function requeueMessage(db: SqlQueryable, seq: string, token: string, visibleAt: number, lastError: string | undefined): Promise<boolean> {
  const rows = await db.query(
    `UPDATE queue_messages SET state = 'ready', lease_token = NULL, visible_at = $3, last_error = COALESCE($4, last_error)
      WHERE seq = $1::bigint AND lease_token = $2 RETURNING id`,
    [seq, token, visibleAt, lastError ?? null],
  );
  return rows.length > 0;
}

/** Move a message to the dead letters with `error` after `deliveryCount` deliveries; false when the lease was lost. */
export async function killMessage(db: SqlQueryable, seq: string, token: string, error: string, deliveryCount: number, now: number): Promise<boolean> {
  const rows = await db.query(
    `WITH gone AS (DELETE FROM queue_messages WHERE seq = $1::bigint AND lease_token = $2
                   RETURNING id, queue, body, headers, idempotency_key, published_at)
     INSERT INTO queue_dead_letters (id, queue, body, headers, idempotency_key, delivery_count, error, published_at, dead_at)
     SELECT id, queue, body, headers, idempotency_key, $4, $3, published_at, $5 FROM gone
     ON CONFLICT (id) DO UPDATE SET queue = EXCLUDED.queue, body = EXCLUDED.body, headers = EXCLUDED.headers,
       idempotency_key = EXCLUDED.idempotency_key, delivery_count = EXCLUDED.delivery_count, error = EXCLUDED.error,
       published_at = EXCLUDED.published_at, dead_at = EXCLUDED.dead_at
     RETURNING id`,
    [seq, token, error, deliveryCount, now],
  );
  return rows.length > 0;
}

/** Extend a lease; false when it was lost. */
export async function extendLease(db: SqlQueryable, seq: string, token: string, leaseUntil: number): Promise<boolean> {
  const rows = await db.query(`UPDATE queue_messages SET visible_at = $3 WHERE seq = $1::bigint AND lease_token = $2 RETURNING id`, [seq, token, leaseUntil]);
  return rows.length > 0;
}

/** Dead letters, oldest first, of one queue or all. */
export async function listDeadLetters(db: SqlQueryable, queue: string | undefined): Promise<DeadLetter[]> {
  const rows = await db.query(
    `SELECT id, queue, body, headers, idempotency_key, delivery_count, error, dead_at FROM queue_dead_letters
      WHERE $1::text IS NULL OR queue = $1 ORDER BY seq`,
    [queue ?? null],
  );
  return rows.map((r) => ({
    id: String(r.id),
    queue: String(r.queue),
    body: r.body as Json,
    headers: (r.headers ?? {}) as MessageHeaders,
    idempotencyKey: String(r.idempotency_key),
    deliveryCount: int(r.delivery_count),
    error: String(r.error),
    deadAt: new Date(int(r.dead_at)),
  }));
}

/**
 * Move dead letters (all, or these ids) of one queue or all back to their
 * queues with a fresh delivery count; returns the queues, one entry per message.
 */
export async function reinjectDeadLetters(db: SqlQueryable, ids: readonly string[] | "all", queue: string | undefined, now: number): Promise<string[]> {
  const rows = await db.query(
    `WITH back AS (DELETE FROM queue_dead_letters
                    WHERE ($1::boolean OR id IN (SELECT json_array_elements_text($2::json)))
                      AND ($3::text IS NULL OR queue = $3)
                    RETURNING seq, id, queue, body, headers, idempotency_key, error, published_at)
     INSERT INTO queue_messages (id, queue, state, body, headers, idempotency_key, delivery_count, last_error, visible_at, published_at)
     SELECT id, queue, 'ready', body, headers, idempotency_key, 0, error, $4, published_at FROM back ORDER BY seq
     ON CONFLICT (id) DO NOTHING
     RETURNING queue`,
    [ids === "all", JSON.stringify(ids === "all" ? [] : ids), queue ?? null, now],
  );
  return rows.map((r) => String(r.queue));
}

/** Ready / in-flight / dead counts per queue (an in-flight message whose lease ran out counts as ready). */
export async function queueStats(db: SqlQueryable, now: number): Promise<QueueStats[]> {
  const rows = await db.query(
    `SELECT queue, sum(ready)::int AS ready, sum(in_flight)::int AS in_flight, sum(dead)::int AS dead FROM (
       SELECT queue,
              count(*) FILTER (WHERE state = 'ready' OR visible_at <= $1) AS ready,
              count(*) FILTER (WHERE state = 'in_flight' AND visible_at > $1) AS in_flight,
              0 AS dead
         FROM queue_messages GROUP BY queue
       UNION ALL
       SELECT queue, 0, 0, count(*) FROM queue_dead_letters GROUP BY queue
     ) t GROUP BY queue ORDER BY queue`,
    [now],
  );
  return rows.map((r) => ({ queue: String(r.queue), ready: int(r.ready), inFlight: int(r.in_flight), dead: int(r.dead) }));
}
