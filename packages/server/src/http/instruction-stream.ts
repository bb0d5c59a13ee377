/**
 * One agent's instruction stream (server-sent events). Every trigger (the
 * connection opening, an enqueue for this agent, a heartbeat tick) runs the
 * same flush: ask the store what is open for the agent past the last seq sent
 * (plus overdue unacked ones), write it, record the delivery. Flushes never
 * overlap, so order holds and nothing is sent twice by accident.
 */
import type { ServerResponse } from "node:http";
import type { FastifyBaseLogger } from "fastify";
import type { InstructionRecord, InstructionStore } from "../store/instructions.js";
import { SseConnection } from "./sse-connection.js";

// A client this far behind is dropped; it reconnects with Last-Event-ID and catches up from the database.
const MAX_BUFFERED_BYTES = 1024 * 1024;

/** What a stream needs. */
export interface InstructionStreamOptions {
  readonly res: ServerResponse;
  readonly store: InstructionStore;
  readonly agentId: string;
  /** The client already has everything up to this seq (Last-Event-ID / ?since=). */
  readonly since: number;
  readonly heartbeatMs: number;
  /** Resend a delivered instruction when its ack is this overdue. */
  readonly redeliverAfterMs: number;
  readonly now: () => number;
  readonly log: FastifyBaseLogger;
}

/** The writer side of one agent's SSE response. */
export class InstructionStream extends SseConnection {
  private lastSeq: number;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(private readonly opts: InstructionStreamOptions) {
    super(opts.res, MAX_BUFFERED_BYTES);
    this.lastSeq = opts.since;
  }

  /** Send the head, the reconnect delay and a `ready` event that tells the client the heartbeat period. */
  open(): void {
    const ready = { agentId: this.opts.agentId, heartbeatMs: this.opts.heartbeatMs, since: this.opts.since };
    this.writeHead(`retry: 3000\nevent: ready\ndata: ${JSON.stringify(ready)}\n\n`);
  }

  /** Run a flush now, or right after the one in progress (coalesced). Resolves when done. */
  flush(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.flushOnce();
        } while (this.again && !this.isClosed);
      } catch (err) {
        // The client only sees the stream end; it reconnects and resumes from the database.
        this.opts.log.error({ err, agentId: this.opts.agentId }, "instruction delivery failed; closing the stream");
        this.close();
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** A comment keeps proxies open and proves to the agent that the connection is alive; then flush. */
  heartbeat(): void {
    if (this.isClosed) return;
    this.opts.res.write(": ping\n\n");
    void this.flush();
  }

  private async flushOnce(): Promise<void> {
    const now = this.opts.now();
    const batch = await this.opts.store.deliverable(this.opts.agentId, {
      afterSeq: this.lastSeq,
      redeliverBefore: now - this.opts.redeliverAfterMs,
      now,
    });
    if (this.isClosed || batch.length === 0) return;
    const sent: string[] = [];
    for (const instruction of batch) {
      if (this.isClosed) break;
      this.write(instruction);
      sent.push(instruction.id);
    }
    await this.opts.store.markDelivered(sent, now);
    const redelivered = batch.filter((i) => i.deliveries > 0).map((i) => i.id);
    this.opts.log.info({ agentId: this.opts.agentId, sent: sent.length, redelivered, lastSeq: this.lastSeq }, "instructions sent");
    this.dropIfBehind();
  }

  private write(i: InstructionRecord): void {
    const data = { id: i.id, seq: i.seq, acquisitionId: i.acquisitionId, agentId: i.agentId, kind: i.kind, payload: i.payload, createdAt: i.createdAt, expiresAt: i.expiresAt };
    // A redelivery of an older seq carries no `id:` line, so the client's Last-Event-ID never moves backwards.
    const idLine = i.seq > this.lastSeq ? `id: ${i.seq}\n` : "";
    this.lastSeq = Math.max(this.lastSeq, i.seq);
    this.opts.res.write(`${idLine}event: instruction\ndata: ${JSON.stringify(data)}\n\n`);
  }
}
