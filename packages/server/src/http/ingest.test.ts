/** POST /api/v1/ingest: auth, validation, conflicts, size limit, idempotency; the server keeps serving. */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IngestResult } from "@emflow/core";
import { batchOf, epumocks, epumocksBatch, uniqueSession } from "../testing/fixtures.js";
import { AUTH, testServer, TOKEN, type TestServer } from "../testing/test-server.js";

describe("POST /api/v1/ingest", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await testServer({ bodyLimitBytes: 2 * 1024 * 1024 });
  });
  afterAll(() => t.close());

  const post = (payload: unknown, headers: Record<string, string> = AUTH) =>
    t.server.app.inject({ method: "POST", url: "/api/v1/ingest", headers, payload: payload as object });

  it("applies a real session batch and answers with core's IngestResult", async () => {
    const batch = epumocksBatch(uniqueSession("http"));
    const res = await post(batch);
    expect(res.statusCode).toBe(200);
    const result = IngestResult.parse(res.json());
    expect(result).toMatchObject({ batchId: batch.batchId, duplicate: false, updated: 0 });
    expect(res.json()).not.toHaveProperty("events");
    const summary = await t.server.app.inject(`/api/v1/acquisitions/${result.acquisitionId}/summary`);
    expect(summary.json()).toMatchObject({ foilHoles: 570, atlasTiles: 35, grids: 1 });

    const replay = await post(batch);
    expect(replay.json()).toEqual({ ...result, duplicate: true, created: 0, updated: 0 });
  });

  it("needs a valid bearer token when tokens are configured (401 otherwise)", async () => {
    const batch = batchOf(uniqueSession("auth"), [{ kind: "acquisition", data: {} }]);
    const attempts: Array<Record<string, string>> = [{}, { authorization: "Bearer wrong-token-123" }, { authorization: `Basic ${TOKEN}` }];
    for (const headers of attempts) {
      const res = await post(batch, headers);
      expect(res.statusCode).toBe(401);
      expect(res.headers["www-authenticate"]).toContain("Bearer");
      expect(res.json().error).toMatchObject({ status: 401, code: "unauthorized" });
    }
    expect((await t.store.listAcquisitions({ name: batch.session.name })).total).toBe(0);
    expect((await post(batch)).statusCode).toBe(200);
  });

  it("rejects invalid payloads with 400 naming the bad path", async () => {
    const session = uniqueSession("bad");
    const items: unknown[] = [
      { kind: "acquisition", data: {} },
      { kind: "grid", gridId: "1", data: {} },
      { kind: "gridSquare", gridId: "1", gridSquareId: "2", data: {} },
      { kind: "foilHole", gridId: "1", gridSquareId: "2", foilHoleId: "3", data: { stageXUm: "12" } },
    ];
    const cases: Array<[unknown, string]> = [
      [{ batchId: randomUUID(), session, items }, "items[3].data.stageXUm: expected number"],
      [{ batchId: "nope", session, items: [] }, "batchId"],
      [{ batchId: randomUUID(), session: { epuId: "x1", name: "n" }, items: [] }, "session.epuId: must be an EPU id"],
      [{ batchId: randomUUID(), session, items: [{ kind: "planet", data: {} }] }, "items[0].kind"],
      [{ batchId: randomUUID(), session, items: [{ kind: "grid", gridId: "1", data: { colour: "red" } }] }, "items[0].data"],
    ];
    for (const [payload, message] of cases) {
      const res = await post(payload);
      expect(res.statusCode, message).toBe(400);
      expect(res.json().error.message).toContain(message);
    }
    expect((await t.store.listAcquisitions({ name: session.name })).total).toBe(0);
  });

  it("answers 400 for malformed JSON and values the database cannot hold", async () => {
    const bad = await t.server.app.inject({ method: "POST", url: "/api/v1/ingest", headers: { ...AUTH, "content-type": "application/json" }, payload: "{not json" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe("bad_request");
    const session = uniqueSession("range");
    const huge = batchOf(session, [{ kind: "acquisition", data: {} }, { kind: "grid", gridId: "1", data: { slot: 2 ** 40 } }]);
    const res = await post(huge);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/out of range/);
    expect((await t.store.listAcquisitions({ name: session.name })).total).toBe(0);
  });

  it("answers 409 for an unknown parent or session and writes nothing", async () => {
    const m = epumocks();
    const session = uniqueSession("conflict");
    const first = IngestResult.parse((await post(batchOf(session, [{ kind: "acquisition", data: {} }, { kind: "grid", gridId: m.gridId, data: {} }]))).json());
    const before = (await t.server.app.inject(`/api/v1/acquisitions/${first.acquisitionId}/summary`)).json();
    const hole = m.square.foilHoles[0]!;
    const orphan = batchOf(session, [
      { kind: "gridSquare", gridId: m.gridId, gridSquareId: "4590878", data: {} },
      { kind: "foilHole", gridId: m.gridId, gridSquareId: m.gridSquareId, foilHoleId: hole.foilHoleId, data: hole.data },
    ]);
    const res = await post(orphan);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ status: 409, code: "conflict" });
    expect(res.json().error.message).toContain(`grid square ${m.gridSquareId} of grid ${m.gridId}`);
    expect((await t.server.app.inject(`/api/v1/acquisitions/${first.acquisitionId}/summary`)).json()).toEqual(before);

    const stranger = await post(batchOf(uniqueSession("stranger"), [{ kind: "grid", gridId: "1", data: {} }]));
    expect(stranger.statusCode).toBe(409);
    expect(stranger.json().error.message).toMatch(/unknown session .* send its acquisition first/);
  });

  it("answers 413 for bodies over the limit, then keeps serving", async () => {
    const items = Array.from({ length: 5000 }, (_, i) => ({ kind: "grid", gridId: String(i), data: { atlasPath: "x".repeat(600) } }));
    const res = await post({ batchId: randomUUID(), session: uniqueSession("big"), items });
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ status: 413, code: "payload_too_large" });
    const health = await t.server.app.inject("/api/v1/health");
    expect(health.statusCode).toBe(200);
  });

  it("allows writes without tokens only from loopback", async () => {
    const open = await testServer({ tokens: [] });
    try {
      const batch = batchOf(uniqueSession("loopback"), [{ kind: "acquisition", data: {} }]);
      const remote = await open.server.app.inject({ method: "POST", url: "/api/v1/ingest", payload: batch, remoteAddress: "10.1.2.3" });
      expect(remote.statusCode).toBe(401);
      expect(remote.json().error.message).toContain("only from this machine");
      const local = await open.server.app.inject({ method: "POST", url: "/api/v1/ingest", payload: batch, remoteAddress: "127.0.0.1" });
      expect(local.statusCode).toBe(200);
      // Reads are open to everyone.
      const read = await open.server.app.inject({ url: "/api/v1/acquisitions", remoteAddress: "10.1.2.3" });
      expect(read.statusCode).toBe(200);
    } finally {
      await open.close();
    }
  });
});
