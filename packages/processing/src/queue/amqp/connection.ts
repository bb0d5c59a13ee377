/**
 * A RabbitMQ connection that comes back: when the broker or the network
 * drops it, reconnect with capped exponential backoff, re-declare the queues
 * this process uses and tell the consumers to resume. Callers that need the
 * connection while it is down wait for it (up to a limit).
 */
import { EventEmitter } from "node:events";
import amqp, { type Channel, type ChannelModel, type ConfirmChannel } from "amqplib";
import { TransportError } from "@emflow/core";
import { cappedBackoff, type QueueLogger } from "../options.js";
import { errorText } from "../message-state.js";

/** How to connect and reconnect. */
export interface ConnectionOptions {
  readonly url: string;
  /** Opens a connection (default amqplib's `connect`); injectable for tests. */
  readonly connect?: (url: string) => Promise<ChannelModel>;
  /** First and longest wait between reconnection attempts (default 100 ms, 10 s). */
  readonly reconnectBaseMs?: number;
  readonly reconnectMaxMs?: number;
  /** How long an operation waits for a lost connection to come back (default 30 s). */
  readonly waitMs?: number;
  readonly logger: QueueLogger;
}

/**
 * One managed connection. Emits "up" (with the new ChannelModel) after every
 * successful (re)connection, once the declared queues exist again.
 */
export class ManagedConnection extends EventEmitter {
  #model: ChannelModel | undefined;
  #publisher: Promise<ConfirmChannel> | undefined;
  #closing = false;
  #timer: NodeJS.Timeout | undefined;
  /** Declarations to replay on every new connection, by queue. */
  readonly #topology = new Map<string, (ch: Channel) => Promise<void>>();

  constructor(private readonly opts: ConnectionOptions) {
    super();
    this.setMaxListeners(0);
  }

  /** Connect the first time; an unreachable broker is an error here, not a retry loop. */
  async start(): Promise<void> {
    try {
      await this.#connect();
    } catch (err) {
      throw new TransportError(`cannot connect to RabbitMQ at ${redact(this.opts.url)}: ${errorText(err)}`, { cause: err });
    }
  }

  /** The live connection, waiting for a reconnection when it is down. */
  async model(): Promise<ChannelModel> {
    if (this.#closing) throw new TransportError("the transport is closed");
    if (this.#model) return this.#model;
    const waitMs = this.opts.waitMs ?? 30_000;
    return new Promise<ChannelModel>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.off("up", up);
        this.off("closing", closing);
      };
      const up = (model: ChannelModel) => {
        done();
        resolve(model);
      };
      const closing = () => {
        done();
        reject(new TransportError("the transport is closed"));
      };
      const timer = setTimeout(() => {
        done();
        reject(new TransportError(`RabbitMQ at ${redact(this.opts.url)} unreachable for ${waitMs} ms`));
      }, waitMs);
      this.on("up", up);
      this.on("closing", closing);
    });
  }

  /** The shared confirm channel for publishing (re-created after a channel or connection error). */
  async publisher(): Promise<ConfirmChannel> {
    const model = await this.model();
    if (this.#publisher === undefined) {
      const p = model.createConfirmChannel().then((ch) => {
        ch.on("error", () => undefined);
        ch.on("close", () => {
          if (this.#publisher === p) this.#publisher = undefined;
        });
        return ch;
      });
      this.#publisher = p;
      p.catch(() => {
        if (this.#publisher === p) this.#publisher = undefined;
      });
    }
    return this.#publisher;
  }

  /** Run `fn` on a short-lived channel (declarations, checks, browsing): a channel error stays local to it. */
  async withChannel<T>(fn: (ch: ConfirmChannel) => Promise<T>): Promise<T> {
    const model = await this.model();
    const ch = await model.createConfirmChannel();
    let closed = false;
    ch.on("error", () => undefined);
    ch.on("close", () => (closed = true));
    try {
      return await fn(ch);
    } finally {
      if (!closed) await ch.close().catch(() => undefined);
    }
  }

  /** Declare `queue` now and after every reconnection; `declare` must be idempotent. */
  async declare(queue: string, declare: (ch: Channel) => Promise<void>): Promise<void> {
    if (this.#topology.has(queue)) return;
    await this.withChannel(declare);
    this.#topology.set(queue, declare);
  }

  /** Queues declared through this connection. */
  declared(): string[] {
    return [...this.#topology.keys()];
  }

  /** Close for good. */
  async close(): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#timer);
    const model = this.#model;
    this.#model = undefined;
    this.emit("closing");
    if (model) await model.close().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    const model = await (this.opts.connect ?? amqp.connect)(this.opts.url);
    model.on("error", (err: unknown) => this.opts.logger.warn({ err: errorText(err) }, "RabbitMQ connection error"));
    model.on("close", () => this.#lost(model));
    for (const [queue, declare] of this.#topology) {
      const ch = await model.createChannel();
      ch.on("error", () => undefined);
      try {
        await declare(ch);
      } catch (err) {
        this.opts.logger.error({ queue, err: errorText(err) }, "could not re-declare a queue after reconnecting");
      } finally {
        await ch.close().catch(() => undefined);
      }
    }
    if (this.#closing) {
      await model.close().catch(() => undefined);
      return;
    }
    this.#model = model;
    this.#publisher = undefined;
    this.emit("up", model);
  }

  #lost(model: ChannelModel): void {
    if (this.#model !== model) return;
    this.#model = undefined;
    this.#publisher = undefined;
    if (this.#closing) return;
    this.opts.logger.warn({ url: redact(this.opts.url) }, "RabbitMQ connection lost; reconnecting");
    this.emit("down");
    this.#retry(1);
  }

  #retry(attempt: number): void {
    const delay = cappedBackoff(attempt, this.opts.reconnectBaseMs ?? 100, this.opts.reconnectMaxMs ?? 10_000);
    this.#timer = setTimeout(() => {
      if (this.#closing) return;
      this.#connect().catch((err: unknown) => {
        this.opts.logger.warn({ attempt, err: errorText(err) }, "RabbitMQ reconnection failed");
        this.#retry(attempt + 1);
      });
    }, delay);
  }
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}
