/**
 * The work-queue port: durable, at-least-once queues that processing services
 * consume. Two adapters implement it (a job table in emflow's own database,
 * and RabbitMQ); both run the one contract suite in `transport.contract.ts`.
 *
 * Delivery is at-least-once. A message is acknowledged only after its handler
 * resolved, and a handler publishes its outputs before it resolves, so a crash
 * anywhere repeats work rather than losing it. Consumers must therefore be
 * idempotent: the same message (same `idempotencyKey`) can arrive twice, e.g.
 * after a consumer died between finishing the work and the acknowledgement,
 * or after a lease ran out. `idempotency.ts` has a small helper for that.
 */

/** A JSON value: what a message body may contain. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Message headers: flat, JSON-safe scalars. */
export type MessageHeaders = Readonly<Record<string, string | number | boolean>>;

/** What a publisher hands the transport. */
export interface OutgoingMessage {
  /** Must survive `JSON.stringify` unchanged (no functions, undefined, NaN, Dates, cycles, class instances). */
  readonly body: unknown;
  readonly headers?: MessageHeaders;
  /** Transport-unique message id; a random UUID when omitted. */
  readonly id?: string;
  /** What consumers deduplicate on; defaults to the message id. Give the same key to messages that mean the same work. */
  readonly idempotencyKey?: string;
}

/** Options of one publish. */
export interface PublishOptions {
  readonly signal?: AbortSignal;
}

/** One delivery of a message to a handler. */
export interface Delivery {
  readonly id: string;
  readonly queue: string;
  readonly body: Json;
  readonly headers: MessageHeaders;
  readonly idempotencyKey: string;
  /** 1 on the first delivery; counts every delivery, failed or lost. */
  readonly deliveryCount: number;
  /** Error of the previous failed delivery, when there was one. */
  readonly lastError: string | undefined;
  readonly publishedAt: Date;
}

/**
 * Processes one delivery. Resolve = done (the message is acknowledged);
 * throw = failed (retried up to the queue's delivery limit, then dead-lettered).
 */
export type Handler = (delivery: Delivery) => Promise<void> | void;

/** Retry policy as data: may a delivery that failed with `error` be retried? (Still bounded by the delivery limit.) */
export type RetryPolicy = (error: unknown, deliveryCount: number) => boolean;

/** Options of one consumer. */
export interface ConsumeOptions {
  /** Most deliveries handled at once by this consumer (default 1). */
  readonly prefetch?: number;
  /** Default: retry every failure until the delivery limit. */
  readonly retry?: RetryPolicy;
}

/** A running consumer. */
export interface Consumer {
  readonly queue: string;
  /** Stop taking new messages and wait for the handlers in progress to finish (and be acknowledged). */
  cancel(): Promise<void>;
}

/** A message that exhausted its deliveries (or was refused for good). */
export interface DeadLetter {
  readonly id: string;
  /** The work queue it came from (where `reinject` puts it back). */
  readonly queue: string;
  readonly body: Json;
  readonly headers: MessageHeaders;
  readonly idempotencyKey: string;
  readonly deliveryCount: number;
  /** Why it died: the last handler error, or what the transport saw. */
  readonly error: string;
  readonly deadAt: Date;
}

/** The backlog of one queue. */
export interface QueueStats {
  readonly queue: string;
  /** Waiting to be delivered (including messages waiting out a retry delay). */
  readonly ready: number;
  /** Delivered and not yet acknowledged. */
  readonly inFlight: number;
  /** In the dead-letter queue. */
  readonly dead: number;
}

/** Which dead letters to reinject. */
export type ReinjectSelection = readonly string[] | "all";

/** The work-queue port. */
export interface WorkTransport {
  readonly kind: "sql" | "amqp";
  /** Publish durably; resolves once the message is stored (committed / confirmed). Returns the message id. */
  publish(queue: string, message: OutgoingMessage, opts?: PublishOptions): Promise<string>;
  /** Start consuming `queue`; the returned consumer runs until cancelled or the transport closes. */
  consume(queue: string, handler: Handler, opts?: ConsumeOptions): Promise<Consumer>;
  /** Dead letters of `queue`, or of every queue this transport knows. */
  deadLetters(queue?: string): Promise<DeadLetter[]>;
  /** Move dead letters back to their queue with a fresh delivery count; returns how many moved. */
  reinject(which: ReinjectSelection, opts?: { readonly queue?: string }): Promise<number>;
  /** Backlog per queue (every queue this transport knows, or the ones asked for). */
  stats(queues?: readonly string[]): Promise<QueueStats[]>;
  /**
   * Stop all consumers and release the connection. Deliveries whose handlers
   * have not resolved are not acknowledged: they go back to their queue.
   */
  close(): Promise<void>;
}
