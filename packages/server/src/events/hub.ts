/**
 * In-process fan-out of committed change events to live SSE streams. Fed by
 * successful ingests of this process; several server processes on one
 * PostgreSQL would need LISTEN/NOTIFY here (not done yet, see docs/SERVER.md).
 */
import type { ChangeEvent } from "../model/entities.js";

/** Receives each committed batch's events, in seq order. */
export type ChangeListener = (events: readonly ChangeEvent[]) => void;

/** Publish/subscribe for change events. Listeners must not throw; one that does is isolated. */
export class ChangeHub {
  private readonly listeners = new Set<ChangeListener>();

  /** Register `listener`; returns the function that removes it. */
  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Deliver events (in seq order) to every listener. */
  publish(events: readonly ChangeEvent[]): void {
    if (events.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(events);
      } catch {
        // A broken stream must not stop delivery to the others; its own close handler cleans it up.
      }
    }
  }

  /** Number of live subscribers (for tests and health). */
  get size(): number {
    return this.listeners.size;
  }
}
