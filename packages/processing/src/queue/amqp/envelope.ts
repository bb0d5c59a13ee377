/**
 * How a message travels through RabbitMQ: the body, its headers and its
 * idempotency key in one JSON envelope (so headers keep their exact types),
 * and the transport's own bookkeeping in AMQP headers (`x-emflow-*`), which
 * a retry or a dead-lettering can change without touching the content.
 */
import { z } from "zod";
import type { MessageProperties } from "amqplib";
import type { CheckedMessage } from "../validate.js";
import type { MessageHeaders, Json } from "../transport.js";

/** AMQP header names the transport uses. */
export const H = {
  /** Failed deliveries before this copy was (re)published. */
  retries: "x-emflow-retries",
  /** Error of the last failed delivery. */
  lastError: "x-emflow-last-error",
  /** On a dead letter: its work queue, why it died, after how many deliveries, when. */
  queue: "x-emflow-queue",
  error: "x-emflow-error",
  deliveries: "x-emflow-deliveries",
  deadAt: "x-emflow-dead-at",
  /** Set by quorum queues: how often this copy came back unacknowledged. */
  brokerCount: "x-delivery-count",
} as const;

const Envelope = z.object({
  v: z.literal(1),
  body: z.json(),
  headers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  key: z.string().min(1),
  publishedAt: z.number(),
});

/** A message read back from the broker. */
export interface Decoded {
  readonly id: string;
  readonly body: Json;
  readonly headers: MessageHeaders;
  readonly idempotencyKey: string;
  readonly publishedAt: number;
}

/** The content of a new message. */
export function encode(m: CheckedMessage, publishedAt: number): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, body: m.body, headers: m.headers, key: m.idempotencyKey, publishedAt }));
}

/** The AMQP properties every message is published with. */
export function publishProperties(id: string, publishedAt: number, headers: Record<string, unknown>) {
  return { messageId: id, persistent: true, contentType: "application/json", timestamp: Math.floor(publishedAt / 1000), headers };
}

/**
 * Read a message: our envelope, or (from another publisher) any JSON content,
 * taking its id from the message id and its headers from the AMQP headers.
 * Returns a reason string when the content is not JSON at all.
 */
export function decode(content: Buffer, props: MessageProperties, fallbackId: string): Decoded | string {
  let raw: unknown;
  try {
    raw = JSON.parse(content.toString("utf8"));
  } catch {
    return `malformed message: its content is not JSON (${content.length} bytes)`;
  }
  const id = typeof props.messageId === "string" && props.messageId !== "" ? props.messageId : fallbackId;
  const env = Envelope.safeParse(raw);
  if (env.success) return { id, body: env.data.body as Json, headers: env.data.headers, idempotencyKey: env.data.key, publishedAt: env.data.publishedAt };
  const headers: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries((props.headers ?? {}) as Record<string, unknown>)) {
    if (!k.startsWith("x-") && (typeof v === "string" || typeof v === "number" || typeof v === "boolean")) headers[k] = v;
  }
  const sent = typeof props.timestamp === "number" ? props.timestamp * 1000 : Date.now();
  return { id, body: raw as Json, headers, idempotencyKey: id, publishedAt: sent };
}

/** A numeric AMQP header (amqplib may hand back numbers or typed values). */
export function numberHeader(headers: Record<string, unknown> | undefined, name: string): number {
  const v = headers?.[name];
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "object" && v !== null && "value" in v) return Number((v as { value: unknown }).value);
  if (typeof v === "string" && v !== "") return Number(v);
  return 0;
}

/** A string AMQP header (Buffers for long strings included). */
export function stringHeader(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  const v = headers?.[name];
  if (typeof v === "string") return v;
  if (Buffer.isBuffer(v)) return v.toString("utf8");
  return undefined;
}
