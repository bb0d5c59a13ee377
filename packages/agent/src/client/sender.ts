/**
 * Drains the outbox to the server: the oldest batch first, retried with
 * capped exponential backoff while the server is away, acknowledged only
 * after the server stored it. A batch refused for good goes to dead/.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { MAX_BATCH_ITEMS } from "@emflow/core";
import type { Outbox } from "../outbox/outbox.js";
import { SendError, type IngestClient } from "./ingest-client.js";

/** Retry policy as data: delay for attempt n (1-based), capped. */
export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export interface SenderOptions {
  readonly outbox: Outbox;
  readonly client: IngestClient;
  readonly agentId: string;
  readonly batchItems?: number;
  readonly backoff?: Backoff;
  readonly log?: Logger;
  /** Injected for tests; resolves after ms or rejects when aborted. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Counters for status lines and tests. */
export interface SenderStats {
  batchesSent: number;
  itemsSent: number;
  retries: number;
  deadLettered: number;
  lastError: string | undefined;
  connected: boolean;
}

/** Abortable sleep. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** The loop described above. `run()` returns when the signal aborts. */
export class Sender {
  readonly stats: SenderStats = { batchesSent: 0, itemsSent: 0, retries: 0, deadLettered: 0, lastError: undefined, connected: false };
  private wake: (() => void) | undefined;

  constructor(private readonly opts: SenderOptions) {
    opts.outbox.onAppend(() => this.wake?.());
  }

  /** Send until aborted. */
  async run(signal: AbortSignal): Promise<void> {
    const sleep = this.opts.sleep ?? abortableSleep;
    const backoff = this.opts.backoff ?? { initialMs: 250, maxMs: 30_000 };
    let attempt = 0;
    let batchId = randomUUID();
    while (!signal.aborted) {
      const batch = this.opts.outbox.peek(this.opts.batchItems ?? MAX_BATCH_ITEMS);
      if (batch === undefined) {
        await new Promise<void>((resolve) => {
          const onAbort = (): void => resolve();
          this.wake = () => {
            signal.removeEventListener("abort", onAbort);
            resolve();
          };
          signal.addEventListener("abort", onAbort, { once: true });
        });
        this.wake = undefined;
        continue;
      }
      try {
        const t = performance.now();
        await this.opts.client.send({ batchId, agentId: this.opts.agentId, session: batch.session, items: batch.items }, signal);
        await this.opts.outbox.ack(batch.toSeq);
        this.opts.log?.debug({ items: batch.items.length, records: batch.toSeq - batch.fromSeq + 1, ms: Math.round(performance.now() - t) }, "batch sent");
        this.stats.batchesSent++;
        this.stats.itemsSent += batch.items.length;
        this.stats.connected = true;
        if (attempt > 0) this.opts.log?.info({ attempts: attempt + 1 }, "server reachable again; sending resumed");
        attempt = 0;
        batchId = randomUUID();
      } catch (err) {
        if (signal.aborted) return;
        const e = err instanceof SendError ? err : new SendError(String(err), true);
        this.stats.lastError = e.message;
        if (!e.retryable) {
          const file = await this.opts.outbox.deadLetter(batch, e.message);
          this.stats.deadLettered++;
          this.opts.log?.error({ file, seq: [batch.fromSeq, batch.toSeq] }, `batch refused by the server, kept in ${file}: ${e.message}`);
          attempt = 0;
          batchId = randomUUID();
          continue;
        }
        this.stats.connected = false;
        this.stats.retries++;
        attempt++;
        const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt - 1, 20));
        if (attempt === 1 || attempt % 10 === 0) this.opts.log?.warn({ attempt, retryInMs: delay }, e.message);
        await sleep(delay, signal).catch(() => undefined);
      }
    }
  }

  /** Wait until everything appended so far is acknowledged (or the signal aborts). */
  async drained(signal: AbortSignal, pollMs = 50): Promise<void> {
    while (!signal.aborted && this.opts.outbox.pendingRecords > 0) await abortableSleep(pollMs, signal).catch(() => undefined);
  }
}
