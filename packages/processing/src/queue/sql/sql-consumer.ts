/**
 * One consumer of the database transport: a loop that claims up to
 * `prefetch` messages with a lease, runs their handlers concurrently, and
 * turns each outcome into the state machine's next state. Leases are
 * extended while handlers run; a consumer that dies stops extending them,
 * and its messages become claimable again when the lease runs out.
 */
import { randomUUID } from "node:crypto";
import { errorText, reduceMessage, type MessageAction, type MessageStatus } from "../message-state.js";
import type { ResolvedOptions } from "../options.js";
import type { Consumer, Delivery, Handler, RetryPolicy } from "../transport.js";
import { ackMessage, claimMessages, extendLease, killMessage, requeueMessage, type ClaimedRow } from "./statements.js";
import type { QueueSqlClient } from "./sql-client.js";
import { Waker } from "./wakeups.js";

/** Timing of the database transport. */
export interface SqlTiming {
  readonly leaseMs: number;
  readonly pollMs: number;
}

interface InFlight {
  readonly row: ClaimedRow;
  readonly token: string;
  readonly done: Promise<void>;
}

/** A consumer loop on one queue. */
export class SqlConsumer implements Consumer {
  readonly #inFlight = new Map<string, InFlight>();
  readonly #waker = new Waker();
  #stopping = false;
  #abandoned = false;
  #loop: Promise<void> = Promise.resolve();
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(
    readonly queue: string,
    private readonly db: QueueSqlClient,
    private readonly handler: Handler,
    private readonly prefetch: number,
    private readonly retry: RetryPolicy,
    private readonly opts: ResolvedOptions,
    private readonly timing: SqlTiming,
  ) {}

  /** Start claiming. */
  start(): void {
    this.#loop = this.#run();
    this.#heartbeat = setInterval(() => void this.#extendLeases(), Math.max(10, this.timing.leaseMs / 3));
    this.#heartbeat.unref();
  }

  /** A message may be waiting: claim now rather than at the next poll. */
  wake(): void {
    this.#waker.wake();
  }

  async cancel(): Promise<void> {
    this.#stopping = true;
    this.#waker.wake();
    await this.#loop;
    await Promise.all([...this.#inFlight.values()].map((f) => f.done));
    clearInterval(this.#heartbeat);
  }

  /** Stop without waiting for handlers; their messages go back to the queue now. */
  async abandon(): Promise<void> {
    this.#stopping = true;
    this.#abandoned = true;
    clearInterval(this.#heartbeat);
    this.#waker.wake();
    await this.#loop;
    const held = [...this.#inFlight.values()];
    this.#inFlight.clear();
    for (const f of held) {
      await this.#settle(f.row, f.token, { type: "release", reason: "consumer closed" }).catch((err: unknown) =>
        this.opts.logger.warn({ queue: this.queue, id: f.row.id, err: errorText(err) }, "could not release a message on close; it returns when its lease expires"),
      );
    }
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      const free = this.prefetch - this.#inFlight.size;
      let claimed = 0;
      if (free > 0) {
        try {
          const now = this.opts.clock.now();
          const token = randomUUID();
          const rows = await claimMessages(this.db, this.queue, free, now, now + this.timing.leaseMs, token);
          failures = 0;
          claimed = rows.length;
          for (const row of rows) this.#start(row, token);
        } catch (err) {
          failures++;
          this.opts.logger.error({ queue: this.queue, err: errorText(err), failures }, "claiming messages failed; retrying");
          await this.#waker.wait(Math.min(5_000, this.timing.pollMs * 2 ** failures));
          continue;
        }
      }
      // A full batch may mean more are waiting: claim again at once (unless every slot is busy).
      if (claimed > 0 && claimed === free && this.#inFlight.size < this.prefetch) {
        await yieldToEventLoop();
        continue;
      }
      await this.#waker.wait(this.timing.pollMs);
      await yieldToEventLoop();
    }
  }

  #start(row: ClaimedRow, token: string): void {
    if (this.#abandoned) {
      // Claimed while closing: hand it straight back.
      void this.#settle(row, token, { type: "release", reason: "consumer closed" }).catch(() => undefined);
      return;
    }
    const done = this.#handle(row, token).finally(() => {
      this.#inFlight.delete(row.seq);
      this.#waker.wake();
    });
    this.#inFlight.set(row.seq, { row, token, done });
  }

  async #handle(row: ClaimedRow, token: string): Promise<void> {
    try {
      if (row.deliveryCount > this.opts.deliveryLimit(this.queue)) {
        // Its last delivery was lost (a consumer died holding it): dead, without running it again.
        await this.#settle(row, token, { type: "release", reason: "lease expired (consumer lost)" }, row.deliveryCount - 1);
        return;
      }
      let action: MessageAction;
      try {
        await this.handler(toDelivery(this.queue, row));
        action = { type: "ack" };
      } catch (err) {
        action = { type: "fail", error: errorText(err), retryable: safeRetry(this.retry, err, row.deliveryCount) };
      }
      if (this.#abandoned) return;
      await this.#settle(row, token, action);
    } catch (err) {
      this.opts.logger.error({ queue: this.queue, id: row.id, err: errorText(err) }, "could not record a delivery's outcome; it is redelivered when its lease expires");
    }
  }

  /** Apply `action` to a message in flight (with `count` deliveries so far) and write the new state. */
  async #settle(row: ClaimedRow, token: string, action: MessageAction, count = row.deliveryCount): Promise<void> {
    const before: MessageStatus = { state: "in_flight", deliveryCount: count, lastError: row.lastError };
    const limit = this.opts.deliveryLimit(this.queue);
    const after = reduceMessage(before, action, limit);
    const now = this.opts.clock.now();
    let kept: boolean;
    if (after.state === "acked") kept = await ackMessage(this.db, row.seq, token);
    else if (after.state === "dead") kept = await killMessage(this.db, row.seq, token, after.lastError ?? action.type, count, now);
    else {
      const delay = action.type === "fail" ? this.opts.retryDelayMs(count) : 0;
      kept = await requeueMessage(this.db, row.seq, token, now + delay, action.type === "fail" ? after.lastError : undefined);
    }
    if (!kept) this.opts.logger.warn({ queue: this.queue, id: row.id, outcome: after.state }, "lease lost before the outcome was recorded; another consumer has the message");
  }

  async #extendLeases(): Promise<void> {
    const until = this.opts.clock.now() + this.timing.leaseMs;
    for (const f of this.#inFlight.values()) {
      try {
        if (!(await extendLease(this.db, f.row.seq, f.token, until))) {
          this.opts.logger.warn({ queue: this.queue, id: f.row.id }, "lease lost while the handler runs");
        }
      } catch (err) {
        this.opts.logger.warn({ queue: this.queue, id: f.row.id, err: errorText(err) }, "could not extend a lease");
      }
    }
  }
}

/** PGlite answers through microtasks only: without a macrotask per round, a busy consumer would starve timers and I/O. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function safeRetry(retry: RetryPolicy, err: unknown, count: number): boolean {
  try {
    return retry(err, count);
  } catch {
    return true;
  }
}

function toDelivery(queue: string, row: ClaimedRow): Delivery {
  return {
    id: row.id,
    queue,
    body: row.body,
    headers: row.headers,
    idempotencyKey: row.idempotencyKey,
    deliveryCount: row.deliveryCount,
    lastError: row.lastError,
    publishedAt: new Date(row.publishedAt),
  };
}
