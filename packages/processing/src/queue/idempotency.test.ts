import { describe, expect, it } from "vitest";
import { idempotent, ledgerKey, memoryLedger } from "./idempotency.js";
import type { Delivery } from "./transport.js";

const delivery = (key: string, queue = "q"): Delivery => ({
  id: `id-${Math.random()}`,
  queue,
  body: null,
  headers: {},
  idempotencyKey: key,
  deliveryCount: 1,
  lastError: undefined,
  publishedAt: new Date(0),
});

describe("idempotency helpers", () => {
  it("runs a handler once per key and queue, whatever the message id", async () => {
    const seen: string[] = [];
    const handler = idempotent(memoryLedger(), (d) => void seen.push(`${d.queue}/${d.idempotencyKey}`));
    await handler(delivery("a"));
    await handler(delivery("a"));
    await handler(delivery("b"));
    await handler(delivery("a", "other"));
    expect(seen).toEqual(["q/a", "q/b", "other/a"]);
    expect(ledgerKey(delivery("a", "x"))).not.toBe(ledgerKey(delivery("x a", "")));
  });

  it("leaves a key free after a failed effect, and runs concurrent duplicates once", async () => {
    const ledger = memoryLedger();
    await expect(ledger.once("k", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    let runs = 0;
    const slow = () => new Promise<number>((r) => setTimeout(() => r(++runs), 10));
    const results = await Promise.all([ledger.once("k", slow), ledger.once("k", slow), ledger.once("k", slow)]);
    expect(runs).toBe(1);
    expect(results).toEqual([{ ran: true, value: 1 }, { ran: false, value: 1 }, { ran: false, value: 1 }]);
  });

  it("forgets the oldest keys beyond its size", async () => {
    const ledger = memoryLedger({ max: 2 });
    for (const k of ["a", "b", "c"]) await ledger.once(k, async () => k);
    expect(await ledger.once("a", async () => "again")).toEqual({ ran: true, value: "again" });
    expect(await ledger.once("c", async () => "again")).toEqual({ ran: false, value: "c" });
  });
});
