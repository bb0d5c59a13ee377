/**
 * The part every server-sent-events response shares: the head, the close
 * lifecycle (either side, once), cleanup callbacks, and a cap on how far a
 * client may fall behind before it is dropped (it reconnects and resumes).
 */
import type { ServerResponse } from "node:http";

/** One SSE response; subclasses write their events through `res`. */
export class SseConnection {
  private closed = false;
  private readonly onCloseCallbacks: Array<() => void> = [];

  constructor(
    protected readonly res: ServerResponse,
    private readonly maxBufferedBytes: number,
  ) {
    res.on("close", () => this.close());
  }

  /** Send the response head, then `preamble` (e.g. the client's reconnect delay). */
  protected writeHead(preamble: string): void {
    this.res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      // Tell reverse proxies (nginx) not to buffer the stream.
      "x-accel-buffering": "no",
    });
    this.res.write(preamble);
  }

  /** Drop a client that stopped reading; true when it was dropped. */
  protected dropIfBehind(): boolean {
    if (this.res.writableLength <= this.maxBufferedBytes) return false;
    this.close();
    return true;
  }

  /** Hook for subclasses: release what they hold when the stream closes. */
  protected onClosing(): void {}

  /** Register cleanup to run once when the stream closes (either side). */
  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.onCloseCallbacks.push(fn);
  }

  /** Whether the stream has ended. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** End the stream (server shutdown, slow client, or client gone). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClosing();
    if (!this.res.writableEnded) this.res.end();
    for (const fn of this.onCloseCallbacks.splice(0)) fn();
  }
}
