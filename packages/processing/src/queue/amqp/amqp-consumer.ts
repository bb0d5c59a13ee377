/**
 * One RabbitMQ consumer: its own channel with `prefetch`, resumed on every
 * reconnection. Outcomes follow the message state machine:
 *
 * - ack: `basic.ack` after the handler resolved;
 * - retry: publish a copy carrying the failed-delivery count and the error
 *   (confirmed), then ack the original. Counting ourselves, rather than
 *   relying on how a broker version counts `nack`-requeues, keeps the count
 *   and the last error exact; a crash between the two steps repeats the
 *   message (at-least-once);
 * - dead: publish to `<queue>.dlq` with the error (confirmed), then ack.
 *
 * Deliveries lost with their channel come back from the broker with
 * `x-delivery-count` raised, which adds to the count.
 */
import type { Channel, ChannelModel, ConsumeMessage } from "amqplib";
import { randomUUID } from "node:crypto";
import { setTimeout } from "node:timers/promises";
import { errorText, reduceMessage, type MessageAction } from "../message-state.js";
import type { ResolvedOptions } from "../options.js";
import type { Consumer, Delivery, Handler, RetryPolicy } from "../transport.js";
import type { ManagedConnection } from "./connection.js";
import { decode, H, numberHeader, publishProperties, stringHeader, type Decoded } from "./envelope.js";
import { confirmPublish, dlqName } from "./topology.js";

/** A channel and whether it is still open (acks on a closed channel are moot: the broker requeued). */
interface Sub {
  readonly ch: Channel;
  open: boolean;
  tag?: string;
}

/** Counts handlers in progress per queue (RabbitMQ reports only ready messages). */
export type InFlightCounter = (queue: string, delta: number) => void;

/** A consumer that survives reconnections. */
export class AmqpConsumer implements Consumer {
  #sub: Sub | undefined;
  #stopped = false;
  /** Cuts retry delays short when the consumer stops. */
  readonly #stopping = new AbortController();
  readonly #running = new Set<Promise<void>>();
  readonly #onUp = (model: ChannelModel) => {
    if (!this.#stopped) this.#subscribe(model).catch((err: unknown) => this.opts.logger.error({ queue: this.queue, err: errorText(err) }, "could not resume a consumer"));
  };

  constructor(
    readonly queue: string,
    private readonly conn: ManagedConnection,
    private readonly handler: Handler,
    private readonly prefetch: number,
    private readonly retry: RetryPolicy,
    private readonly opts: ResolvedOptions,
    private readonly count: InFlightCounter,
  ) {}

  /** Subscribe now and after every reconnection. */
  async start(): Promise<void> {
    await this.#subscribe(await this.conn.model());
    this.conn.on("up", this.#onUp);
  }

  async cancel(): Promise<void> {
    this.#stopped = true;
    this.#stopping.abort();
    this.conn.off("up", this.#onUp);
    const sub = this.#sub;
    if (sub?.open && sub.tag !== undefined) await sub.ch.cancel(sub.tag).catch(() => undefined);
    await Promise.all([...this.#running]);
    if (sub?.open) await sub.ch.close().catch(() => undefined);
  }

  /** Stop without waiting for handlers: closing the channel hands their messages back to the broker. */
  async abandon(): Promise<void> {
    this.#stopped = true;
    this.#stopping.abort();
    this.conn.off("up", this.#onUp);
    const sub = this.#sub;
    if (sub?.open) {
      sub.open = false;
      await sub.ch.close().catch(() => undefined);
    }
  }

  async #subscribe(model: ChannelModel): Promise<void> {
    const ch = await model.createChannel();
    const sub: Sub = { ch, open: true };
    ch.on("error", (err: unknown) => this.opts.logger.warn({ queue: this.queue, err: errorText(err) }, "consumer channel error"));
    ch.on("close", () => (sub.open = false));
    await ch.prefetch(this.prefetch);
    const { consumerTag } = await ch.consume(
      this.queue,
      (msg) => {
        if (msg === null) {
          this.opts.logger.warn({ queue: this.queue }, "RabbitMQ cancelled the consumer (queue deleted?)");
          return;
        }
        const p = this.#handle(sub, msg).finally(() => this.#running.delete(p));
        this.#running.add(p);
      },
      { noAck: false },
    );
    sub.tag = consumerTag;
    this.#sub = sub;
    if (this.#stopped) await this.abandon();
  }

  async #handle(sub: Sub, msg: ConsumeMessage): Promise<void> {
    this.count(this.queue, 1);
    try {
      const headers = msg.properties.headers as Record<string, unknown> | undefined;
      const decoded = decode(msg.content, msg.properties, randomUUID());
      const lastError = stringHeader(headers, H.lastError) || undefined;
      const count = 1 + numberHeader(headers, H.retries) + numberHeader(headers, H.brokerCount);
      const limit = this.opts.deliveryLimit(this.queue);
      if (typeof decoded === "string") {
        await this.#dead(sub, msg, { id: msg.properties.messageId ?? randomUUID(), body: msg.content.toString("base64"), headers: {}, idempotencyKey: "-", publishedAt: Date.now() }, count, decoded);
        return;
      }
      let action: MessageAction;
      let before = count;
      if (count > limit) {
        // The broker redelivered a message whose last allowed delivery was lost: dead, without running it again.
        before = count - 1;
        action = { type: "release", reason: "consumer lost" };
      } else {
        try {
          await this.handler(toDelivery(this.queue, decoded, count, lastError));
          action = { type: "ack" };
        } catch (err) {
          action = { type: "fail", error: errorText(err), retryable: safeRetry(this.retry, err, count) };
        }
      }
      if (!sub.open) return;
      const after = reduceMessage({ state: "in_flight", deliveryCount: before, lastError }, action, limit);
      if (after.state === "acked") sub.ch.ack(msg);
      else if (after.state === "dead") await this.#dead(sub, msg, decoded, before, after.lastError ?? action.type);
      else await this.#again(sub, msg, before, after.lastError);
    } catch (err) {
      this.opts.logger.error({ queue: this.queue, err: errorText(err) }, "could not record a delivery's outcome; the broker redelivers it");
    } finally {
      this.count(this.queue, -1);
    }
  }

  /** Retry: after the delay, a copy that remembers the failed deliveries and the error replaces the original. */
  async #again(sub: Sub, msg: ConsumeMessage, failed: number, lastError: string | undefined): Promise<void> {
    // Held (unacknowledged) for the delay; stopping ends the wait and retries now.
    const delay = this.opts.retryDelayMs(failed);
    if (delay > 0) await setTimeout(delay, undefined, { signal: this.#stopping.signal }).catch(() => undefined);
    if (!sub.open) return;
    const headers: Record<string, unknown> = { ...(msg.properties.headers ?? {}), [H.retries]: failed, [H.lastError]: lastError ?? "" };
    delete headers[H.brokerCount];
    await confirmPublish(this.conn, this.queue, msg.content, { ...copyProperties(msg), headers });
    if (sub.open) sub.ch.ack(msg);
  }

  async #dead(sub: Sub, msg: ConsumeMessage, m: Decoded, deliveries: number, error: string): Promise<void> {
    const headers: Record<string, unknown> = { ...(msg.properties.headers ?? {}), [H.queue]: this.queue, [H.error]: error, [H.deliveries]: deliveries, [H.deadAt]: this.opts.clock.now() };
    delete headers[H.brokerCount];
    await confirmPublish(this.conn, dlqName(this.queue), msg.content, { ...copyProperties(msg), messageId: m.id, headers });
    if (sub.open) sub.ch.ack(msg);
  }
}

/** The properties a copy keeps. */
function copyProperties(msg: ConsumeMessage): Record<string, unknown> {
  const p = msg.properties;
  return publishProperties(String(p.messageId ?? randomUUID()), typeof p.timestamp === "number" ? p.timestamp * 1000 : Date.now(), {});
}

function safeRetry(retry: RetryPolicy, err: unknown, count: number): boolean {
  try {
    return retry(err, count);
  } catch {
    return true;
  }
}

function toDelivery(queue: string, m: Decoded, deliveryCount: number, lastError: string | undefined): Delivery {
  return {
    id: m.id,
    queue,
    body: m.body,
    headers: m.headers,
    idempotencyKey: m.idempotencyKey,
    deliveryCount,
    lastError,
    publishedAt: new Date(m.publishedAt),
  };
}
