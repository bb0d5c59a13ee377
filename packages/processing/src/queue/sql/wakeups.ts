/**
 * In-process wake-ups: a publish wakes the consumers of its queue at once,
 * instead of at their next poll. Keyed by the SQL client, so every transport
 * on one database in this process shares them. Other processes (PostgreSQL)
 * see new messages at their next poll; LISTEN/NOTIFY would not help PGlite,
 * where it does not cross connections.
 */
import { EventEmitter } from "node:events";

const buses = new WeakMap<object, EventEmitter>();

/** The wake-up bus of a database client. */
export function wakeBus(client: object): EventEmitter {
  let bus = buses.get(client);
  if (bus === undefined) {
    bus = new EventEmitter();
    bus.setMaxListeners(0);
    buses.set(client, bus);
  }
  return bus;
}

/**
 * A wait that ends on `wake()` or after `ms`. A wake that comes while nobody
 * waits is remembered, so none is lost between a check and the wait.
 */
export class Waker {
  #pending = false;
  #resolve: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;

  /** End the current wait (or the next one). */
  wake(): void {
    if (this.#resolve === undefined) {
      this.#pending = true;
      return;
    }
    this.#finish();
  }

  /** Wait for a wake-up or `ms`, whichever is first. */
  wait(ms: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#resolve = resolve;
      this.#timer = setTimeout(() => this.#finish(), ms);
    });
  }

  #finish(): void {
    clearTimeout(this.#timer);
    const resolve = this.#resolve;
    this.#resolve = undefined;
    this.#timer = undefined;
    resolve?.();
  }
}
