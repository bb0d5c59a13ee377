/**
 * What only the database transport has: leases on an injected clock (a
 * crashed consumer's message comes back, heartbeats keep a long handler's
 * lease, a late ack after a lost lease is ignored), retry delays, publish
 * de-duplication by id, its migration and the SQL idempotency ledger. On
 * PGlite always, and on PostgreSQL when DATABASE_URL is set.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QueueLogger } from "../options.js";
import { deferred, waitFor } from "../transport.contract.js";
import type { Delivery } from "../transport.js";
import { migrateQueueTables } from "./schema.js";
import { dropSchema, pgliteClient, postgresClient, type ClosableClient } from "./sql-clients.contract.js";
import { sqlLedger } from "./sql-ledger.js";
import { openSqlTransport, type SqlTransportOptions } from "./sql-transport.js";

const url = process.env.DATABASE_URL;
const schema = `emflow_queue_sql_${randomBytes(5).toString("hex")}`;
const backends: [string, () => Promise<ClosableClient>, () => Promise<void>][] = [["PGlite", () => pgliteClient(), async () => {}]];
if (url) backends.push(["PostgreSQL", () => postgresClient(url, schema), () => dropSchema(url, schema)]);

/** A clock the test moves by hand. */
function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

/** A logger that keeps its warnings. */
function recordingLogger(): QueueLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug: () => {}, error: (_f, m) => void warnings.push(m), warn: (_f, m) => void warnings.push(m) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(backends)("database transport on %s", (_name, connect, cleanup) => {
  let db: ClosableClient;
  let n = 0;
  const q = (label: string) => `sql${schema.slice(-6)}.${label}.${n++}`;
  beforeAll(async () => {
    db = await connect();
  });
  afterAll(async () => {
    await db?.close();
    await cleanup();
  });

  const open = (opts: SqlTransportOptions) => openSqlTransport(db, { pollMs: 20, retryDelayMs: 0, ...opts });

  it("migrates once: a second run applies nothing", async () => {
    await open({});
    expect(await migrateQueueTables(db)).toEqual([]);
    const tables = await db.query<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_name LIKE 'queue\\_%' AND table_schema = current_schema() ORDER BY 1`);
    expect(tables.map((r) => r.t)).toEqual(["queue_dead_letters", "queue_messages", "queue_processed", "queue_schema"]);
  });

  it("gives a crashed consumer's message to another once its lease expires, and ignores the late ack", async () => {
    const clock = manualClock();
    const logger = recordingLogger();
    const crashed = await open({ clock, leaseMs: 10_000, logger });
    const healthy = await open({ clock, leaseMs: 10_000 });
    const queue = q("lease");
    await crashed.publish(queue, { body: { movie: 1 } });
    const started = deferred();
    const stuck = deferred();
    await crashed.consume(queue, async () => {
      started.resolve();
      await stuck.promise;
    });
    await started.promise;
    const got: Delivery[] = [];
    const c = await healthy.consume(queue, (d) => void got.push(d));
    await sleep(150);
    expect(got).toEqual([]);
    expect(await healthy.stats([queue])).toEqual([{ queue, ready: 0, inFlight: 1, dead: 0 }]);

    clock.advance(10_001);
    await waitFor("the redelivery", () => got.length === 1);
    expect(got[0]).toMatchObject({ body: { movie: 1 }, deliveryCount: 2 });
    stuck.resolve();
    await waitFor("the late ack to be refused", () => logger.warnings.some((w) => w.includes("lease lost")));
    await c.cancel();
    expect(await healthy.stats([queue])).toEqual([{ queue, ready: 0, inFlight: 0, dead: 0 }]);
    await crashed.close();
    await healthy.close();
  });

  it("extends the lease while a handler runs", async () => {
    const clock = manualClock();
    const worker = await open({ clock, leaseMs: 60 });
    const other = await open({ clock, leaseMs: 60 });
    const queue = q("heartbeat");
    await worker.publish(queue, { body: "long" });
    const started = deferred();
    const finish = deferred();
    const c = await worker.consume(queue, async () => {
      started.resolve();
      await finish.promise;
    });
    await started.promise;
    const leaseEnd = async () => Number((await db.query<{ v: unknown }>(`SELECT visible_at AS v FROM queue_messages WHERE queue = $1`, [queue]))[0]?.v);
    const first = await leaseEnd();
    clock.advance(40);
    // The heartbeat (every leaseMs / 3 of real time) moves the lease end past the original one.
    await waitFor("a heartbeat", async () => (await leaseEnd()) >= first + 40);
    clock.advance(40);
    const stolen: Delivery[] = [];
    const oc = await other.consume(queue, (d) => void stolen.push(d));
    await sleep(120);
    expect(stolen).toEqual([]);
    finish.resolve();
    await c.cancel();
    await oc.cancel();
    expect(await worker.stats([queue])).toEqual([{ queue, ready: 0, inFlight: 0, dead: 0 }]);
    await worker.close();
    await other.close();
  });

  it("dead-letters a message whose last allowed delivery was lost, without running it again", async () => {
    const clock = manualClock();
    const crashed = await open({ clock, leaseMs: 1_000, deliveryLimit: 1 });
    const next = await open({ clock, leaseMs: 1_000, deliveryLimit: 1 });
    const queue = q("lost");
    const id = await crashed.publish(queue, { body: "kills its consumer" });
    const started = deferred();
    await crashed.consume(queue, async () => {
      started.resolve();
      await new Promise(() => {});
    });
    await started.promise;
    let ran = 0;
    await next.consume(queue, () => void ran++);
    clock.advance(1_001);
    const dead = await waitFor("the dead letter", async () => {
      const all = await next.deadLetters(queue);
      return all.length === 1 ? all : undefined;
    });
    expect(ran).toBe(0);
    expect(dead[0]).toMatchObject({ id, deliveryCount: 1, error: "lease expired (consumer lost) on delivery 1 of 1" });
    await next.close();
    await crashed.close();
  });

  it("waits out the retry delay on the injected clock", async () => {
    const clock = manualClock();
    const t = await open({ clock, retryDelayMs: (count) => count * 5_000 });
    const queue = q("delay");
    await t.publish(queue, { body: 1 });
    const counts: number[] = [];
    const c = await t.consume(queue, (d) => {
      counts.push(d.deliveryCount);
      if (d.deliveryCount === 1) throw new Error("later");
    });
    await waitFor("the first delivery", () => counts.length === 1);
    await sleep(120);
    expect(counts).toEqual([1]);
    expect(await t.stats([queue])).toEqual([{ queue, ready: 1, inFlight: 0, dead: 0 }]);
    clock.advance(5_000);
    await waitFor("the retry", () => counts.length === 2);
    await c.cancel();
    expect(counts).toEqual([1, 2]);
    await t.close();
  });

  it("stores a message id once: publishing the same id again is a no-op while it is live", async () => {
    const t = await open({});
    const queue = q("dedupe");
    await t.publish(queue, { id: "same", body: 1 });
    await t.publish(queue, { id: "same", body: 2 });
    expect(await t.stats([queue])).toEqual([{ queue, ready: 1, inFlight: 0, dead: 0 }]);
    await t.close();
  });

  it("runs a ledger effect once per key, in the same transaction as its writes", async () => {
    await db.exec(`CREATE TABLE IF NOT EXISTS ledger_test (k text, v integer)`);
    const ledger = sqlLedger(db);
    const key = `key-${n++}`;
    const write = (v: number) => async (tx: { query: (sql: string, p?: unknown[]) => Promise<unknown[]> }) => {
      await tx.query(`INSERT INTO ledger_test (k, v) VALUES ($1, $2)`, [key, v]);
      return v;
    };
    // A failing effect rolls its writes back and leaves the key free.
    await expect(
      ledger.once(key, async (tx) => {
        await write(0)(tx);
        throw new Error("fails after writing");
      }),
    ).rejects.toThrow("fails after writing");
    expect(await ledger.once(key, write(1))).toEqual({ ran: true, value: 1 });
    expect(await ledger.once(key, write(2))).toEqual({ ran: false, value: 1 });
    // Racing duplicates (PostgreSQL: two connections) still write once.
    const raced = `${key}-race`;
    const results = await Promise.all([1, 2, 3].map((v) => ledger.once(raced, async (tx) => tx.query(`INSERT INTO ledger_test (k, v) VALUES ($1, $2)`, [raced, v]))));
    expect(results.filter((r) => r.ran)).toHaveLength(1);
    const rows = await db.query<{ k: string; c: number }>(`SELECT k, count(*)::int AS c FROM ledger_test WHERE k IN ($1, $2) GROUP BY k ORDER BY k`, [key, raced]);
    expect(rows).toEqual([
      { k: key, c: 1 },
      { k: raced, c: 1 },
    ]);
    expect(await ledger.prune(Date.now() + 1)).toBeGreaterThanOrEqual(2);
    expect(await ledger.once(key, write(3))).toEqual({ ran: true, value: 3 });
  });
});
