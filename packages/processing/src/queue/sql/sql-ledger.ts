/**
 * The idempotency ledger in the database: the key is inserted in the same
 * transaction as the effect's writes, so database effects happen exactly
 * once however often a message is delivered. A second delivery that races
 * the first waits on the key's row lock and then finds it taken.
 *
 * On PGlite (one connection) the effect must not use the database outside
 * its `tx`, e.g. publish on the SQL transport: that would wait for the
 * transaction it runs in. Publish after `once` resolves.
 */
import type { IdempotencyLedger } from "../idempotency.js";
import type { Clock } from "../options.js";
import { systemClock } from "../options.js";
import type { QueueSqlClient, SqlQueryable } from "./sql-client.js";

/** A ledger over the `queue_processed` table (created by `openSqlTransport` or `migrateQueueTables`). */
export function sqlLedger(db: QueueSqlClient, clock: Clock = systemClock): IdempotencyLedger<SqlQueryable> & {
  /** Forget keys recorded before `before` (epoch ms); returns how many. */
  prune(before: number): Promise<number>;
} {
  return {
    once: (key, effect) =>
      db.transaction(async (tx) => {
        const rows = await tx.query(`INSERT INTO queue_processed (key, processed_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key`, [key, clock.now()]);
        if (rows.length === 0) return { ran: false as const };
        return { ran: true as const, value: await effect(tx) };
      }),
    prune: async (before) => (await db.query(`DELETE FROM queue_processed WHERE processed_at < $1 RETURNING key`, [before])).length,
  };
}
