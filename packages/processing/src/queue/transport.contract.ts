/**
 * The WorkTransport contract: one suite every adapter runs (the database
 * transport on PGlite always and on PostgreSQL with DATABASE_URL; RabbitMQ
 * with AMQP_URL). Each test uses its own queues, so tests never see each
 * other's messages. Test-only (`.contract.ts` files are not built).
 */
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isEmflowError } from "@emflow/core";
import type { Delivery, Handler, WorkTransport } from "./transport.js";

/** What a transport is opened with in the contract. */
export interface HarnessOptions {
  readonly deliveryLimit?: number;
}

/** What an adapter test hands the contract. */
export interface TransportHarness {
  /** A transport on the shared backend (several may be open at once); retry delays are zero. */
  open(opts?: HarnessOptions): Promise<WorkTransport>;
  /** A queue name unique to this run (the harness deletes its queues on dispose where that matters). */
  queue(label: string): string;
  /** Close every open transport and the backend itself, then bring the backend back with its data. */
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

/** A promise with its resolver, for holding handlers. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Poll `check` until it returns a value other than undefined/false (transport I/O is real, so this waits on real time). */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 8_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

/** Run the shared transport contract against `make`. */
export function runTransportContract(name: string, make: () => Promise<TransportHarness>): void {
  describe(`WorkTransport contract: ${name}`, () => {
    let h: TransportHarness;
    let t: WorkTransport;
    // Every transport a test opens is closed after it, so a failing test leaves no consumer running.
    const opened: WorkTransport[] = [];
    const open = async (opts?: HarnessOptions) => {
      const x = await h.open(opts);
      opened.push(x);
      return x;
    };
    beforeAll(async () => {
      h = await make();
    });
    beforeEach(async () => {
      t = await open();
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((x) => x.close()));
    });
    afterAll(async () => h?.dispose());

    it("delivers exactly the body, headers, id and idempotency key it was given", async () => {
      const q = h.queue("exact");
      const body = { movie: "FoilHole_1_Data_2.tiff", frames: 40, dose: 1.25, tags: ["a", 1, true, null], nested: { ünï: "cödé", empty: {} } };
      const headers = { kind: "movie", n: 3, ok: false };
      const id = await t.publish(q, { body, headers, id: `m-${randomBytes(4).toString("hex")}`, idempotencyKey: "movie-7" });
      const bare = await t.publish(q, { body: [1, 2, 3] });
      const got: Delivery[] = [];
      const c = await t.consume(q, (d) => void got.push(d));
      await waitFor("two deliveries", () => got.length === 2);
      await c.cancel();
      expect(got[0]).toMatchObject({ id, queue: q, body, headers, idempotencyKey: "movie-7", deliveryCount: 1, lastError: undefined });
      expect(got[0]!.publishedAt).toBeInstanceOf(Date);
      expect(Math.abs(got[0]!.publishedAt.getTime() - Date.now())).toBeLessThan(60_000);
      // Without an id the transport makes one, and the idempotency key defaults to it.
      expect(bare).toMatch(/^[0-9a-f-]{36}$/);
      expect(got[1]).toMatchObject({ id: bare, body: [1, 2, 3], headers: {}, idempotencyKey: bare, deliveryCount: 1 });
      expect(await t.stats([q])).toEqual([{ queue: q, ready: 0, inFlight: 0, dead: 0 }]);
    });

    it("acknowledges only after the handler resolves; a throw redelivers with a higher count and the error", async () => {
      const q = h.queue("ack");
      await t.publish(q, { body: { n: 1 } });
      const hold = deferred();
      const seen: Delivery[] = [];
      const c = await t.consume(q, async (d) => {
        seen.push(d);
        if (d.deliveryCount === 1) throw new Error("disk full");
        await hold.promise;
      });
      await waitFor("the second delivery", () => seen.length === 2);
      // Held in the handler: delivered, not acknowledged.
      expect(await t.stats([q])).toEqual([{ queue: q, ready: 0, inFlight: 1, dead: 0 }]);
      hold.resolve();
      await waitFor("the ack", async () => (await t.stats([q]))[0]!.inFlight === 0);
      await c.cancel();
      expect(seen.map((d) => d.deliveryCount)).toEqual([1, 2]);
      expect(seen[1]!.lastError).toBe("Error: disk full");
      expect(seen[1]!.body).toEqual({ n: 1 });
      expect(await t.stats([q])).toEqual([{ queue: q, ready: 0, inFlight: 0, dead: 0 }]);
    });

    it("dead-letters a message after the delivery limit, with the last error", async () => {
      const limited = await open({ deliveryLimit: 3 });
      const q = h.queue("limit");
      const id = await limited.publish(q, { body: { movie: "bad.tiff" }, headers: { session: "s1" }, idempotencyKey: "bad-1" });
      const counts: number[] = [];
      const c = await limited.consume(q, (d) => {
        counts.push(d.deliveryCount);
        throw new Error(`unreadable movie (attempt ${d.deliveryCount})`);
      });
      const dead = await waitFor("the dead letter", async () => {
        const all = await limited.deadLetters(q);
        return all.length === 1 ? all : undefined;
      });
      await c.cancel();
      expect(counts).toEqual([1, 2, 3]);
      expect(dead[0]).toMatchObject({ id, queue: q, body: { movie: "bad.tiff" }, headers: { session: "s1" }, idempotencyKey: "bad-1", deliveryCount: 3 });
      expect(dead[0]!.error).toContain("unreadable movie (attempt 3)");
      expect(dead[0]!.deadAt).toBeInstanceOf(Date);
      expect(await limited.stats([q])).toEqual([{ queue: q, ready: 0, inFlight: 0, dead: 1 }]);
      // Listing dead letters does not consume them.
      expect(await limited.deadLetters(q)).toHaveLength(1);
    });

    it("dead-letters at once when the retry policy refuses", async () => {
      const q = h.queue("noretry");
      await t.publish(q, { body: "poison" });
      let calls = 0;
      const c = await t.consume(
        q,
        () => {
          calls++;
          throw new TypeError("not a movie");
        },
        { retry: (err) => !(err instanceof TypeError) },
      );
      const dead = await waitFor("the dead letter", async () => ((await t.deadLetters(q)).length === 1 ? t.deadLetters(q) : undefined));
      await c.cancel();
      expect(calls).toBe(1);
      expect(dead[0]).toMatchObject({ body: "poison", deliveryCount: 1, error: "TypeError: not a movie" });
    });

    it("reinjects dead letters (some, then all) and they are consumed again with a fresh count", async () => {
      const limited = await open({ deliveryLimit: 1 });
      const q = h.queue("reinject");
      const ids = [await limited.publish(q, { body: 1 }), await limited.publish(q, { body: 2 }), await limited.publish(q, { body: 3 })];
      let fixed = false;
      const ok: Delivery[] = [];
      const c = await limited.consume(q, (d) => {
        if (!fixed) throw new Error("bug in the service");
        ok.push(d);
      });
      await waitFor("three dead letters", async () => (await limited.deadLetters(q)).length === 3);
      fixed = true;
      expect(await limited.reinject([ids[1]!, "no-such-id"])).toBe(1);
      await waitFor("the reinjected message", () => ok.length === 1);
      expect(ok[0]).toMatchObject({ id: ids[1], body: 2, deliveryCount: 1 });
      expect((await limited.deadLetters(q)).map((d) => d.id).sort()).toEqual([ids[0], ids[2]].sort());
      expect(await limited.reinject("all", { queue: q })).toBe(2);
      await waitFor("all reinjected messages", () => ok.length === 3);
      await c.cancel();
      expect(ok.map((d) => d.body).sort()).toEqual([1, 2, 3]);
      expect(await limited.deadLetters(q)).toEqual([]);
      expect(await limited.stats([q])).toEqual([{ queue: q, ready: 0, inFlight: 0, dead: 0 }]);
    });

    it("redelivers to another consumer a message whose consumer died before acknowledging it", async () => {
      const q = h.queue("died");
      const first = await open();
      await t.publish(q, { body: { movie: 42 } });
      const started = deferred<Delivery>();
      const never = deferred();
      await first.consume(q, async (d) => {
        started.resolve(d);
        await never.promise;
      });
      expect((await started.promise).deliveryCount).toBe(1);
      await first.close();
      const got = deferred<Delivery>();
      const c = await t.consume(q, (d) => got.resolve(d));
      const d = await got.promise;
      never.resolve();
      await c.cancel();
      expect(d).toMatchObject({ body: { movie: 42 }, deliveryCount: 2 });
      expect(await t.stats([q])).toEqual([{ queue: q, ready: 0, inFlight: 0, dead: 0 }]);
    });

    it("respects prefetch: never more than N handlers at once", async () => {
      const q = h.queue("prefetch");
      for (let i = 0; i < 10; i++) await t.publish(q, { body: i });
      let running = 0;
      let most = 0;
      const done: number[] = [];
      const c = await t.consume(
        q,
        async (d) => {
          running++;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, 25));
          running--;
          done.push(d.body as number);
        },
        { prefetch: 3 },
      );
      await waitFor("ten messages", () => done.length === 10);
      await c.cancel();
      expect(most).toBe(3);
      expect(done.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it("shares work between competing consumers: none lost, counts add up", async () => {
      const q = h.queue("compete");
      const other = await open();
      const n = 60;
      const ids = new Set<string>();
      for (let i = 0; i < n; i++) ids.add(await t.publish(q, { body: { i } }));
      const processed = new Map<string, string>();
      const deliveries = { a: 0, b: 0 };
      let failures = 0;
      const handler =
        (who: "a" | "b"): Handler =>
        async (d) => {
          deliveries[who]++;
          await new Promise((r) => setTimeout(r, 3));
          // Every tenth message fails once: retried, still processed.
          if ((d.body as { i: number }).i % 10 === 0 && d.deliveryCount === 1) {
            failures++;
            throw new Error("transient");
          }
          processed.set(d.id, who);
        };
      const ca = await t.consume(q, handler("a"), { prefetch: 4 });
      const cb = await other.consume(q, handler("b"), { prefetch: 4 });
      await waitFor("every message", () => processed.size === n);
      await Promise.all([ca.cancel(), cb.cancel()]);
      expect(new Set(processed.keys())).toEqual(ids);
      expect(failures).toBe(6);
      expect(deliveries.a + deliveries.b).toBe(n + failures);
      expect(deliveries.a).toBeGreaterThan(0);
      expect(deliveries.b).toBeGreaterThan(0);
      expect(await t.stats([q])).toEqual([{ queue: q, ready: 0, inFlight: 0, dead: 0 }]);
    });

    it("reports ready, in-flight and dead counts", async () => {
      const q = h.queue("stats");
      const empty = h.queue("stats-empty");
      await t.publish(q, { body: "poison" });
      for (let i = 0; i < 5; i++) await t.publish(q, { body: i });
      const hold = deferred();
      let held = 0;
      const c = await t.consume(
        q,
        async (d) => {
          if (d.body === "poison") throw new Error("poison");
          held++;
          await hold.promise;
        },
        { prefetch: 2, retry: () => false },
      );
      await waitFor("two held and one dead", async () => held === 2 && (await t.deadLetters(q)).length === 1);
      expect(await t.stats([q, empty])).toEqual([
        { queue: q, ready: 3, inFlight: 2, dead: 1 },
        { queue: empty, ready: 0, inFlight: 0, dead: 0 },
      ]);
      expect((await t.stats()).find((s) => s.queue === q)).toEqual({ queue: q, ready: 3, inFlight: 2, dead: 1 });
      hold.resolve();
      await waitFor("the rest", () => held === 5);
      await c.cancel();
      expect(await t.stats([q])).toEqual([{ queue: q, ready: 0, inFlight: 0, dead: 1 }]);
    });

    it("refuses bad input with a clear ValidationError", async () => {
      const q = h.queue("bad");
      const cases: [Promise<unknown>, RegExp][] = [
        [t.publish("", { body: 1 }), /queue name is empty/],
        [t.publish("has space", { body: 1 }), /queue name 'has space'/],
        [t.publish(`${q}.dlq`, { body: 1 }), /reserved for dead-letter queues/],
        [t.publish(q, { body: { f: () => 1 } }), /body\.f is a function/],
        [t.publish(q, { body: { n: 10n } }), /body\.n is bigint/],
        [t.publish(q, { body: { x: [1, Number.NaN] } }), /body\.x\[1\] is NaN/],
        [t.publish(q, { body: { when: new Date() } }), /body\.when is a Date instance/],
        [t.publish(q, { body: { u: undefined } }), /body\.u is undefined/],
        [t.publish(q, { body: 1, headers: { h: { deep: 1 } as unknown as string } }), /headers\.h/],
        [t.publish(q, { body: 1, id: "" }), /id must be a non-empty string/],
        [t.consume("", () => {}), /queue name is empty/],
        [t.consume(q, () => {}, { prefetch: 0 }), /prefetch must be an integer from 1/],
      ];
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      cases.push([t.publish(q, { body: cyclic }), /body\.self is a cycle/]);
      for (const [p, message] of cases) {
        const err = await rejection(p);
        expect(isEmflowError(err, "ValidationError"), String(err)).toBe(true);
        expect(err.message).toMatch(message);
      }
      expect(await t.stats([q])).toEqual([{ queue: q, ready: 0, inFlight: 0, dead: 0 }]);
    });

    it("keeps undelivered and dead messages across a restart", async () => {
      const q = h.queue("durable");
      const qd = h.queue("durable-dead");
      const before = await open();
      for (const body of ["a", "b", "c"]) await before.publish(q, { body, headers: { n: body.charCodeAt(0) } });
      await before.publish(qd, { body: "d" });
      const c = await before.consume(qd, () => Promise.reject(new Error("corrupt")), { retry: () => false });
      await waitFor("the dead letter", async () => (await before.deadLetters(qd)).length === 1);
      await c.cancel();
      await h.restart();
      const after = await open();
      expect(await after.stats([q, qd])).toEqual([
        { queue: q, ready: 3, inFlight: 0, dead: 0 },
        { queue: qd, ready: 0, inFlight: 0, dead: 1 },
      ]);
      const got: Delivery[] = [];
      const c2 = await after.consume(q, (d) => void got.push(d));
      await waitFor("three messages", () => got.length === 3);
      await c2.cancel();
      expect(got.map((d) => [d.body, d.headers.n])).toEqual([
        ["a", 97],
        ["b", 98],
        ["c", 99],
      ]);
      expect(await after.deadLetters(qd)).toMatchObject([{ body: "d", error: "Error: corrupt" }]);
    });

    it("refuses to work once closed", async () => {
      const closed = await open();
      await closed.close();
      const err = await rejection(closed.publish(h.queue("closed"), { body: 1 }));
      expect(isEmflowError(err, "TransportError")).toBe(true);
      await closed.close(); // twice is harmless
    });
  });
}
