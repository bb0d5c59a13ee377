/**
 * The RabbitMQ objects behind one work queue, and publishing with confirms.
 *
 * Each work queue `q` is a durable quorum queue whose `x-delivery-limit`
 * dead-letters (through the default exchange) to a durable classic queue
 * `q.dlq`. The transport counts deliveries and dead-letters failed messages
 * itself, with their error; the broker's limit is the backstop for messages
 * whose consumers keep dying before they can report anything. The DLQ is a
 * classic queue so that browsing it (get, then requeue) never counts against
 * a delivery limit of its own.
 */
import type { Channel, ConfirmChannel } from "amqplib";
import { TransportError } from "@emflow/core";
import type { ManagedConnection } from "./connection.js";

/** The dead-letter queue of a work queue. */
export function dlqName(queue: string): string {
  return `${queue}.dlq`;
}

/** Declare a work queue and its DLQ (now and after every reconnection). */
export async function declareWorkQueue(conn: ManagedConnection, queue: string, deliveryLimit: number): Promise<void> {
  try {
    await conn.declare(queue, async (ch: Channel) => {
      await ch.assertQueue(dlqName(queue), { durable: true });
      await ch.assertQueue(queue, {
        durable: true,
        arguments: {
          "x-queue-type": "quorum",
          "x-delivery-limit": deliveryLimit,
          "x-dead-letter-exchange": "",
          "x-dead-letter-routing-key": dlqName(queue),
        },
      });
    });
  } catch (err) {
    if (err instanceof TransportError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    const hint = message.includes("PRECONDITION_FAILED") ? " (it exists with other arguments, e.g. another delivery limit: delete it or change it with a policy)" : "";
    throw new TransportError(`cannot declare queue '${queue}'${hint}: ${message}`, { cause: err });
  }
}

/** Why a publish attempt did not end in a confirm. */
class ChannelLost extends Error {}

/**
 * Publish to `queue` through the default exchange and wait for the broker's
 * confirm. When the channel dies first (connection lost), publish again on
 * the next connection: the broker may then hold the message twice, which
 * at-least-once delivery allows. A broker `nack` is an error at once.
 */
export async function confirmPublish(conn: ManagedConnection, queue: string, content: Buffer, props: Record<string, unknown>, attempts = 5): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const ch = await conn.publisher();
      await publishOnce(ch, queue, content, props);
      return;
    } catch (err) {
      if (!(err instanceof ChannelLost) || attempt >= attempts) {
        if (err instanceof TransportError) throw err;
        throw new TransportError(`cannot publish to '${queue}': ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 20 * attempt));
    }
  }
}

function publishOnce(ch: ConfirmChannel, queue: string, content: Buffer, props: Record<string, unknown>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const onClose = () => {
      if (settled) return;
      settled = true;
      reject(new ChannelLost("the channel closed before RabbitMQ confirmed the message"));
    };
    ch.once("close", onClose);
    try {
      ch.publish("", queue, content, props, (err: unknown) => {
        ch.off("close", onClose);
        if (settled) return;
        settled = true;
        // amqplib answers a channel that closes under pending confirms with "channel closed".
        if (err instanceof Error && /closed/i.test(err.message)) reject(new ChannelLost(err.message));
        else if (err) reject(new TransportError(`RabbitMQ refused a message to '${queue}'`, { cause: err }));
        else resolve();
      });
    } catch (err) {
      ch.off("close", onClose);
      settled = true;
      // Publishing on a channel already closed throws at once.
      reject(err instanceof Error && /closed/i.test(err.message) ? new ChannelLost(err.message) : err);
    }
  });
}
