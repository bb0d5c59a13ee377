/**
 * The instruction part of the Store contract (called from runStoreContract, so
 * it runs on PGlite and, with DATABASE_URL, on PostgreSQL): enqueue targets,
 * delivery and redelivery, idempotent ack, expiry by clock, supersede.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isEmflowError } from "@emflow/core";
import { batchOf, uniqueSession } from "../testing/fixtures.js";
import type { Store } from "./store.js";

const T0 = Date.parse("2026-11-22T08:00:00Z");
const ORDER = { gridId: "5", gridSquareIds: ["11", "12", "13"] };

async function acquisition(store: Store, agentId?: string): Promise<string> {
  const session = uniqueSession("instr");
  const batch = { ...batchOf(session, [{ kind: "acquisition", data: { microscope: "Krios" } }]), ...(agentId === undefined ? {} : { agentId }) };
  return (await store.ingest(batch)).acquisitionId;
}

const agentName = (): string => `scope-${randomUUID().slice(0, 8)}`;

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (err: unknown) => err,
  );
}

/** Run the instruction contract on the store `getStore` returns. */
export function runInstructionContract(getStore: () => Store): void {
  describe("instructions", () => {
    it("enqueues for the agent that sent the acquisition, delivers in seq order, acks once", async () => {
      const store = getStore();
      const agent = agentName();
      const acq = await acquisition(store, agent);
      const a = await store.instructions.enqueue({ acquisitionId: acq, kind: "message", payload: { text: "one" }, ttlS: 600, now: T0 });
      const b = await store.instructions.enqueue({ acquisitionId: acq, kind: "message", payload: { text: "two" }, ttlS: 600, supersede: false, now: T0 });
      expect(a?.instruction).toMatchObject({ agentId: agent, acquisitionId: acq, state: "pending", deliveries: 0, expiresAt: new Date(T0 + 600_000).toISOString() });
      expect(b!.instruction.seq).toBeGreaterThan(a!.instruction.seq);

      const open = await store.instructions.deliverable(agent, { afterSeq: 0, redeliverBefore: T0 - 1, now: T0 + 1000 });
      expect(open.map((i) => i.payload)).toEqual([{ text: "one" }, { text: "two" }]);
      await store.instructions.markDelivered([a!.instruction.id], T0 + 1000);
      expect(await store.instructions.get(a!.instruction.id)).toMatchObject({ state: "delivered", deliveries: 1, deliveredAt: new Date(T0 + 1000).toISOString() });

      // Resuming after the first seq sends only the second; at or below the resume point, an open instruction
      // comes back once it is overdue (last sent, or if never sent, created, at or before redeliverBefore).
      const after = await store.instructions.deliverable(agent, { afterSeq: a!.instruction.seq, redeliverBefore: T0 - 1, now: T0 + 2000 });
      expect(after.map((i) => i.id)).toEqual([b!.instruction.id]);
      const notYet = await store.instructions.deliverable(agent, { afterSeq: b!.instruction.seq, redeliverBefore: T0 + 999, now: T0 + 2000 });
      expect(notYet.map((i) => i.id)).toEqual([b!.instruction.id]);
      const overdue = await store.instructions.deliverable(agent, { afterSeq: b!.instruction.seq, redeliverBefore: T0 + 1000, now: T0 + 2000 });
      expect(overdue.map((i) => i.id)).toEqual([a!.instruction.id, b!.instruction.id]);

      const acked = await store.instructions.ack(agent, a!.instruction.id, T0 + 3000);
      expect(acked).toMatchObject({ duplicate: false, instruction: { state: "acked", ackedAt: new Date(T0 + 3000).toISOString() } });
      const again = await store.instructions.ack(agent, a!.instruction.id, T0 + 9000);
      expect(again).toMatchObject({ duplicate: true, instruction: { state: "acked", ackedAt: new Date(T0 + 3000).toISOString() } });
      const left = await store.instructions.deliverable(agent, { afterSeq: 0, redeliverBefore: T0 + 5000, now: T0 + 5000 });
      expect(left.map((i) => i.id)).toEqual([b!.instruction.id]);
    });

    it("answers undefined for unknown ids and refuses another agent's ack", async () => {
      const store = getStore();
      const acq = await acquisition(store);
      const r = await store.instructions.enqueue({ acquisitionId: acq, agentId: "scope-a", kind: "message", payload: { text: "x" }, ttlS: 60, now: T0 });
      expect(r?.instruction.agentId).toBe("scope-a");
      expect(await store.instructions.ack("scope-a", randomUUID(), T0)).toBeUndefined();
      expect(await store.instructions.ack("scope-a", "not-a-uuid", T0)).toBeUndefined();
      const err = await rejection(store.instructions.ack("scope-b", r!.instruction.id, T0));
      expect(isEmflowError(err, "ConflictError")).toBe(true);
      expect(await store.instructions.enqueue({ acquisitionId: randomUUID(), kind: "message", payload: { text: "x" }, ttlS: 60, now: T0 })).toBeUndefined();
      expect(await store.instructions.listForAcquisition(randomUUID(), { now: T0 })).toBeUndefined();
    });

    it("refuses to guess a target when no agent sent the acquisition", async () => {
      const store = getStore();
      const session = uniqueSession("instr-none");
      const { agentId: _none, ...batch } = batchOf(session, [{ kind: "acquisition", data: {} }]);
      const acq = (await store.ingest(batch)).acquisitionId;
      const err = await rejection(store.instructions.enqueue({ acquisitionId: acq, kind: "message", payload: { text: "x" }, ttlS: 60, now: T0 }));
      expect(isEmflowError(err, "ConflictError")).toBe(true);
      expect((err as Error).message).toMatch(/name the agent/);
    });

    it("never offers an expired instruction and records the expiry", async () => {
      const store = getStore();
      const agent = agentName();
      const acq = await acquisition(store, agent);
      const short = await store.instructions.enqueue({ acquisitionId: acq, kind: "message", payload: { text: "soon stale" }, ttlS: 30, now: T0 });
      const long = await store.instructions.enqueue({ acquisitionId: acq, kind: "skip-grid-squares", payload: { gridId: "5", gridSquareIds: ["7"] }, ttlS: 3600, now: T0 });
      expect((await store.instructions.deliverable(agent, { afterSeq: 0, redeliverBefore: 0, now: T0 + 29_000 })).length).toBe(2);
      const later = await store.instructions.deliverable(agent, { afterSeq: 0, redeliverBefore: 0, now: T0 + 30_000 });
      expect(later.map((i) => i.id)).toEqual([long!.instruction.id]);
      expect((await store.instructions.get(short!.instruction.id))?.state).toBe("expired");
      expect(await store.instructions.expire(T0 + 3_600_000)).toBeGreaterThanOrEqual(1);
      const history = await store.instructions.listForAcquisition(acq, { now: T0 + 3_600_000 });
      expect(history?.map((i) => [i.kind, i.state])).toEqual([
        ["message", "expired"],
        ["skip-grid-squares", "expired"],
      ]);
    });

    it("prunes closed instructions older than a cut-off, never open ones", async () => {
      const store = getStore();
      const agent = agentName();
      const acq = await acquisition(store, agent);
      const old = await store.instructions.enqueue({ acquisitionId: acq, kind: "message", payload: { text: "old, acked" }, ttlS: 3600, now: T0 });
      await store.instructions.ack(agent, old!.instruction.id, T0 + 1000);
      const stale = await store.instructions.enqueue({ acquisitionId: acq, kind: "message", payload: { text: "old, expired" }, ttlS: 10, now: T0 });
      const open = await store.instructions.enqueue({ acquisitionId: acq, kind: "skip-grid-squares", payload: { gridId: "5", gridSquareIds: ["7"] }, ttlS: 86_400, now: T0 });
      const recent = await store.instructions.enqueue({ acquisitionId: acq, kind: "message", payload: { text: "recent, acked" }, ttlS: 3600, now: T0 + 7_200_000 });
      await store.instructions.ack(agent, recent!.instruction.id, T0 + 7_201_000);
      await store.instructions.expire(T0 + 7_300_000);
      // The store is shared with the other contract tests: their closed instructions of T0 go too.
      expect(await store.instructions.prune(T0 + 3_600_000)).toBeGreaterThanOrEqual(2);
      expect(await store.instructions.get(old!.instruction.id)).toBeUndefined();
      expect(await store.instructions.get(stale!.instruction.id)).toBeUndefined();
      expect((await store.instructions.get(open!.instruction.id))?.state).toBe("pending");
      expect((await store.instructions.get(recent!.instruction.id))?.state).toBe("acked");
    });

    it("supersedes an unacked older order of the same acquisition, not an acked one or another kind", async () => {
      const store = getStore();
      const agent = agentName();
      const acq = await acquisition(store, agent);
      const first = await store.instructions.enqueue({ acquisitionId: acq, kind: "acquisition-order", payload: ORDER, ttlS: 600, now: T0 });
      await store.instructions.ack(agent, first!.instruction.id, T0 + 1);
      const second = await store.instructions.enqueue({ acquisitionId: acq, kind: "acquisition-order", payload: { ...ORDER, gridSquareIds: ["13", "12"] }, ttlS: 600, now: T0 + 2 });
      const note = await store.instructions.enqueue({ acquisitionId: acq, kind: "message", payload: { text: "new order coming" }, ttlS: 600, now: T0 + 3 });
      const third = await store.instructions.enqueue({ acquisitionId: acq, kind: "acquisition-order", payload: { ...ORDER, gridSquareIds: ["12"] }, ttlS: 600, now: T0 + 4 });
      expect(second?.superseded).toEqual([]);
      expect(third?.superseded).toEqual([second!.instruction.id]);
      expect(await store.instructions.get(second!.instruction.id)).toMatchObject({ state: "superseded", supersededBy: third!.instruction.id });
      const open = await store.instructions.deliverable(agent, { afterSeq: 0, redeliverBefore: 0, now: T0 + 5 });
      expect(open.map((i) => i.id)).toEqual([note!.instruction.id, third!.instruction.id]);
      const history = await store.instructions.listForAcquisition(acq, { now: T0 + 5 });
      expect(history?.map((i) => i.state)).toEqual(["acked", "superseded", "pending", "pending"]);
    });
  });
}
