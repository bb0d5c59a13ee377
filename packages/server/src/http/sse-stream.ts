/**
 * One server-sent-events connection of change events. Live events that arrive
 * while the stream is still replaying history are buffered and delivered
 * after it, skipping any seq already sent, so a resuming client sees every
 * event once and in order.
 */
import type { ServerResponse } from "node:http";
import type { ChangeEvent } from "../model/entities.js";
import { SseConnection } from "./sse-connection.js";

// A client this far behind is dropped; it reconnects with Last-Event-ID and catches up from the database.
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** The writer side of one SSE response; the route wires it to the hub and the replay. */
export class SseStream extends SseConnection {
  private lastSeq = -1;
  private live = false;
  private pending: ChangeEvent[] = [];

  constructor(
    res: ServerResponse,
    private readonly acquisitionId: string | undefined,
  ) {
    super(res, MAX_BUFFERED_BYTES);
  }

  /** Send the response head and the client's reconnect delay. */
  open(): void {
    this.writeHead("retry: 3000\n: emflow change stream\n\n");
  }

  /** Send history (replay); call `goLive` when done. */
  replay(events: readonly ChangeEvent[]): void {
    for (const e of events) this.write(e);
  }

  /** Called by the hub with newly committed events. */
  push(events: readonly ChangeEvent[]): void {
    if (this.isClosed) return;
    for (const e of events) {
      if (this.acquisitionId !== undefined && e.acquisitionId !== this.acquisitionId) continue;
      if (this.live) this.write(e);
      else this.pending.push(e);
    }
  }

  /** Stop buffering: flush what arrived during the replay and deliver live from now on. */
  goLive(): void {
    this.live = true;
    const pending = this.pending;
    this.pending = [];
    for (const e of pending) this.write(e);
  }

  /** A comment line keeps proxies and the client's idle timers from closing the connection. */
  heartbeat(): void {
    if (!this.isClosed) this.res.write(": ping\n\n");
  }

  protected override onClosing(): void {
    this.pending = [];
  }

  private write(e: ChangeEvent): void {
    if (this.isClosed || e.seq <= this.lastSeq) return;
    this.lastSeq = e.seq;
    this.res.write(`id: ${e.seq}\nevent: change\ndata: ${JSON.stringify(e)}\n\n`);
    this.dropIfBehind();
  }
}
