/**
 * The agent's InstructionListener against the real server (PGlite, real
 * sockets), through a proxy that drops, refuses and freezes connections:
 * apply once and ack, resume after a drop, redelivery after a lost ack or a
 * restart without a second application, reconnect when heartbeats stop.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InstructionLedger, InstructionListener, type InstructionListenerOptions, type WatchdogTimers } from "@emflow/agent";
import type { Instruction } from "@emflow/core";
import { acquisitionOf, enqueue, newAgent, until } from "../../testing/instructions-http.js";
import { startTcpProxy, type TcpProxy } from "../../testing/tcp-proxy.js";
import { TOKEN, testServer, type TestServer } from "../../testing/test-server.js";

const note = (text: string) => ({ kind: "message", payload: { text }, ttlS: 600 });
const STREAM = /^GET \/api\/v1\/agents\/[^/]+\/instructions/;

/** Timers that only fire when the test says so. */
function manualTimers(): WatchdogTimers & { fire(): void; armed: number } {
  let next = 0;
  const pending = new Map<number, () => void>();
  return {
    armed: 0,
    setTimeout(fn) {
      this.armed++;
      pending.set(++next, fn);
      return next;
    },
    clearTimeout: (h) => void pending.delete(h as number),
    fire() {
      const fns = [...pending.values()];
      pending.clear();
      for (const fn of fns) fn();
    },
  };
}

describe("InstructionListener with the real server", () => {
  let t: TestServer;
  let base: string;
  let proxy: TcpProxy;
  const dirs: string[] = [];
  const state = (acq: string) => async () => ((await t.store.instructions.listForAcquisition(acq, { now: Date.now() })) ?? []).map((i) => i.state);

  beforeAll(async () => {
    // Heartbeats every 200 ms: unacked instructions come again after 400 ms, long enough for an ack on a busy machine.
    t = await testServer({ host: "127.0.0.1", port: 0, sseHeartbeatMs: 200 });
    base = await t.server.listen();
    proxy = await startTcpProxy(base);
  });
  afterAll(async () => {
    await proxy.close();
    await t.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** Start a listener for `agentId` (through the proxy); the handler records what it applies. */
  async function listen(agentId: string, extra: Partial<InstructionListenerOptions> = {}, stateDir?: string) {
    const dir = stateDir ?? mkdtempSync(path.join(tmpdir(), "emflow-listener-"));
    if (stateDir === undefined) dirs.push(dir);
    const ledger = await InstructionLedger.open(path.join(dir, "instructions-ledger.json"), { fsync: false });
    const applied: Instruction[] = [];
    const requests: Array<{ url: string; lastEventId: string | undefined }> = [];
    const realFetch = extra.fetch ?? fetch;
    const listener = new InstructionListener({
      server: proxy.url,
      agentId,
      token: TOKEN,
      ledger,
      handler: async (i) => void applied.push(i),
      backoff: { initialMs: 5, maxMs: 50 },
      // Generous, so a slow moment on a shared machine is not taken for a dead link (the last test injects timers).
      heartbeatTimeoutMs: 2000,
      ...extra,
      fetch: async (input, init) => {
        const headers = (init?.headers ?? {}) as Record<string, string>;
        requests.push({ url: String(input), lastEventId: headers["last-event-id"] });
        return realFetch(input, init);
      },
    });
    const stop = new AbortController();
    const running = listener.run(stop.signal);
    await until(() => listener.stats.connected, 5000, "the first connection");
    return {
      listener,
      applied,
      requests,
      dir,
      streams: () => requests.filter((r) => r.url.endsWith("/instructions")),
      stop: async () => {
        stop.abort();
        await running;
      },
    };
  }

  it("applies an instruction once and acks it; the server records it acked", async () => {
    const agent = newAgent();
    const acq = await acquisitionOf(base, agent);
    const l = await listen(agent);
    const r = await enqueue(base, acq, { kind: "acquisition-order", payload: { gridId: "5", gridSquareIds: ["12", "11"] }, ttlS: 600 });
    await until(async () => (await state(acq)()).join() === "acked", 5000, "the ack");
    expect(l.applied.map((i) => [i.id, i.kind, i.payload])).toEqual([[r.body.instruction.id, "acquisition-order", { gridId: "5", gridSquareIds: ["12", "11"] }]]);
    // Several heartbeats later: still applied once, nothing sent again.
    await new Promise((res) => setTimeout(res, 700));
    expect(l.applied).toHaveLength(1);
    expect(l.listener.stats).toMatchObject({ applied: 1, acked: 1, duplicates: 0, connects: 1, lastEventId: String(r.body.instruction.seq) });
    await l.stop();
  });

  it("after a dropped connection, reconnects with Last-Event-ID and receives only what it missed", async () => {
    const agent = newAgent();
    const acq = await acquisitionOf(base, agent);
    const l = await listen(agent);
    const first = (await enqueue(base, acq, note("before the drop"))).body.instruction;
    await until(() => l.listener.stats.acked === 1, 5000, "the first ack");
    proxy.refuse(true);
    proxy.dropAll();
    await until(() => !l.listener.stats.connected, 5000, "the drop");
    const missed = [(await enqueue(base, acq, note("missed 1"))).body.instruction, (await enqueue(base, acq, note("missed 2"))).body.instruction];
    proxy.refuse(false);
    await until(() => l.listener.stats.acked === 3, 5000, "the missed ones");
    expect(l.applied.map((i) => i.id)).toEqual([first.id, ...missed.map((m) => m.id)]);
    const resumed = l.streams().filter((s) => s.lastEventId !== undefined);
    expect(resumed.length).toBeGreaterThanOrEqual(1);
    expect(resumed[0]!.lastEventId).toBe(String(first.seq));
    expect(l.listener.stats.duplicates).toBe(0);
    expect(await state(acq)()).toEqual(["acked", "acked", "acked"]);
    await l.stop();
  });

  it("when an ack is lost, the server sends the instruction again after reconnecting; the ledger acks it without applying it again", async () => {
    const agent = newAgent();
    const acq = await acquisitionOf(base, agent);
    let failAcks = 1;
    const flaky: typeof fetch = async (input, init) => {
      if (init?.method === "POST" && failAcks-- > 0) throw new TypeError("fetch failed", { cause: { code: "ECONNRESET" } });
      return fetch(input, init);
    };
    const l = await listen(agent, { fetch: flaky });
    const r = (await enqueue(base, acq, note("apply me once"))).body.instruction;
    await until(() => l.listener.stats.ackFailures === 1, 5000, "the failed ack");
    expect(await state(acq)()).toEqual(["delivered"]);
    proxy.dropAll();
    await until(() => l.listener.stats.acked === 1, 5000, "the ack of the redelivery");
    expect(l.applied.map((i) => i.id)).toEqual([r.id]);
    expect(l.listener.stats.duplicates).toBeGreaterThanOrEqual(1);
    expect(l.listener.stats.connects).toBeGreaterThanOrEqual(2);
    const [record] = (await t.store.instructions.listForAcquisition(acq, { now: Date.now() }))!;
    expect(record).toMatchObject({ state: "acked" });
    expect(record!.deliveries).toBeGreaterThanOrEqual(2);
    await l.stop();
  });

  it("after a restart, the persisted ledger keeps an applied but unacked instruction from being applied again", async () => {
    const agent = newAgent();
    const acq = await acquisitionOf(base, agent);
    const noAcks: typeof fetch = async (input, init) => (init?.method === "POST" ? new Response("{}", { status: 503 }) : fetch(input, init));
    const before = await listen(agent, { fetch: noAcks });
    const r = (await enqueue(base, acq, note("survive a restart"))).body.instruction;
    await until(() => before.listener.stats.applied === 1, 5000, "the application");
    await before.stop();
    expect(await state(acq)()).toEqual(["delivered"]);

    const after = await listen(agent, {}, before.dir);
    expect(after.streams()[0]!.lastEventId).toBe(String(r.seq));
    await until(() => after.listener.stats.acked === 1, 5000, "the ack after the restart");
    expect(after.applied).toEqual([]);
    expect(after.listener.stats.duplicates).toBe(1);
    expect(await state(acq)()).toEqual(["acked"]);
    await after.stop();
  });

  it("reconnects when heartbeats stop on a connection that stays open (injected watchdog timers)", async () => {
    const agent = newAgent();
    const acq = await acquisitionOf(base, agent);
    const timers = manualTimers();
    const l = await listen(agent, { timers });
    const first = (await enqueue(base, acq, note("before the silence"))).body.instruction;
    await until(() => l.listener.stats.acked === 1, 5000, "the first ack");
    // Every heartbeat re-arms the watchdog; the connection stays up.
    const armed = timers.armed;
    await until(() => timers.armed >= armed + 2, 3000, "heartbeats re-arming the watchdog");
    expect(l.listener.stats.connects).toBe(1);

    proxy.freeze(STREAM);
    const during = (await enqueue(base, acq, note("sent into the silence"))).body.instruction;
    await new Promise((res) => setTimeout(res, 50));
    expect(l.applied).toHaveLength(1);
    timers.fire();
    await until(() => l.listener.stats.connects === 2, 5000, "the reconnect");
    await until(() => l.listener.stats.acked === 2, 5000, "what was sent into the silence");
    expect(l.applied.map((i) => i.id)).toEqual([first.id, during.id]);
    expect(l.streams()[1]!.lastEventId).toBe(String(first.seq));
    await l.stop();
  });
});
