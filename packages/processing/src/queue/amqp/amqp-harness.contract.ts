/**
 * Test support for the RabbitMQ transport: a contract harness on the broker
 * at AMQP_URL, with queue names under a random prefix that are deleted
 * (with their DLQs) afterwards. Test-only (`.contract.ts` files are not built).
 */
import { randomBytes } from "node:crypto";
import amqp from "amqplib";
import type { HarnessOptions, TransportHarness } from "../transport.contract.js";
import type { WorkTransport } from "../transport.js";
import { openAmqpTransport, type AmqpTransportOptions } from "./amqp-transport.js";
import { dlqName } from "./topology.js";

/** Delete queues and their DLQs. */
export async function deleteQueues(url: string, queues: Iterable<string>): Promise<void> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createChannel();
    for (const q of queues) {
      await ch.deleteQueue(q);
      await ch.deleteQueue(dlqName(q));
    }
  } finally {
    await conn.close();
  }
}

/** The contract harness on RabbitMQ; `extra` adds transport options (e.g. an injected connect). */
export function amqpHarness(url: string, extra: AmqpTransportOptions = {}): () => Promise<TransportHarness> {
  return async () => {
    const run = randomBytes(4).toString("hex");
    const queues = new Set<string>();
    const open: WorkTransport[] = [];
    const closeAll = async () => {
      await Promise.all(open.splice(0).map((t) => t.close()));
    };
    return {
      open: async (opts: HarnessOptions = {}) => {
        const t = await openAmqpTransport(url, { retryDelayMs: 0, ...extra, ...(opts.deliveryLimit === undefined ? {} : { deliveryLimit: opts.deliveryLimit }) });
        open.push(t);
        return t;
      },
      queue: (label) => {
        const q = `emflow-test-${run}.${label}`;
        queues.add(q);
        return q;
      },
      // A broker restart is not ours to do: a new connection must still see everything.
      restart: closeAll,
      dispose: async () => {
        await closeAll();
        await deleteQueues(url, queues);
      },
    };
  };
}
