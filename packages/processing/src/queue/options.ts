/**
 * Settings both adapters share: delivery limits, retry delays, the clock and
 * the logger. Policies are data (a number or a function), time is injected.
 */
import { checkDeliveryLimit } from "./validate.js";

/** Milliseconds since the epoch; injected so tests can move time. */
export interface Clock {
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };

type LogFn = (fields: Record<string, unknown>, message: string) => void;

/** The logging surface the transports use (a pino logger fits). */
export interface QueueLogger {
  debug: LogFn;
  warn: LogFn;
  error: LogFn;
}

/** Logs nothing. */
export const silentLogger: QueueLogger = { debug: () => {}, warn: () => {}, error: () => {} };

/** Options every adapter takes. */
export interface TransportOptions {
  /** Deliveries allowed per message before it is dead-lettered (default 5), for all queues or per queue. */
  readonly deliveryLimit?: number | ((queue: string) => number);
  /** Wait before a failed message is delivered again, from the delivery count that failed (default: 250 ms doubling, capped at 30 s). */
  readonly retryDelayMs?: number | ((deliveryCount: number) => number);
  readonly clock?: Clock;
  readonly logger?: QueueLogger;
}

/** Default deliveries per message. */
export const DEFAULT_DELIVERY_LIMIT = 5;

/** Capped exponential backoff: `base · 2^(attempt-1)`, at most `max`. */
export function cappedBackoff(attempt: number, baseMs = 250, maxMs = 30_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/** The options with their defaults filled in. */
export interface ResolvedOptions {
  deliveryLimit(queue: string): number;
  retryDelayMs(deliveryCount: number): number;
  readonly clock: Clock;
  readonly logger: QueueLogger;
}

/** Fill in defaults and validate as values are asked for. */
export function resolveOptions(opts: TransportOptions): ResolvedOptions {
  const limit = opts.deliveryLimit ?? DEFAULT_DELIVERY_LIMIT;
  const delay = opts.retryDelayMs ?? ((n: number) => cappedBackoff(n));
  return {
    deliveryLimit: (queue) => checkDeliveryLimit(queue, typeof limit === "number" ? limit : limit(queue)),
    retryDelayMs: (n) => Math.max(0, typeof delay === "number" ? delay : delay(n)),
    clock: opts.clock ?? systemClock,
    logger: opts.logger ?? silentLogger,
  };
}
