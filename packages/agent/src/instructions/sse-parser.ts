/**
 * A server-sent-events parser for fetch's byte stream (the agent carries no
 * EventSource library): lines end in LF, CRLF or CR, `data:` lines join with
 * LF, a blank line dispatches, `:` lines are comments (heartbeats).
 */

/** One dispatched event. `id` is set only when the event carried an `id:` line. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
  readonly id: string | undefined;
}

/** What the parser reports. */
export interface SseSink {
  event(e: SseEvent): void;
  comment?(text: string): void;
  retry?(ms: number): void;
}

/** Incremental parser: feed it chunks as they arrive; events are reported as they complete. */
export class SseParser {
  private readonly decoder = new TextDecoder();
  private buffer = "";
  private dataLines: string[] = [];
  private eventName = "";
  private id: string | undefined;
  private hasData = false;
  // A chunk that ended in CR: an LF at the start of the next one belongs to the same line ending.
  private skipLf = false;

  constructor(private readonly sink: SseSink) {}

  /** Feed bytes (or text) from the stream. */
  push(chunk: Uint8Array | string): void {
    let text = typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    if (this.skipLf && text.startsWith("\n")) text = text.slice(1);
    this.skipLf = false;
    this.buffer += text;
    let start = 0;
    for (;;) {
      const cr = this.buffer.indexOf("\r", start);
      const lf = this.buffer.indexOf("\n", start);
      if (cr < 0 && lf < 0) break;
      const end = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
      this.line(this.buffer.slice(start, end));
      if (this.buffer[end] === "\r") {
        if (end + 1 < this.buffer.length) start = this.buffer[end + 1] === "\n" ? end + 2 : end + 1;
        else {
          this.skipLf = true;
          start = end + 1;
        }
      } else start = end + 1;
    }
    this.buffer = this.buffer.slice(start);
  }

  private line(line: string): void {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return this.sink.comment?.(line.slice(1).trimStart());
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") {
      this.dataLines.push(value);
      this.hasData = true;
    } else if (field === "event") this.eventName = value;
    else if (field === "id" && !value.includes("\0")) this.id = value;
    else if (field === "retry" && /^\d+$/.test(value)) this.sink.retry?.(Number(value));
  }

  private dispatch(): void {
    if (this.hasData) this.sink.event({ event: this.eventName === "" ? "message" : this.eventName, data: this.dataLines.join("\n"), id: this.id });
    this.dataLines = [];
    this.eventName = "";
    this.id = undefined;
    this.hasData = false;
  }
}
