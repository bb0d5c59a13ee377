/**
 * The production work transport: RabbitMQ (AMQP 0-9-1 through amqplib).
 * Durable quorum queues with a delivery limit and a dead-letter queue each,
 * persistent messages, publisher confirms, per-consumer prefetch, and a
 * connection that reconnects by itself (see connection.ts).
 *
 * Without the management plugin RabbitMQ cannot list queues, so `stats()`,
 * `deadLetters()` and `reinject()` without a queue cover the queues this
 * transport has used; and it reports only ready counts, so `inFlight` counts
 * this process's own handlers in progress.
 */
import { TransportError } from "@emflow/core";
import { errorText } from "../message-state.js";
import { resolveOptions, type TransportOptions } from "../options.js";
import type { ConsumeOptions, Consumer, DeadLetter, Handler, OutgoingMessage, PublishOptions, QueueStats, ReinjectSelection, WorkTransport } from "../transport.js";
import { checkConsumeOptions, checkMessage, checkQueueName } from "../validate.js";
import { AmqpConsumer } from "./amqp-consumer.js";
import { ManagedConnection, type ConnectionOptions } from "./connection.js";
import { browseDeadLetters, reinjectFromDlq } from "./dead-letters.js";
import { encode, publishProperties } from "./envelope.js";
import { confirmPublish, declareWorkQueue, dlqName } from "./topology.js";

/** Options of the RabbitMQ transport. */
export interface AmqpTransportOptions extends TransportOptions, Omit<ConnectionOptions, "url" | "logger"> {}

/** Connect to RabbitMQ at `url` (amqp://user:pass@host:5672/vhost); fails at once when it is unreachable. */
export async function openAmqpTransport(url: string, options: AmqpTransportOptions = {}): Promise<WorkTransport> {
  const opts = resolveOptions(options);
  const conn = new ManagedConnection({ ...options, url, logger: opts.logger });
  await conn.start();
  return new AmqpTransport(conn, opts);
}

class AmqpTransport implements WorkTransport {
  readonly kind = "amqp" as const;
  readonly #consumers = new Set<AmqpConsumer>();
  readonly #inFlight = new Map<string, number>();
  #closed = false;

  constructor(
    private readonly conn: ManagedConnection,
    private readonly opts: ReturnType<typeof resolveOptions>,
  ) {}

  async publish(queue: string, message: OutgoingMessage, o: PublishOptions = {}): Promise<string> {
    this.#open();
    checkQueueName(queue);
    const m = checkMessage(queue, message);
    o.signal?.throwIfAborted();
    await this.#declare(queue);
    const now = this.opts.clock.now();
    await confirmPublish(this.conn, queue, encode(m, now), publishProperties(m.id, now, {}));
    return m.id;
  }

  async consume(queue: string, handler: Handler, o: ConsumeOptions = {}): Promise<Consumer> {
    this.#open();
    checkQueueName(queue);
    const prefetch = checkConsumeOptions(queue, o);
    await this.#declare(queue);
    const count = (q: string, delta: number) => this.#inFlight.set(q, (this.#inFlight.get(q) ?? 0) + delta);
    const consumer = new AmqpConsumer(queue, this.conn, handler, prefetch, o.retry ?? (() => true), this.opts, count);
    await this.#wrap(`consume '${queue}'`, () => consumer.start());
    this.#consumers.add(consumer);
    return {
      queue,
      cancel: async () => {
        this.#consumers.delete(consumer);
        await consumer.cancel();
      },
    };
  }

  async deadLetters(queue?: string): Promise<DeadLetter[]> {
    this.#open();
    const queues = await this.#queues(queue);
    return this.#wrap("list dead letters", () => browseDeadLetters(this.conn, queues));
  }

  async reinject(which: ReinjectSelection, o: { readonly queue?: string } = {}): Promise<number> {
    this.#open();
    const queues = await this.#queues(o.queue);
    return this.#wrap("reinject dead letters", () => reinjectFromDlq(this.conn, queues, which));
  }

  async stats(queues?: readonly string[]): Promise<QueueStats[]> {
    this.#open();
    const names = queues === undefined ? this.conn.declared().sort() : queues.map((q) => checkQueueName(q));
    return this.#wrap("read queue stats", () =>
      Promise.all(
        names.map(async (queue) => ({
          queue,
          ready: await this.#ready(queue),
          inFlight: this.#inFlight.get(queue) ?? 0,
          dead: await this.#ready(dlqName(queue)),
        })),
      ),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const consumers = [...this.#consumers];
    this.#consumers.clear();
    await Promise.all(consumers.map((c) => c.abandon()));
    await this.conn.close();
  }

  /** The ready count of a queue (0 when it does not exist). */
  async #ready(queue: string): Promise<number> {
    try {
      return await this.conn.withChannel(async (ch) => (await ch.checkQueue(queue)).messageCount);
    } catch (err) {
      if ((err as { code?: unknown }).code === 404) return 0;
      throw err;
    }
  }

  /** The queues an operation covers: the one named (declared so its DLQ exists), or every queue used so far. */
  async #queues(queue: string | undefined): Promise<string[]> {
    if (queue === undefined) return this.conn.declared();
    checkQueueName(queue);
    await this.#declare(queue);
    return [queue];
  }

  #declare(queue: string): Promise<void> {
    return declareWorkQueue(this.conn, queue, this.opts.deliveryLimit(queue));
  }

  #open(): void {
    if (this.#closed) throw new TransportError("the transport is closed");
  }

  async #wrap<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof TransportError) throw err;
      throw new TransportError(`${what}: ${errorText(err)}`, { cause: err });
    }
  }
}

