/**
 * The queue's own tables (prefix `queue_`), created idempotently beside the
 * rest of emflow's schema. Versioned in `queue_schema`, applied under an
 * advisory lock so two processes opening one PostgreSQL database at once
 * apply each step exactly once. Times are epoch milliseconds (bigint) from
 * the transport's injected clock, never the database's `now()`.
 */
import type { QueueSqlClient } from "./sql-client.js";

// An arbitrary constant: the advisory-lock key that serialises queue migrators.
const QUEUE_MIGRATION_LOCK = 7_262_101;

/** The steps, in order; append only. */
const STEPS: readonly string[] = [
  `
  -- Live messages. visible_at: not before (ready), lease end (in_flight).
  -- Acknowledged messages are deleted.
  CREATE TABLE IF NOT EXISTS queue_messages (
    seq bigserial PRIMARY KEY,
    id text NOT NULL UNIQUE,
    queue text NOT NULL,
    state text NOT NULL CHECK (state IN ('ready', 'in_flight')),
    body json NOT NULL,
    headers json NOT NULL,
    idempotency_key text NOT NULL,
    delivery_count integer NOT NULL DEFAULT 0,
    last_error text,
    visible_at bigint NOT NULL,
    lease_token text,
    published_at bigint NOT NULL
  );
  CREATE INDEX IF NOT EXISTS queue_messages_claim ON queue_messages (queue, visible_at, seq);

  CREATE TABLE IF NOT EXISTS queue_dead_letters (
    seq bigserial PRIMARY KEY,
    id text NOT NULL UNIQUE,
    queue text NOT NULL,
    body json NOT NULL,
    headers json NOT NULL,
    idempotency_key text NOT NULL,
    delivery_count integer NOT NULL,
    error text NOT NULL,
    published_at bigint NOT NULL,
    dead_at bigint NOT NULL
  );
  CREATE INDEX IF NOT EXISTS queue_dead_letters_queue ON queue_dead_letters (queue, seq);

  -- Keys of work done once (the SQL idempotency ledger).
  CREATE TABLE IF NOT EXISTS queue_processed (
    key text PRIMARY KEY,
    processed_at bigint NOT NULL,
    value json
  );
  `,
];

/** Create or upgrade the queue tables; returns the steps applied now. */
export async function migrateQueueTables(db: QueueSqlClient): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${QUEUE_MIGRATION_LOCK})`);
    await tx.exec(`CREATE TABLE IF NOT EXISTS queue_schema (version integer PRIMARY KEY, applied_at bigint NOT NULL)`);
    const rows = await tx.query<{ version: number }>("SELECT version FROM queue_schema");
    const applied = new Set(rows.map((r) => Number(r.version)));
    const done: number[] = [];
    for (const [i, sql] of STEPS.entries()) {
      const version = i + 1;
      if (applied.has(version)) continue;
      await tx.exec(sql);
      await tx.query("INSERT INTO queue_schema (version, applied_at) VALUES ($1, $2)", [version, Date.now()]);
      done.push(version);
    }
    return done;
  });
}
