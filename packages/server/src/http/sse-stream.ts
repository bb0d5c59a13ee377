/**
 * One server-sent-events connection of change events. Live events that arrive
 * while the stream is still replaying history are buffered and delivered
 * after it, skipping any seq already sent, so a resuming client sees every
 * event once and in order.
 */
import type { ServerResponse } from "node:http";
import type { ChangeEvent } from "../model/entities.js";

// A client this far behind is dropped; it reconnects with Last-Event-ID and catches up from the database.
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** The writer side of one SSE response; the route wires it to the hub and the replay. */
export class SseStream {
  private lastSeq = -1;
  private live = false;
  private pending: ChangeEvent[] = [];
  private closed = false;
  private readonly onCloseCallbacks: Array<() => void> = [];

  constructor(
    private readonly res: ServerResponse,
    private readonly acquisitionId: string | undefined,
  ) {
    res.on("close", () => this.close());
  }

  /** Send the response head and the client's reconnect delay. */
  open(): void {
    this.res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      // Tell reverse proxies (nginx) not to buffer the stream.
      "x-accel-buffering": "no",
    });
    this.res.write("retry: 3000\n: emflow change stream\n\n");
  }

  /** Send history (replay); call `goLive` when done. */
  replay(events: readonly ChangeEvent[]): void {
    for (const e of events) this.write(e);
  }

  /** Called by the hub with newly committed events. */
  push(events: readonly ChangeEvent[]): void {
    if (this.closed) return;
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
    if (!this.closed) this.res.write(": ping\n\n");
  }

  /** Register cleanup to run once when the stream closes (either side). */
  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.onCloseCallbacks.push(fn);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** End the stream (server shutdown, slow client, or client gone). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    if (!this.res.writableEnded) this.res.end();
    for (const fn of this.onCloseCallbacks.splice(0)) fn();
  }

  private write(e: ChangeEvent): void {
    if (this.closed || e.seq <= this.lastSeq) return;
    this.lastSeq = e.seq;
    this.res.write(`id: ${e.seq}\nevent: change\ndata: ${JSON.stringify(e)}\n\n`);
    if (this.res.writableLength > MAX_BUFFERED_BYTES) this.close();
  }
}
