import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startAthenaSimulator, type AthenaSimRequestLog, type AthenaSimulator } from "./simulator.js";

let sim: AthenaSimulator;
const log: AthenaSimRequestLog[] = [];
let ids = 0;

beforeEach(async () => {
  log.length = 0;
  ids = 0;
  sim = await startAthenaSimulator({
    clock: () => Date.parse("2025-01-01T00:00:00Z"),
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, "0")}`,
    onRequest: (e) => log.push(e),
    maxBodyBytes: 1024 * 1024,
  });
});
afterEach(() => sim.close());

const call = async (method: string, path: string, body?: unknown, raw?: string) => {
  const res = await fetch(sim.url + path, { method, headers: { "content-type": "application/json" }, body: raw ?? (body === undefined ? null : JSON.stringify(body)) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>) };
};

describe("Athena simulator over raw HTTP", () => {
  it("answers unknown routes 404 and wrong methods 405 with Allow, as ProblemDetails", async () => {
    const missing = await call("GET", "/api/v1/Nope");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/problem+json");
    expect(missing.json).toMatchObject({ status: 404, title: "Not Found", detail: "no such endpoint: /api/v1/Nope" });
    const wrong = await call("DELETE", "/api/v1/Areas");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST, PUT");
  });

  it("rejects bodies over 1 MB with 413, bad JSON and bad fields with 400", async () => {
    const big = await call("POST", "/api/v1/Session", undefined, JSON.stringify({ sessionName: "x".repeat(1024 * 1024 + 10) }));
    expect(big.status).toBe(413);
    expect(String(big.json?.detail)).toContain("exceeds the limit of 1048576 bytes");
    const bad = await call("POST", "/api/v1/Session", undefined, "{not json");
    expect(bad.status).toBe(400);
    expect(String(bad.json?.detail)).toMatch(/^body is not valid JSON/);
    const extra = await call("POST", "/api/v1/Session", { sessionName: "a", colour: "red" });
    expect(extra.status).toBe(400);
    expect(String(extra.json?.detail)).toContain("colour");
    const badId = await call("GET", "/api/v1/Session/123/Areas");
    expect(badId.status).toBe(400);
    expect(String(badId.json?.detail)).toMatch(/^sessionId: /);
    expect(sim.state.sessions.size).toBe(0);
  });

  it("matches literal path segments case-insensitively, like ASP.NET", async () => {
    expect((await call("GET", "/API/V1/sessions")).status).toBe(200);
  });

  it("registers a bulk of areas all-or-nothing and logs one line per request", async () => {
    const s = (await call("POST", "/api/v1/Session", { sessionName: "bulk" })).json;
    expect(s?.sessionId).toBe("00000000-0000-4000-8000-000000000001");
    const sessionId = String(s?.sessionId);
    const res = await call("POST", "/api/v1/Areas", [
      { id: 10, sessionId, areaType: "gridsquare" },
      { id: 11, sessionId, areaType: "foilhole", parentId: 10 },
      { id: 12, sessionId, areaType: "foilhole", parentId: 99 },
    ]);
    expect(res.status).toBe(404);
    expect(sim.state.sessions.get(sessionId)?.areas.size).toBe(0);
    const illegal = await call("POST", "/api/v1/Area", { id: 0, sessionId, areaType: "gridsquare" });
    expect(illegal.status).toBe(400);
    expect(log.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual(["POST /api/v1/Session 201", "POST /api/v1/Areas 404", "POST /api/v1/Area 400"]);
    expect(log[1]?.error).toBe("parent area 99 of area 12 is not registered");
    expect(log.every((e) => e.at === "2025-01-01T00:00:00.000Z" && e.ms === 0)).toBe(true);
  });

  it("reads Decisions?areaId= as the spec's samples write it, and answers 204 for no latest decision", async () => {
    const sessionId = String((await call("POST", "/api/v1/Session", { sessionName: "d" })).json?.sessionId);
    await call("POST", "/api/v1/Areas", [1, 2, 3].map((id) => ({ id, sessionId, areaType: "gridsquare" })));
    expect((await call("GET", `/api/v1/Session/${sessionId}/LatestDecision`)).status).toBe(204);
    for (const areaId of [1, 2, 3]) await call("POST", "/api/v1/Decision", { sessionId, areaId, decisionType: "include", decisionValue: "true" });
    const two = await call("GET", `/api/v1/Session/${sessionId}/Decisions?areaId=1&areaId=3`);
    expect((two.json as unknown as Array<{ areaId: number }>).map((d) => d.areaId)).toEqual([1, 3]);
    expect((await call("GET", `/api/v1/Session/${sessionId}/Decisions?areaIds=2`)).json).toHaveLength(1);
    expect((await call("GET", `/api/v1/Session/${sessionId}/LatestDecision?decisionType=focal`)).status).toBe(400);
    expect((await call("GET", `/api/v1/Session/${sessionId}/LatestDecision?areaId=4`)).status).toBe(404);
  });

  it("refuses to stop a run twice, and keeps an event log of what arrived", async () => {
    const sessionId = String((await call("POST", "/api/v1/Session", { sessionName: "runs" })).json?.sessionId);
    expect((await call("POST", "/api/v1/RunStart", { sessionId })).json).toMatchObject({ runNumber: 1, startTime: "2025-01-01T00:00:00.000Z" });
    expect((await call("PATCH", "/api/v1/RunStop", { sessionId, runNumber: 1, reason: "done" })).status).toBe(200);
    expect((await call("PATCH", "/api/v1/RunStop", { sessionId, runNumber: 1 })).status).toBe(409);
    expect(sim.state.events.map((e) => [e.seq, e.kind, e.detail.runNumber])).toEqual([
      [1, "session.registered", undefined],
      [2, "run.started", 1],
      [3, "run.stopped", 1],
    ]);
  });
});
