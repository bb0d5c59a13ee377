/** The processing read API over a store with recorded steps, and the 503/4xx answers without live processing. */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IngestResult } from "@emflow/core";
import { MicrographProcessing, ProcessingSummary } from "../model/processing.js";
import { epuDirExampleBatch, uniqueSession } from "../testing/fixtures.js";
import { AUTH, testServer, type TestServer } from "../testing/test-server.js";

describe("processing API (reads, no live processing)", () => {
  let t: TestServer;
  let session: IngestResult;
  let micrographId: string;
  const inject = async (method: "GET" | "POST", url: string, payload?: object, headers: Record<string, string> = AUTH) => {
    const res = await t.server.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
    return { status: res.statusCode, body: res.json() };
  };

  beforeAll(async () => {
    t = await testServer();
    session = IngestResult.parse((await t.server.app.inject({ method: "POST", url: "/api/v1/ingest", headers: AUTH, payload: epuDirExampleBatch(uniqueSession("P")) })).json());
    micrographId = (await t.store.listMicrographs({ acquisitionId: session.acquisitionId })).items[0]!.id;
    await t.store.recordSteps([
      {
        micrographId,
        step: "ctf",
        state: "done",
        attempt: 1,
        tool: "builtin",
        at: "2026-11-22T03:00:00Z",
        result: { defocus_u: 18_000, defocus_v: 17_400, astigmatism_angle: 12, score: 0.4, fit_resolution: 4.2 },
      },
      { micrographId, step: "pick", state: "failed", attempt: 2, error: "diameter missing", at: "2026-11-22T03:00:01Z" },
    ]);
  });
  afterAll(() => t.close());

  it("serves a micrograph's steps, results and metrics", async () => {
    const r = await inject("GET", `/api/v1/micrographs/${micrographId}/processing`);
    expect(r.status).toBe(200);
    const p = MicrographProcessing.parse(r.body);
    expect(p.state).toBe("failed");
    expect(p.steps.map((s) => [s.step, s.state, s.error])).toEqual([
      ["ctf", "done", null],
      ["pick", "failed", "diameter missing"],
    ]);
    expect(p.metrics).toMatchObject({ defocusUA: 18_000, astigmatismA: 600, ctfFitResolutionA: 4.2 });
  });

  it("serves the session summary and its failures", async () => {
    const s = ProcessingSummary.parse((await inject("GET", `/api/v1/acquisitions/${session.acquisitionId}/processing`)).body);
    expect(s).toMatchObject({ micrographs: 4, started: 1, processed: 0, failed: 1, settings: { state: "stopped" } });
    expect(s.steps.ctf.done).toBe(1);
    const f = await inject("GET", `/api/v1/acquisitions/${session.acquisitionId}/processing/failures?limit=5`);
    expect(f.body).toMatchObject([{ micrographId, step: "pick", error: "diameter missing", attempts: 2 }]);
  });

  it("answers 404 for unknown ids and 400 for a bad limit", async () => {
    expect((await inject("GET", `/api/v1/micrographs/${randomUUID()}/processing`)).status).toBe(404);
    expect((await inject("GET", `/api/v1/acquisitions/${randomUUID()}/processing`)).status).toBe(404);
    expect((await inject("GET", `/api/v1/acquisitions/${randomUUID()}/processing/failures`)).status).toBe(404);
    expect((await inject("GET", `/api/v1/acquisitions/${session.acquisitionId}/processing/failures?limit=0`)).status).toBe(400);
  });

  it("answers 503 with a hint when the server does not run processing, and 401 without a token", async () => {
    const r = await inject("POST", `/api/v1/acquisitions/${session.acquisitionId}/processing/start`, { apix: 1.1 });
    expect(r.status).toBe(503);
    expect(r.body.error.message).toMatch(/processing is not enabled/);
    expect((await inject("GET", "/api/v1/queues")).status).toBe(503);
    expect((await inject("POST", `/api/v1/acquisitions/${session.acquisitionId}/processing/stop`, undefined, {})).status).toBe(401);
  });

  it("rejects absurd start parameters with 400 naming the field", async () => {
    const r = await inject("POST", `/api/v1/acquisitions/${session.acquisitionId}/processing/start`, { apix: -1 });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/apix/);
    expect((await inject("POST", `/api/v1/acquisitions/${session.acquisitionId}/processing/start`, { bogus: 1 })).status).toBe(400);
  });
});
