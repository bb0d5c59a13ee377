/**
 * One EventSource on /api/v1/events for the whole page. Events are handed to
 * subscribers in batches (at most every `flushMs`), so a busy session costs a
 * few renders a second, not one per event. The browser reconnects by itself
 * and resumes with Last-Event-ID.
 */
import type { ChangeEvent } from "./types.js";

export type LiveStatus = "connecting" | "live" | "reconnecting";
type Listener = (events: readonly ChangeEvent[]) => void;

/** The page's change-event stream. */
export class LiveEvents {
  private source: EventSource | undefined;
  private readonly listeners = new Set<Listener>();
  private readonly statusListeners = new Set<(s: LiveStatus) => void>();
  private buffer: ChangeEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  status: LiveStatus = "connecting";
  /** Events received since the page opened (shown in the header). */
  received = 0;

  constructor(
    private readonly url = "/api/v1/events",
    private readonly flushMs = 300,
  ) {}

  /** Open the stream (idempotent). */
  start(): void {
    if (this.source !== undefined) return;
    const es = new EventSource(this.url);
    this.source = es;
    es.addEventListener("open", () => this.setStatus("live"));
    es.addEventListener("error", () => this.setStatus(es.readyState === EventSource.CLOSED ? "reconnecting" : "connecting"));
    es.addEventListener("change", (e) => {
      try {
        this.buffer.push(JSON.parse((e as MessageEvent<string>).data) as ChangeEvent);
        this.received++;
      } catch {
        return;
      }
      this.timer ??= setTimeout(() => this.flush(), this.flushMs);
    });
    // EventSource gives up after a fatal error (e.g. a 5xx); retry ourselves then.
    es.addEventListener("error", () => {
      if (es.readyState !== EventSource.CLOSED) return;
      this.source = undefined;
      setTimeout(() => this.start(), 3000);
    });
  }

  /** Receive batches of events; returns the unsubscribe function. */
  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Follow the connection state; returns the unsubscribe function. */
  onStatus(fn: (s: LiveStatus) => void): () => void {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  }

  private setStatus(s: LiveStatus): void {
    this.status = s;
    for (const fn of this.statusListeners) fn(s);
  }

  private flush(): void {
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    for (const fn of this.listeners) fn(batch);
  }
}

/** The page's one stream. */
export const live = new LiveEvents();
