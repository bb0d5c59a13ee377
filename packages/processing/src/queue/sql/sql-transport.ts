/**
 * The embedded work transport: a durable job table in emflow's own database
 * (PGlite by default, PostgreSQL in production). Consumers claim with
 * `FOR UPDATE SKIP LOCKED` and a lease (visibility timeout); publishes wake
 * consumers in this process at once, and everyone polls (default 200 ms) for
 * work published elsewhere, retry delays running out and expired leases.
 */
import { TransportError } from "@emflow/core";
import { resolveOptions, type TransportOptions } from "../options.js";
import type { ConsumeOptions, Consumer, DeadLetter, Handler, OutgoingMessage, PublishOptions, QueueStats, ReinjectSelection, WorkTransport } from "../transport.js";
import { checkConsumeOptions, checkMessage, checkQueueName } from "../validate.js";
import { migrateQueueTables } from "./schema.js";
import type { QueueSqlClient } from "./sql-client.js";
import { SqlConsumer } from "./sql-consumer.js";
import { insertMessage, listDeadLetters, queueStats, reinjectDeadLetters } from "./statements.js";
import { wakeBus } from "./wakeups.js";

/** Options of the database transport. */
export interface SqlTransportOptions extends TransportOptions {
  /** How long a delivery is reserved for its consumer without a heartbeat (default 30 s; extended every third of it while the handler runs). */
  readonly leaseMs?: number;
  /** How often idle consumers look for work from other processes (default 200 ms). */
  readonly pollMs?: number;
}

/**
 * Open the database transport on `db` (creating its `queue_` tables if
 * needed). The transport does not own `db`: `close()` leaves it open.
 */
export async function openSqlTransport(db: QueueSqlClient, options: SqlTransportOptions = {}): Promise<WorkTransport> {
  try {
    await migrateQueueTables(db);
  } catch (err) {
    throw new TransportError(`could not create the queue tables: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return new SqlTransport(db, options);
}

class SqlTransport implements WorkTransport {
  readonly kind = "sql" as const;
  readonly #opts;
  readonly #timing;
  readonly #bus;
  /** Each consumer with its wake-up listener. */
  readonly #consumers = new Map<SqlConsumer, (queue: string) => void>();
  #closed = false;

  constructor(
    private readonly db: QueueSqlClient,
    options: SqlTransportOptions,
  ) {
    this.#opts = resolveOptions(options);
    this.#timing = { leaseMs: options.leaseMs ?? 30_000, pollMs: options.pollMs ?? 200 };
    this.#bus = wakeBus(db);
  }

  async publish(queue: string, message: OutgoingMessage, opts: PublishOptions = {}): Promise<string> {
    this.#open();
    checkQueueName(queue);
    const m = checkMessage(queue, message);
    opts.signal?.throwIfAborted();
    await this.#sql(`publish to '${queue}'`, () => insertMessage(this.db, queue, m, this.#opts.clock.now()));
    this.#bus.emit("publish", queue);
    return m.id;
  }

  async consume(queue: string, handler: Handler, opts: ConsumeOptions = {}): Promise<Consumer> {
    this.#open();
    checkQueueName(queue);
    const prefetch = checkConsumeOptions(queue, opts);
    this.#opts.deliveryLimit(queue);
    const consumer = new SqlConsumer(queue, this.db, handler, prefetch, opts.retry ?? (() => true), this.#opts, this.#timing);
    const onPublish = (q: string) => {
      if (q === queue) consumer.wake();
    };
    this.#bus.on("publish", onPublish);
    this.#consumers.set(consumer, onPublish);
    consumer.start();
    return {
      queue,
      cancel: async () => {
        this.#bus.off("publish", onPublish);
        this.#consumers.delete(consumer);
        await consumer.cancel();
      },
    };
  }

  deadLetters(queue?: string): Promise<DeadLetter[]> {
    this.#open();
    if (queue !== undefined) checkQueueName(queue);
    return this.#sql("list dead letters", () => listDeadLetters(this.db, queue));
  }

  async reinject(which: ReinjectSelection, opts: { readonly queue?: string } = {}): Promise<number> {
    this.#open();
    if (opts.queue !== undefined) checkQueueName(opts.queue);
    const queues = await this.#sql("reinject dead letters", () => reinjectDeadLetters(this.db, which, opts.queue, this.#opts.clock.now()));
    for (const q of new Set(queues)) this.#bus.emit("publish", q);
    return queues.length;
  }

  async stats(queues?: readonly string[]): Promise<QueueStats[]> {
    this.#open();
    for (const q of queues ?? []) checkQueueName(q);
    const all = await this.#sql("read queue stats", () => queueStats(this.db, this.#opts.clock.now()));
    if (queues === undefined) return all;
    return queues.map((q) => all.find((s) => s.queue === q) ?? { queue: q, ready: 0, inFlight: 0, dead: 0 });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const consumers = [...this.#consumers.keys()];
    for (const listener of this.#consumers.values()) this.#bus.off("publish", listener);
    this.#consumers.clear();
    await Promise.all(consumers.map((c) => c.abandon()));
  }

  #open(): void {
    if (this.#closed) throw new TransportError("the transport is closed");
  }

  async #sql<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new TransportError(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
}
