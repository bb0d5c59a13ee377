/**
 * Reading and reinjecting dead letters without the management plugin: take
 * every message of `<queue>.dlq` with `basic.get` (unacknowledged), then
 * either ack it (reinjected: its copy was confirmed on the work queue) or let
 * the channel close, which puts it back in its place. While one process
 * browses a DLQ, another sees the messages it holds as missing.
 */
import type { Channel, GetMessage } from "amqplib";
import type { DeadLetter, ReinjectSelection } from "../transport.js";
import type { ManagedConnection } from "./connection.js";
import { decode, H, numberHeader, publishProperties, stringHeader } from "./envelope.js";
import { confirmPublish, dlqName } from "./topology.js";

/** Take every message of a DLQ (unacknowledged: closing the channel returns them). */
async function takeAll(ch: Channel, queue: string): Promise<GetMessage[]> {
  const all: GetMessage[] = [];
  for (;;) {
    const m = await ch.get(dlqName(queue), { noAck: false });
    if (m === false) return all;
    all.push(m);
  }
}

/** A DLQ message as a DeadLetter; dead-lettered by the broker itself when its consumers kept dying. */
function toDeadLetter(queue: string, m: GetMessage): DeadLetter {
  const headers = m.properties.headers as Record<string, unknown> | undefined;
  const d = decode(m.content, m.properties, `unknown-${m.fields.deliveryTag}`);
  const byBroker = stringHeader(headers, "x-first-death-reason");
  const error = stringHeader(headers, H.error) ?? (byBroker === undefined ? "dead-lettered" : `dead-lettered by RabbitMQ (${byBroker}): its consumers kept failing to acknowledge it`);
  const deadAt = numberHeader(headers, H.deadAt);
  if (typeof d === "string") {
    return { id: String(m.properties.messageId ?? "unknown"), queue, body: m.content.toString("base64"), headers: {}, idempotencyKey: "-", deliveryCount: numberHeader(headers, H.deliveries), error: `${error}; ${d}`, deadAt: new Date(deadAt || Date.now()) };
  }
  return {
    id: d.id,
    queue,
    body: d.body,
    headers: d.headers,
    idempotencyKey: d.idempotencyKey,
    deliveryCount: numberHeader(headers, H.deliveries) || numberHeader(headers, H.retries) + 1,
    error,
    deadAt: new Date(deadAt || Date.now()),
  };
}

/** The dead letters of `queues`, oldest first per queue. */
export async function browseDeadLetters(conn: ManagedConnection, queues: readonly string[]): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  for (const queue of queues) {
    await conn.withChannel(async (ch) => {
      for (const m of await takeAll(ch, queue)) out.push(toDeadLetter(queue, m));
      // Closing the channel (withChannel) returns them all, in order.
    });
  }
  return out;
}

/** Move the selected dead letters of `queues` back to their work queue, fresh; returns how many. */
export async function reinjectFromDlq(conn: ManagedConnection, queues: readonly string[], which: ReinjectSelection): Promise<number> {
  const wanted = which === "all" ? undefined : new Set(which);
  let moved = 0;
  for (const queue of queues) {
    await conn.withChannel(async (ch) => {
      for (const m of await takeAll(ch, queue)) {
        const dead = toDeadLetter(queue, m);
        if (wanted !== undefined && !wanted.has(dead.id)) continue;
        // A fresh copy: no retries, no broker count; the error stays as the last error.
        const headers = { [H.lastError]: dead.error };
        const sent = typeof m.properties.timestamp === "number" ? m.properties.timestamp * 1000 : Date.now();
        await confirmPublish(conn, queue, m.content, publishProperties(dead.id, sent, headers));
        ch.ack(m);
        moved++;
      }
    });
  }
  return moved;
}
