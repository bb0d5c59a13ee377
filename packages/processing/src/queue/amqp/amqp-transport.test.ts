/**
 * What only the RabbitMQ transport has: surviving a dropped connection
 * (consumers resume, publishes wait for the new connection, the delivery in
 * progress comes back), messages from other publishers, the broker's own
 * delivery limit as a backstop, and a clear error for an unreachable broker.
 * Runs when AMQP_URL is set.
 */
import { randomBytes } from "node:crypto";
import amqp, { type ChannelModel } from "amqplib";
import { afterAll, describe, expect, it } from "vitest";
import { isEmflowError } from "@emflow/core";
import { deferred, waitFor } from "../transport.contract.js";
import type { Delivery, WorkTransport } from "../transport.js";
import { deleteQueues } from "./amqp-harness.contract.js";
import { openAmqpTransport } from "./amqp-transport.js";

const url = process.env.AMQP_URL;

describe.skipIf(url === undefined || url === "")("RabbitMQ transport (AMQP_URL)", () => {
  const run = randomBytes(4).toString("hex");
  const queues: string[] = [];
  const open: WorkTransport[] = [];
  const queue = (label: string) => {
    const q = `emflow-test-${run}.${label}`;
    queues.push(q);
    return q;
  };
  afterAll(async () => {
    await Promise.all(open.map((t) => t.close()));
    await deleteQueues(url!, queues);
  });

  it("reconnects after the connection drops: the consumer resumes, publishing waits, the held delivery comes back", async () => {
    const models: ChannelModel[] = [];
    const t = await openAmqpTransport(url!, {
      retryDelayMs: 0,
      reconnectBaseMs: 50,
      connect: async (u) => {
        const m = await amqp.connect(u);
        models.push(m);
        return m;
      },
    });
    open.push(t);
    const q = queue("reconnect");
    const got: Delivery[] = [];
    const held = deferred();
    await t.consume(q, async (d) => {
      got.push(d);
      if (d.body === "held" && d.deliveryCount === 1) await held.promise;
    });
    await t.publish(q, { body: "before" });
    await t.publish(q, { body: "held" });
    await waitFor("two deliveries", () => got.length === 2);

    // A network failure: the socket dies under the connection.
    (models[0]!.connection as unknown as { stream: { destroy(err: Error): void } }).stream.destroy(new Error("simulated network failure"));
    await t.publish(q, { body: "after" });
    await waitFor("the redelivery and the new message", () => got.length === 4);
    held.resolve();
    expect(models).toHaveLength(2);
    expect(got.map((d) => [d.body, d.deliveryCount]).sort()).toEqual([
      ["after", 1],
      ["before", 1],
      ["held", 1],
      ["held", 2],
    ]);
    await waitFor("an empty queue", async () => {
      const [s] = await t.stats([q]);
      return s!.ready === 0 && s!.inFlight === 0 ? s : undefined;
    });
  });

  it("consumes JSON from other publishers, and dead-letters content that is not JSON at once", async () => {
    const t = await openAmqpTransport(url!, { retryDelayMs: 0 });
    open.push(t);
    const q = queue("foreign");
    await t.stats([q]);
    await t.publish(q, { body: "declare" });
    const raw = await amqp.connect(url!);
    const ch = await raw.createConfirmChannel();
    ch.sendToQueue(q, Buffer.from(JSON.stringify({ movie: "m.tiff" })), { messageId: "zocalo-1", headers: { dcid: 7, "x-internal": "skip" } });
    ch.sendToQueue(q, Buffer.from("<xml/>"), { messageId: "garbage-1" });
    await ch.waitForConfirms();
    await raw.close();
    const got: Delivery[] = [];
    const c = await t.consume(q, (d) => void got.push(d));
    await waitFor("the foreign message", () => got.length === 2);
    const dead = await waitFor("the garbage dead-lettered", async () => {
      const all = await t.deadLetters(q);
      return all.length === 1 ? all : undefined;
    });
    await c.cancel();
    expect(got[1]).toMatchObject({ id: "zocalo-1", body: { movie: "m.tiff" }, headers: { dcid: 7 }, idempotencyKey: "zocalo-1", deliveryCount: 1 });
    expect(dead[0]).toMatchObject({ id: "garbage-1", deliveryCount: 1 });
    expect(dead[0]!.error).toContain("not JSON");
  });

  it("dead-letters a message whose consumers keep dying before they can answer", async () => {
    const q = queue("crashloop");
    const first = await openAmqpTransport(url!, { deliveryLimit: 2 });
    open.push(first);
    await first.publish(q, { body: "kills its consumer" });
    // Two consumers die holding it (deliveries 1 and 2 of 2)...
    for (let i = 0; i < 2; i++) {
      const dying = await openAmqpTransport(url!, { deliveryLimit: 2 });
      const started = deferred();
      await dying.consume(q, async () => {
        started.resolve();
        await new Promise(() => {});
      });
      await started.promise;
      await dying.close();
    }
    // ...so the next consumer dead-letters it without running it.
    let ran = 0;
    const c = await first.consume(q, () => void ran++);
    const dead = await waitFor("the dead letter", async () => {
      const all = await first.deadLetters(q);
      return all.length === 1 ? all : undefined;
    });
    await c.cancel();
    expect(ran).toBe(0);
    expect(dead[0]).toMatchObject({ body: "kills its consumer", deliveryCount: 2, error: "consumer lost on delivery 2 of 2" });
  });

  it("names an unreachable broker in a TransportError, without the password", async () => {
    const err = await openAmqpTransport("amqp://guest:secret@127.0.0.1:1", {}).catch((e: unknown) => e);
    expect(isEmflowError(err, "TransportError")).toBe(true);
    expect((err as Error).message).toMatch(/cannot connect to RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1/);
    expect((err as Error).message).not.toContain("secret");
  });
});
