/**
 * Checks at the edge of the transport: queue names, message bodies and
 * headers, consumer options. Every adapter runs them before touching its
 * backend, so bad input fails the same way everywhere.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { EmflowError } from "@emflow/core";
import type { ConsumeOptions, MessageHeaders, Json, OutgoingMessage } from "./transport.js";

/** Queue names: what both RabbitMQ and a SQL column hold without quoting; `.dlq` is reserved for dead letters. */
const QUEUE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,199}$/;

function invalid(message: string): EmflowError {
  return new EmflowError("ValidationError", message);
}

/** Throw a ValidationError unless `queue` is a usable work-queue name. */
export function checkQueueName(queue: unknown): string {
  if (typeof queue !== "string" || queue === "") throw invalid("queue name is empty");
  if (!QUEUE_NAME.test(queue)) throw invalid(`queue name '${queue}' must match ${QUEUE_NAME} (at most 200 characters)`);
  if (queue.endsWith(".dlq")) throw invalid(`queue name '${queue}' ends in .dlq, which is reserved for dead-letter queues`);
  if (queue.startsWith("amq.")) throw invalid(`queue name '${queue}' starts with amq., which RabbitMQ reserves`);
  return queue;
}

/**
 * The path of the first value in `value` that JSON cannot carry faithfully
 * (undefined when it is all JSON): functions, undefined, symbols, bigints,
 * non-finite numbers, cycles, and objects other than plain objects and arrays.
 */
export function nonJsonAt(value: unknown, path = "body", seen: Set<object> = new Set()): { path: string; what: string } | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : { path, what: String(value) };
    case "object": {
      if (value === null) return undefined;
      if (seen.has(value)) return { path, what: "a cycle" };
      const proto = Object.getPrototypeOf(value) as unknown;
      const isArray = Array.isArray(value);
      if (!isArray && proto !== Object.prototype && proto !== null) return { path, what: `a ${value.constructor?.name ?? "class"} instance` };
      seen.add(value);
      const entries = isArray ? value.map((v, i) => [`${path}[${i}]`, v] as const) : Object.entries(value).map(([k, v]) => [`${path}.${k}`, v] as const);
      for (const [p, v] of entries) {
        const bad = nonJsonAt(v, p, seen);
        if (bad) return bad;
      }
      seen.delete(value);
      return undefined;
    }
    default:
      return { path, what: typeof value === "function" ? "a function" : `${typeof value}` };
  }
}

const HeadersSchema = z.record(z.string().min(1).max(200), z.union([z.string(), z.number().refine(Number.isFinite, "must be finite"), z.boolean()]));
const IdSchema = z.string().min(1).max(500);

/** A message checked and completed with its id and idempotency key. */
export interface CheckedMessage {
  readonly id: string;
  readonly idempotencyKey: string;
  readonly body: Json;
  readonly headers: MessageHeaders;
}

/** Validate a message for publishing; throws a ValidationError naming what is wrong. */
export function checkMessage(queue: string, message: OutgoingMessage): CheckedMessage {
  if (typeof message !== "object" || message === null) throw invalid(`publish to '${queue}': the message must be an object { body, headers? }`);
  const bad = nonJsonAt(message.body);
  if (bad) throw invalid(`publish to '${queue}': ${bad.path} is ${bad.what}, which JSON cannot carry`);
  const headers = HeadersSchema.safeParse(message.headers ?? {});
  if (!headers.success) throw invalid(`publish to '${queue}': headers.${headers.error.issues[0]?.path.join(".")}: ${headers.error.issues[0]?.message}`);
  const id = message.id ?? randomUUID();
  if (!IdSchema.safeParse(id).success) throw invalid(`publish to '${queue}': id must be a non-empty string of at most 500 characters`);
  const idempotencyKey = message.idempotencyKey ?? id;
  if (!IdSchema.safeParse(idempotencyKey).success) throw invalid(`publish to '${queue}': idempotencyKey must be a non-empty string of at most 500 characters`);
  return { id, idempotencyKey, body: message.body as Json, headers: headers.data };
}

/** Validate consumer options; returns the prefetch. */
export function checkConsumeOptions(queue: string, opts: ConsumeOptions): number {
  const prefetch = opts.prefetch ?? 1;
  if (!Number.isInteger(prefetch) || prefetch < 1 || prefetch > 10_000) {
    throw invalid(`consume '${queue}': prefetch must be an integer from 1 to 10000, got ${String(prefetch)}`);
  }
  return prefetch;
}

/** Validate a delivery limit (deliveries allowed before a message is dead-lettered). */
export function checkDeliveryLimit(queue: string, limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid(`queue '${queue}': delivery limit must be an integer from 1 to 1000, got ${limit}`);
  return limit;
}
