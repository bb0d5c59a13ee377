/**
 * The decisions API over a session with known ground truth: squares 0 and 2
 * give good micrographs, squares 1 and 3 bad ones, squares 4 and 5 are not
 * imaged. Scores, ranking, operator actions, modes, and both links (the agent's
 * instruction channel and a real Athena simulator over HTTP).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AthenaClient, parseAcquisitionOrder, parseScenario, policyByName, simulate, startAthenaSimulator, type AthenaSimulator } from "@emflow/decisions";
import { IngestResult, type IngestItem, type StepUpdate } from "@emflow/core";
import type { EngineTimers } from "../decisions/engine.js";
import { Decision, DecisionSettings } from "../model/decisions.js";
import { batchOf, uniqueSession } from "../testing/fixtures.js";
import { synthIds, synthItems } from "../testing/synth-batch.js";
import { AUTH, testServer, type TestServer } from "../testing/test-server.js";

const SQUARES = 6;
const HOLES = 40;
const SHOT = 10; // holes imaged in each imaged square
const GOOD = new Set([0, 2]);
const IMAGED = new Set([0, 1, 2, 3]);

/** Timers the test fires by hand: the engine's debounce never depends on the clock. */
class ManualTimers implements EngineTimers {
  pending = new Map<number, () => void>();
  private next = 1;
  setTimeout(fn: () => void, _ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, fn);
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  fire(): number {
    const fns = [...this.pending.values()];
    this.pending.clear();
    for (const fn of fns) fn();
    return fns.length;
  }
}

/** Square s's index from its EPU id. */
const squareIndex = (naturalId: string): number => Number(naturalId) - Number(synthIds.square(0, 0));

describe("decisions API", () => {
  let t: TestServer;
  let sim: AthenaSimulator;
  let acq: string;
  const timers = new ManualTimers();
  const inject = async (method: "GET" | "POST" | "PUT", url: string, payload?: object, headers: Record<string, string> = AUTH) => {
    const res = await t.server.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
    return { status: res.statusCode, body: res.json() };
  };

  beforeAll(async () => {
    sim = await startAthenaSimulator();
    t = await testServer({}, { decisions: { timers, athena: new AthenaClient({ baseUrl: sim.url, retry: { retries: 0 } }) } });
    // The first SHOT holes of squares 0-3 are imaged; squares 4 and 5 not at all.
    // Every square selected in EPU (synthItems selects every other one).
    const items = synthItems({ squares: SQUARES, holesPerSquare: HOLES, micrographsPerHole: 1 })
      .map((it: IngestItem) => (it.kind === "gridSquare" ? { ...it, data: { ...it.data, selected: true, state: "Queued" as const } } : it))
      .filter((it: IngestItem) => {
      if (it.kind !== "micrograph") return true;
      const s = squareIndex(it.gridSquareId);
      const h = Number(it.foilHoleId) % 1000;
      return IMAGED.has(s) && h < SHOT;
    });
    const r = await t.server.app.inject({ method: "POST", url: "/api/v1/ingest", headers: AUTH, payload: batchOf(uniqueSession("D"), items) });
    acq = IngestResult.parse(r.json()).acquisitionId;
    const mgs = (await t.store.listMicrographs({ acquisitionId: acq, limit: 1000 })).items;
    expect(mgs).toHaveLength(4 * SHOT);
    const squares = new Map((await t.store.listGridSquares({ gridId: mgs[0]!.gridId, limit: 1000 })).items.map((s) => [s.id, s.naturalId]));
    const updates: StepUpdate[] = [];
    const at = "2026-11-22T03:00:00Z";
    for (const m of mgs) {
      const good = GOOD.has(squareIndex(squares.get(m.gridSquareId)!));
      updates.push(
        { micrographId: m.id, step: "ctf", state: "done", attempt: 1, at, result: { defocus_u: 15_000, defocus_v: 14_800, astigmatism_angle: 10, score: 0.3, fit_resolution: good ? 3.4 : 9.5 } },
        { micrographId: m.id, step: "pick", state: "done", attempt: 1, at, result: { picks: Array.from({ length: good ? 120 : 8 }, (_, i) => [i * 10, i * 10]), diameter: 150 } },
        { micrographId: m.id, step: "ice", state: "done", attempt: 1, at, result: { min: 0.05, q1: 0.08, median: good ? 0.1 : 0.4, q3: 0.12, max: 0.2 } },
      );
    }
    const rec = await t.store.recordSteps(updates);
    expect(rec.ignored).toEqual([]);
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it("scores each square from its results, and predicts the ones not imaged", async () => {
    const r = await inject("GET", `/api/v1/acquisitions/${acq}/scores`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ acquisitionId: acq, policy: "ucb", micrographs: 4 * SHOT, good: 2 * SHOT });
    const byIndex = new Map<number, { observed: { micrographs: number; good: number; goodFraction: number }; predicted: number; predictedSd: number }>(
      r.body.items.map((a: { naturalId: string }) => [squareIndex(a.naturalId), a]),
    );
    expect(byIndex.size).toBe(SQUARES);
    for (const s of IMAGED) {
      const a = byIndex.get(s)!;
      expect(a.observed.micrographs).toBe(SHOT);
      expect(a.observed.good).toBe(GOOD.has(s) ? SHOT : 0);
    }
    // Observed good squares predict better for their remaining holes than observed bad ones.
    expect(Math.min(byIndex.get(0)!.predicted, byIndex.get(2)!.predicted)).toBeGreaterThan(Math.max(byIndex.get(1)!.predicted, byIndex.get(3)!.predicted));
    for (const a of byIndex.values()) {
      expect(a.predicted).toBeGreaterThan(0);
      expect(a.predicted).toBeLessThan(1);
      expect(a.predictedSd).toBeGreaterThan(0);
    }
  });

  it("scores each hole of a square", async () => {
    const squares = (await inject("GET", `/api/v1/acquisitions/${acq}/scores`)).body.items as Array<{ id: string; naturalId: string }>;
    const sq0 = squares.find((s) => squareIndex(s.naturalId) === 0)!;
    const r = await inject("GET", `/api/v1/grid-squares/${sq0.id}/scores`);
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(HOLES);
    expect(r.body.items.filter((h: { observed: { good: number } }) => h.observed.good === 1)).toHaveLength(SHOT);
    expect((await inject("GET", `/api/v1/grid-squares/${randomUUID()}/scores`)).status).toBe(404);
  });

  it("ranks squares with good results above squares with bad ones, with reasons", async () => {
    const r = await inject("GET", `/api/v1/acquisitions/${acq}/acquisition-order`);
    expect(r.status).toBe(200);
    expect(r.body.policy).toBe("ucb");
    const rankOf = new Map<number, number>(r.body.ranked.map((e: { naturalId: string; rank: number }) => [squareIndex(e.naturalId), e.rank]));
    expect(Math.max(rankOf.get(0)!, rankOf.get(2)!)).toBeLessThan(Math.min(rankOf.get(1)!, rankOf.get(3)!));
    for (const e of r.body.ranked) expect(e.reasons.length).toBeGreaterThan(0);
  });

  it("makes a decision in advise mode; an operator accepts, rejects, and cannot act on a closed one", async () => {
    const settings = DecisionSettings.parse((await inject("GET", `/api/v1/acquisitions/${acq}/decision-settings`)).body);
    expect(settings).toMatchObject({ mode: "advise", policy: "ucb", link: "none" });
    const made = await inject("POST", `/api/v1/acquisitions/${acq}/decisions/recompute`);
    expect(made.status).toBe(200);
    const d = Decision.parse(made.body.decision);
    expect(d.state).toBe("proposed");
    expect(d.reasons.length).toBeGreaterThan(0);
    expect(Object.keys(d.numbers).length).toBeGreaterThan(0);
    // Never a square whose results were all bad.
    expect([1, 3]).not.toContain(squareIndex(d.target!));
    const accepted = await inject("POST", `/api/v1/decisions/${d.id}/accept`, { note: "looks right" });
    expect(accepted.body).toMatchObject({ state: "accepted", operator: "agent", note: "looks right" });
    expect((await inject("POST", `/api/v1/decisions/${d.id}/accept`, {})).status).toBe(409);
    expect((await inject("POST", `/api/v1/decisions/${d.id}/reject`, {})).body).toMatchObject({ state: "rejected" });
    const again = await inject("POST", `/api/v1/decisions/${d.id}/accept`, {});
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/cannot accept a decision that is rejected/);
  });

  it("an override supersedes the open decision and is recorded with the operator", async () => {
    const d = Decision.parse((await inject("POST", `/api/v1/acquisitions/${acq}/decisions/recompute`)).body.decision);
    const o = await inject("POST", `/api/v1/acquisitions/${acq}/decisions/override`, { gridSquareId: synthIds.square(0, 5), note: "try the far corner" });
    expect(o.status).toBe(200);
    expect(o.body).toMatchObject({ source: "operator", target: synthIds.square(0, 5), state: "accepted", operator: "agent", overrides: d.id, reasons: ["operator_override"] });
    expect((await inject("GET", `/api/v1/decisions/${d.id}`)).body.state).toBe("overridden");
    const list = (await inject("GET", `/api/v1/acquisitions/${acq}/decisions?limit=3`)).body as Decision[];
    expect(list[0]!.id).toBe(o.body.id);
    expect((await inject("GET", `/api/v1/acquisitions/${acq}/decisions?open=true`)).body.map((x: Decision) => x.id)).toEqual([o.body.id]);
  });

  it("answers 4xx for bad input, unknown ids and a missing token", async () => {
    expect((await inject("POST", `/api/v1/acquisitions/${acq}/decisions/override`, { gridSquareId: "123" })).status).toBe(404);
    expect((await inject("POST", `/api/v1/acquisitions/${acq}/decisions/override`, { square: "1" })).status).toBe(400);
    expect((await inject("POST", `/api/v1/acquisitions/${acq}/decisions/override`, { gridSquareId: synthIds.square(0, 1) }, {})).status).toBe(401);
    expect((await inject("PUT", `/api/v1/acquisitions/${acq}/decision-settings`, { mode: "sometimes" })).status).toBe(400);
    const bad = await inject("PUT", `/api/v1/acquisitions/${acq}/decision-settings`, { policy: "random" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/unknown policy "random"/);
    expect((await inject("POST", `/api/v1/decisions/${randomUUID()}/accept`, {})).status).toBe(404);
    expect((await inject("GET", `/api/v1/decisions/not-a-uuid`)).status).toBe(404);
    expect((await inject("GET", `/api/v1/acquisitions/${randomUUID()}/scores`)).status).toBe(404);
    expect((await inject("GET", `/api/v1/acquisitions/${randomUUID()}/decision-settings`)).status).toBe(404);
  });

  it("auto mode over the agent link: the decision is sent as an acquisition-order instruction", async () => {
    const s = await inject("PUT", `/api/v1/acquisitions/${acq}/decision-settings`, { mode: "auto", link: "agent" });
    expect(s.body).toMatchObject({ mode: "auto", link: "agent", policy: "ucb" });
    const d = Decision.parse((await inject("POST", `/api/v1/acquisitions/${acq}/decisions/recompute`)).body.decision);
    expect(d.state).toBe("sent");
    expect(d.delivery).toMatchObject({ link: "agent", agentId: "test-agent" });
    const instr = (await inject("GET", `/api/v1/acquisitions/${acq}/instructions`)).body.items as Array<{ kind: string; payload: { gridSquareIds: string[] }; state: string }>;
    const last = instr.at(-1)!;
    expect(last.kind).toBe("acquisition-order");
    expect(last.payload.gridSquareIds[0]).toBe(d.target);
    expect(last.payload.gridSquareIds).toHaveLength(new Set(last.payload.gridSquareIds).size);
  });

  it("auto mode over the Athena link: the order reaches the Decision Service over HTTP", async () => {
    await inject("PUT", `/api/v1/acquisitions/${acq}/decision-settings`, { link: "athena" });
    const d = Decision.parse((await inject("POST", `/api/v1/acquisitions/${acq}/decisions/recompute`)).body.decision);
    expect(d.state).toBe("sent");
    expect(d.delivery).toMatchObject({ link: "athena", sessionId: acq });
    const received = sim.consume(acq);
    expect(received?.decisionType).toBe("acquisitionOrder");
    const ids = parseAcquisitionOrder(received!);
    expect(String(ids[0])).toBe(d.target);
    expect(received!.details).toMatch(/policy ucb/);
  });

  it("exports the session as a simulator scenario with outcomes from its own results, which the simulator replays", async () => {
    const r = await inject("GET", `/api/v1/acquisitions/${acq}/scenario`);
    expect(r.status).toBe(200);
    const scenario = parseScenario(r.body);
    expect(scenario.squares).toHaveLength(SQUARES);
    expect(scenario.holes).toHaveLength(SQUARES * HOLES);
    const pOf = (s: number, h: number) => scenario.holes.find((x) => x.id === synthIds.hole(0, s, h))!.pGood;
    // Imaged holes: Jeffreys posterior of one result; holes never imaged: their square's pooled results.
    expect(pOf(0, 0)).toBeCloseTo(0.75, 6);
    expect(pOf(1, 0)).toBeCloseTo(0.25, 6);
    expect(pOf(0, HOLES - 1)).toBeGreaterThan(0.9);
    expect(pOf(1, HOLES - 1)).toBeLessThan(0.1);
    const ucb = simulate(scenario, policyByName("ucb"), { hours: 2, seed: 1 });
    const epu = simulate(scenario, policyByName("epu"), { hours: 2, seed: 1 });
    expect(ucb.good).toBeGreaterThan(0);
    expect(epu.good).toBeGreaterThan(0);
    expect((await inject("GET", `/api/v1/acquisitions/${randomUUID()}/scenario`)).status).toBe(404);
  });

  it("decides by itself when results arrive (debounced), and not at all when off", async () => {
    await inject("PUT", `/api/v1/acquisitions/${acq}/decision-settings`, { mode: "advise", link: "none" });
    // The newest decision is an operator's (a bad square), so the policy's next advice differs from it.
    await inject("POST", `/api/v1/acquisitions/${acq}/decisions/override`, { gridSquareId: synthIds.square(0, 1) });
    const count = async () => ((await inject("GET", `/api/v1/acquisitions/${acq}/decisions?limit=1000`)).body as Decision[]).length;
    const before = await count();
    const mg = (await t.store.listMicrographs({ acquisitionId: acq, limit: 1 })).items[0]!;
    const event = { seq: 1, kind: "processing" as const, id: mg.id, acquisitionId: acq, op: "updated" as const, at: new Date().toISOString() };
    t.server.hub.publish([event]);
    t.server.hub.publish([{ ...event, seq: 2 }]);
    expect(timers.pending.size).toBe(1); // two bursts, one pending decision
    timers.fire();
    await expect.poll(count).toBe(before + 1);
    const [newest] = (await inject("GET", `/api/v1/acquisitions/${acq}/decisions?limit=1`)).body as Decision[];
    expect(newest).toMatchObject({ source: "policy", state: "proposed" });
    expect(newest!.target).not.toBe(synthIds.square(0, 1));
    // The same results again: the advice has not changed, so no new decision.
    t.server.hub.publish([{ ...event, seq: 3 }]);
    timers.fire();
    await new Promise((r) => setTimeout(r, 200));
    expect(await count()).toBe(before + 1);
    await inject("PUT", `/api/v1/acquisitions/${acq}/decision-settings`, { mode: "off" });
    expect((await inject("POST", `/api/v1/acquisitions/${acq}/decisions/recompute`)).body).toEqual({ decision: null });
  });
});

describe("the engine's debounce in a session that never goes quiet", () => {
  it("decides at least every 5 × debounce while results keep coming", async () => {
    const timers = new ManualTimers();
    let clock = 0;
    const t = await testServer({}, { decisions: { timers, now: () => clock } });
    try {
      const acq = randomUUID();
      const ev = (seq: number) => ({ seq, kind: "processing" as const, id: randomUUID(), acquisitionId: acq, op: "updated" as const, at: new Date().toISOString() });
      t.server.hub.publish([ev(1)]);
      const first = [...timers.pending.keys()];
      // Results every second: each one restarts the 2 s debounce...
      for (let k = 1; k <= 7; k++) {
        clock += 1000;
        t.server.hub.publish([ev(k + 1)]);
      }
      expect(timers.pending.size).toBe(1);
      expect([...timers.pending.keys()]).not.toEqual(first);
      const pending = [...timers.pending.keys()];
      // ...until the first is 8 s (4 × debounce) old: then the pending decision is left to fire.
      clock += 1000;
      t.server.hub.publish([ev(20)]);
      expect([...timers.pending.keys()]).toEqual(pending);
    } finally {
      await t.close();
    }
  });
});

describe("a session's own quality rule", () => {
  it("re-judges every micrograph with params.qualityRule, and rejects a bad rule with 400", async () => {
    const t = await testServer();
    try {
      const items = synthItems({ squares: 2, holesPerSquare: 3, micrographsPerHole: 1 });
      const acq = IngestResult.parse((await t.server.app.inject({ method: "POST", url: "/api/v1/ingest", headers: AUTH, payload: batchOf(uniqueSession("Q"), items) })).json()).acquisitionId;
      const mgs = (await t.store.listMicrographs({ acquisitionId: acq })).items;
      const at = "2026-11-22T03:00:00Z";
      await t.store.recordSteps(mgs.map((m) => ({ micrographId: m.id, step: "ctf" as const, state: "done" as const, attempt: 1, at, result: { defocus_u: 15_000, defocus_v: 14_800, astigmatism_angle: 10, score: 0.3, fit_resolution: 7 } })));
      const good = async () => (await t.server.app.inject(`/api/v1/acquisitions/${acq}/scores`)).json().good as number;
      expect(await good()).toBe(0); // 7 Å is worse than the default 5 Å
      const put = (params: object) => t.server.app.inject({ method: "PUT", url: `/api/v1/acquisitions/${acq}/decision-settings`, headers: AUTH, payload: { params } });
      expect((await put({ qualityRule: { maxCtfFitResolutionA: 8 } })).statusCode).toBe(200);
      expect(await good()).toBe(6);
      const bad = await put({ qualityRule: { maxCtfFitResolutionA: -1 } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.message).toMatch(/params\.qualityRule\.maxCtfFitResolutionA/);
      expect((await put({ qualityRule: { fitMax: 3 } })).statusCode).toBe(400);
      expect(await good()).toBe(6);
    } finally {
      await t.close();
    }
  });
});

describe("decisions when the link fails", () => {
  let t: TestServer;
  let sim: AthenaSimulator;
  let acq: string;
  let down = true;
  const timers = new ManualTimers();
  const inject = async (method: "GET" | "POST" | "PUT", url: string, payload?: object) => {
    const res = await t.server.app.inject({ method, url, headers: AUTH, ...(payload === undefined ? {} : { payload }) });
    return { status: res.statusCode, body: res.json() };
  };

  beforeAll(async () => {
    // An Athena that answers 503 to everything while `down`.
    sim = await startAthenaSimulator({ fault: () => (down ? 503 : undefined) });
    t = await testServer({}, { decisions: { timers, athena: new AthenaClient({ baseUrl: sim.url, retry: { retries: 0 } }) } });
    const items = synthItems({ squares: 3, holesPerSquare: 5, micrographsPerHole: 1 }).map((it: IngestItem) =>
      it.kind === "gridSquare" ? { ...it, data: { ...it.data, selected: true } } : it,
    );
    const r = await t.server.app.inject({ method: "POST", url: "/api/v1/ingest", headers: AUTH, payload: batchOf(uniqueSession("F"), items.filter((it) => it.kind !== "micrograph" || Number(it.foilHoleId) % 1000 < 2)) });
    acq = IngestResult.parse(r.json()).acquisitionId;
    const mgs = (await t.store.listMicrographs({ acquisitionId: acq, limit: 100 })).items;
    const at = "2026-11-22T03:00:00Z";
    await t.store.recordSteps(mgs.map((m) => ({ micrographId: m.id, step: "ctf" as const, state: "done" as const, attempt: 1, at, result: { defocus_u: 15_000, defocus_v: 14_800, astigmatism_angle: 10, score: 0.3, fit_resolution: 3.5 } })));
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it("advise: accepting while Athena is down answers 502, records the error, and the decision can be sent again", async () => {
    await inject("PUT", `/api/v1/acquisitions/${acq}/decision-settings`, { link: "athena" });
    const d = Decision.parse((await inject("POST", `/api/v1/acquisitions/${acq}/decisions/recompute`)).body.decision);
    const accepted = await inject("POST", `/api/v1/decisions/${d.id}/accept`, {});
    expect(accepted.status).toBe(502);
    expect(accepted.body.error.message).toMatch(/sending to athena failed/);
    const stored = Decision.parse((await inject("GET", `/api/v1/decisions/${d.id}`)).body);
    expect(stored.state).toBe("accepted");
    expect(stored.delivery).toMatchObject({ error: expect.stringMatching(/503/), attempts: 1 });
    down = false;
    const sent = await inject("POST", `/api/v1/decisions/${d.id}/send`);
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ state: "sent", delivery: { link: "athena" } });
    expect(sim.consume(acq)?.decisionType).toBe("acquisitionOrder");
    expect((await inject("POST", `/api/v1/decisions/${d.id}/send`)).status).toBe(409);
  });

  it("auto: a failed send is kept on the decision and retried with backoff until the link is back", async () => {
    down = true;
    await inject("PUT", `/api/v1/acquisitions/${acq}/decision-settings`, { mode: "auto" });
    // An operator override to another square, so the policy's next advice is new.
    const squares = (await inject("GET", `/api/v1/acquisitions/${acq}/scores`)).body.items as Array<{ naturalId: string }>;
    const latest = ((await inject("GET", `/api/v1/acquisitions/${acq}/decisions?limit=1`)).body as Decision[])[0]!;
    const other = squares.find((s) => s.naturalId !== latest.target)!.naturalId;
    expect((await inject("POST", `/api/v1/acquisitions/${acq}/decisions/override`, { gridSquareId: other })).status).toBe(502);
    const made = await inject("POST", `/api/v1/acquisitions/${acq}/decisions/recompute`);
    expect(made.status).toBe(200);
    const d = Decision.parse(made.body.decision);
    expect(d.state).toBe("proposed");
    expect(d.delivery).toMatchObject({ error: expect.stringMatching(/sending to athena failed/), attempts: 1 });
    expect(timers.pending.size).toBe(1); // the retry
    timers.fire();
    await expect.poll(async () => Decision.parse((await inject("GET", `/api/v1/decisions/${d.id}`)).body).delivery?.attempts).toBe(2);
    down = false;
    timers.fire();
    await expect.poll(async () => Decision.parse((await inject("GET", `/api/v1/decisions/${d.id}`)).body).state).toBe("sent");
    // Nothing recorded was lost on the way: the unsent override was superseded by the newer decision (auto mode), not deleted.
    const all = (await inject("GET", `/api/v1/acquisitions/${acq}/decisions?limit=100`)).body as Decision[];
    expect(all.map((x) => [x.source, x.state])).toEqual([["policy", "sent"], ["operator", "superseded"], ["policy", "sent"]]);
  });
});
