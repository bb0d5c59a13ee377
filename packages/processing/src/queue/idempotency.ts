/**
 * Idempotent consumers. Queues deliver at least once, so a handler can see
 * the same message again (same `idempotencyKey`). Wrap the part of the work
 * that must happen once in a ledger: it runs the effect for a key once, and
 * afterwards reports it as already done. The SQL ledger (`sql/sql-ledger.ts`)
 * records the key in the same transaction as the effect's own writes, which
 * makes database effects exactly-once; the memory ledger suits one process.
 */
import type { Delivery, Handler } from "./transport.js";

/**
 * Runs effects at most once per key (once they succeeded) and remembers what
 * they returned, so a duplicate gets the first run's value back (e.g. the
 * outputs to publish again). `Ctx` is what the effect gets, e.g. a SQL
 * transaction. Values must be JSON for ledgers that store them.
 */
export interface IdempotencyLedger<Ctx = void> {
  /** Run `effect` unless `key` already succeeded; a failed effect leaves the key free. */
  once<T>(key: string, effect: (ctx: Ctx) => Promise<T>): Promise<{ readonly ran: boolean; readonly value: T }>;
}

/** A ledger in memory, remembering the last `max` keys (default 100,000). Concurrent calls with one key run the effect once. */
export function memoryLedger(opts: { readonly max?: number } = {}): IdempotencyLedger {
  const max = opts.max ?? 100_000;
  const done = new Map<string, unknown>();
  const running = new Map<string, Promise<unknown>>();
  return {
    async once<T>(key: string, effect: () => Promise<T>) {
      for (;;) {
        if (done.has(key)) return { ran: false, value: done.get(key) as T };
        const pending = running.get(key);
        if (pending === undefined) break;
        // Another call runs this key: its outcome decides (done, or free again after a failure).
        await pending.catch(() => undefined);
      }
      const p = effect();
      running.set(key, p);
      try {
        const value = await p;
        done.set(key, value);
        // A Map iterates in insertion order: drop the oldest keys first.
        for (const old of done.keys()) {
          if (done.size <= max) break;
          done.delete(old);
        }
        return { ran: true, value };
      } finally {
        running.delete(key);
      }
    },
  };
}

/** The ledger key of a delivery: its idempotency key within its queue (one key may fan out to several queues). */
export function ledgerKey(delivery: Pick<Delivery, "queue" | "idempotencyKey">): string {
  return `${delivery.queue} ${delivery.idempotencyKey}`;
}

/** Wrap a handler so each idempotency key is handled once per queue and ledger; duplicates are acknowledged without running. */
export function idempotent(ledger: IdempotencyLedger, handler: Handler): Handler {
  return async (delivery: Delivery) => {
    await ledger.once(ledgerKey(delivery), async () => handler(delivery));
  };
}
