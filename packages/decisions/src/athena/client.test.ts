import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AthenaClient } from "./client.js";
import { acquisitionOrderDecision, atlasArea, foilHoleArea, gridSquareArea, includeDecision, parseAcquisitionOrder } from "./mapping.js";
import { startAthenaSimulator, type AthenaSimulator } from "./simulator.js";

const T0 = Date.parse("2025-03-01T09:00:00.000Z");
let sim: AthenaSimulator;
let client: AthenaClient;
let tick: number;

beforeEach(async () => {
  tick = 0;
  // Every read of the clock advances it by one second, so each record gets its own time.
  sim = await startAthenaSimulator({ clock: () => T0 + 1000 * tick++, version: "9.9.9-test" });
  client = new AthenaClient({ baseUrl: sim.url, retry: { retries: 0 } });
});
afterEach(() => sim.close());

describe("AthenaClient against the simulator over HTTP", () => {
  it("runs the whole flow: session, squares and holes, states, decisions, results, runs", async () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await client.version()).toBe("9.9.9-test");
    expect(await client.status()).toBe("Healthy");

    const session = await client.registerSession({ sessionName: "visit-42 grid 3", gridType: "HoleyGold" });
    expect(session.sessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(session).toMatchObject({ sessionName: "visit-42 grid 3", gridType: "HoleyGold", athenaId: null });
    const sid = session.sessionId;
    expect(await client.getSession(sid)).toEqual(session);
    expect(await client.findSession("visit-42 grid 3")).toEqual(session);
    expect(await client.findSession("no such visit")).toBeUndefined();
    expect(await client.isSessionRegistered(sid)).toBe(true);
    expect((await client.listSessions()).map((s) => s.sessionId)).toEqual([sid]);

    // The atlas, two squares under it, and holes under the squares, in one bulk call.
    const registered = await client.registerAreas([
      atlasArea(sid),
      gridSquareArea(sid, "1850001"),
      gridSquareArea(sid, "1850002"),
      foilHoleArea(sid, "30000011", "1850001"),
      foilHoleArea(sid, "30000012", "1850001"),
      foilHoleArea(sid, "30000021", "1850002"),
    ]);
    expect(registered).toHaveLength(6);
    expect(await client.registerArea(foilHoleArea(sid, 30000022, 1850002))).toEqual({ id: 30000022, sessionId: sid, areaType: "foilhole", parentId: 1850002 });
    expect((await client.listAreas(sid, { areaType: "gridsquare" })).map((a) => a.id)).toEqual([1850001, 1850002]);
    expect((await client.listAreas(sid, { parentAreaId: 1850002 })).map((a) => a.id)).toEqual([30000021, 30000022]);
    expect((await client.listChildAreas(sid, 1850001)).map((a) => a.id)).toEqual([30000011, 30000012]);
    expect(await client.getArea(sid, 30000012)).toMatchObject({ areaType: "foilhole", parentId: 1850001 });
    // PUT moves a hole to the other square (the spec answers with an array).
    expect(await client.updateArea({ ...foilHoleArea(sid, 30000012, 1850002) })).toEqual([{ id: 30000012, sessionId: sid, areaType: "foilhole", parentId: 1850002 }]);
    await client.updateAreas([foilHoleArea(sid, 30000012, 1850001), foilHoleArea(sid, 30000099, 1850001)]);
    expect((await client.listChildAreas(sid, 1850001)).map((a) => a.id)).toEqual([30000011, 30000012, 30000099]);

    // Area states: one, then several; latest per area.
    const first = await client.postAreaState({ sessionId: sid, areaId: 1850001, state: "queued" });
    expect(first).toMatchObject({ id: 1, areaId: 1850001, state: "queued" });
    const more = await client.postAreaStates([
      { sessionId: sid, areaId: 1850001, state: "started" },
      { sessionId: sid, areaId: 30000011, state: "completed" },
    ]);
    expect(more.map((s) => s.id)).toEqual([2, 3]);
    expect((await client.getLatestAreaState(sid, 1850001)).state).toBe("started");
    expect((await client.listAreaStates(sid, { areaType: "gridsquare" })).map((s) => s.state)).toEqual(["queued", "started"]);
    expect((await client.listAreaStates(sid, { parentAreaId: 1850001 })).map((s) => s.areaId)).toEqual([30000011]);

    // Decisions: none yet, then an order of squares, a skipped square, an order of holes.
    expect(await client.getLatestDecision(sid)).toBeUndefined();
    const order = await client.postDecision(acquisitionOrderDecision({ sessionId: sid, parentAreaId: 1, orderedAreaIds: ["1850002", "1850001"], details: "ranked by predicted CTF fit" }));
    expect(order).toMatchObject({ areaId: 1, decisionType: "acquisitionOrder", pluginType: "custom", decisionValue: "[1850002,1850001]", decidedBy: "emflow" });
    const bulk = await client.postDecisions([includeDecision(sid, 1850001, false, "thick ice"), acquisitionOrderDecision({ sessionId: sid, parentAreaId: 1850002, orderedAreaIds: [30000022, 30000021] })]);
    expect(bulk.map((d) => d.decisionType)).toEqual(["include", "acquisitionOrder"]);
    expect(new Set([order.id, ...bulk.map((d) => d.id)]).size).toBe(3);
    expect(await client.getDecision(sid, order.id)).toEqual(order);
    expect(await client.getLatestDecision(sid)).toEqual(bulk[1]);
    expect(await client.getLatestDecision(sid, { areaId: 1 })).toEqual(order);
    expect(await client.getLatestDecision(sid, { decisionType: "include" })).toEqual(bulk[0]);
    expect(await client.getLatestDecision(sid, { pluginType: "dummy" })).toBeUndefined();
    const all = await client.listDecisions(sid);
    expect(all.map((d) => d.id)).toEqual([order.id, bulk[0]?.id, bulk[1]?.id]);
    expect(all.map((d) => Date.parse(d.timestamp))).toEqual([...all.map((d) => Date.parse(d.timestamp))].sort((a, b) => a - b));
    expect((await client.listDecisions(sid, { areaIds: [1850001, 1850002] })).map((d) => d.decisionType)).toEqual(["include", "acquisitionOrder"]);
    expect(parseAcquisitionOrder(all[0] ?? order)).toEqual([1850002, 1850001]);

    // Algorithm results are Athena's own: seeded on the simulator, read through the API.
    sim.addAlgorithmResult(sid, 30000011, "ctf", { resolution: 3.2, defocus: 1.4 });
    sim.addAlgorithmResult(sid, 30000012, "ctf", { resolution: 4.1, defocus: 1.9 });
    expect((await client.getAlgorithmResult(sid, 30000011, "ctf")).result).toEqual({ resolution: 3.2, defocus: 1.4 });
    expect((await client.listAlgorithmResults(sid, { parentAreaId: 1850001, name: "ctf" })).map((r) => r.areaId)).toEqual([30000011, 30000012]);
    expect((await client.getLatestAlgorithmResult(sid, { parentAreaId: 1850001 }))?.areaId).toBe(30000012);
    expect(await client.listAlgorithmResults(sid, { name: "motioncorrection" })).toEqual([]);
    expect(await client.getLatestAlgorithmResult(sid, { name: "atlas" })).toBeUndefined();

    // Runs: numbered from 1, stopped with a reason.
    const run = await client.startRun(sid);
    expect(run).toMatchObject({ sessionId: sid, runNumber: 1, stopTime: null });
    const stopped = await client.stopRun({ sessionId: sid, runNumber: 1, reason: "acquisition completed" });
    expect(stopped.stopReason).toBe("acquisition completed");
    expect(Date.parse(stopped.stopTime ?? "")).toBeGreaterThan(Date.parse(run.startTime ?? ""));
    expect((await client.startRun(sid)).runNumber).toBe(2);
    expect((await client.listRuns(sid)).map((r) => r.runNumber)).toEqual([1, 2]);
    expect(await client.getRun(sid, 1)).toEqual(stopped);

    // What the microscope side received, in order.
    const kinds = sim.state.events.map((e) => e.kind);
    expect(kinds.filter((k) => k === "decision")).toHaveLength(3);
    expect(kinds.indexOf("run.started")).toBeGreaterThan(kinds.lastIndexOf("decision"));
    expect(kinds.at(-1)).toBe("run.started");

    // Deleting decisions, then the session.
    await client.deleteDecisions(sid, { areaId: 1850001, decisionType: "include" });
    expect((await client.listDecisions(sid)).map((d) => d.decisionType)).toEqual(["acquisitionOrder", "acquisitionOrder"]);
    await client.deleteDecisions(sid);
    expect(await client.listDecisions(sid)).toEqual([]);
    expect((await client.deleteSession(sid)).sessionId).toBe(sid);
    expect(await client.isSessionRegistered(sid)).toBe(false);
  });

  it("keeps a caller-chosen session id and writes timestamps from the injected clock", async () => {
    const sessionId = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
    const s = await client.registerSession({ sessionName: "My Session", sessionId: sessionId.toUpperCase() });
    expect(s.sessionId).toBe(sessionId);
    expect(s.gridType).toBe("HoleyCarbon");
    const at = Date.parse(s.timestamp);
    expect(at).toBeGreaterThanOrEqual(T0);
    expect(at).toBeLessThan(T0 + 1000 * tick);
    expect(at % 1000).toBe(0);
  });

  it("closes the loop: the simulated microscope acts on the newest decision once", async () => {
    const { sessionId: sid } = await client.registerSession({ sessionName: "loop" });
    await client.registerAreas([atlasArea(sid), gridSquareArea(sid, 11), gridSquareArea(sid, 12), gridSquareArea(sid, 13)]);
    expect(sim.consume(sid)).toBeUndefined();
    await client.postDecision(acquisitionOrderDecision({ sessionId: sid, parentAreaId: 1, orderedAreaIds: [11, 12, 13] }));
    const newer = await client.postDecision(acquisitionOrderDecision({ sessionId: sid, parentAreaId: 1, orderedAreaIds: [13, 11, 12] }));
    const acted = sim.consume(sid, { decisionType: "acquisitionOrder" });
    expect(acted?.id).toBe(newer.id);
    expect(parseAcquisitionOrder(acted ?? newer)).toEqual([13, 11, 12]);
    expect(sim.consume(sid)).toBeUndefined();
    await client.postDecision(includeDecision(sid, 12, false));
    expect(sim.consume(sid, { decisionType: "acquisitionOrder" })).toBeUndefined();
    expect(sim.consume(sid)?.decisionType).toBe("include");
    expect(sim.state.events.filter((e) => e.kind === "decision.consumed").map((e) => e.detail.decisionType)).toEqual(["acquisitionOrder", "include"]);
  });
});
