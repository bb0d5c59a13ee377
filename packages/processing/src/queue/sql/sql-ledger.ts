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

/**
 * A ledger over the `queue_processed` table (created by `openSqlTransport` or
 * `migrateQueueTables`). Effect values are stored as JSON: a duplicate gets
 * the first run's value back, parsed.
 */
export function sqlLedger(db: QueueSqlClient, clock: Clock = systemClock): IdempotencyLedger<SqlQueryable> & {
  /** Forget keys recorded before `before` (epoch ms); returns how many. */
  prune(before: number): Promise<number>;
} {
  return {
    once: <T>(key: string, effect: (tx: SqlQueryable) => Promise<T>) =>
      db.transaction(async (tx) => {
        const rows = await tx.query(`INSERT INTO queue_processed (key, processed_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key`, [key, clock.now()]);
        if (rows.length === 0) {
          const [stored] = await tx.query<{ value: unknown }>(`SELECT value FROM queue_processed WHERE key = $1`, [key]);
          return { ran: false, value: (stored?.value ?? undefined) as T };
        }
        const value = await effect(tx);
        await tx.query(`UPDATE queue_processed SET value = $2::json WHERE key = $1`, [key, value === undefined ? null : JSON.stringify(value)]);
        return { ran: true, value };
      }),
    prune: async (before) => (await db.query(`DELETE FROM queue_processed WHERE processed_at < $1 RETURNING key`, [before])).length,
  };
}
