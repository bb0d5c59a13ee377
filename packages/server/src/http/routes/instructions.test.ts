/** The instruction routes over a real socket: enqueue validation, auth, 404/409, stream, resume, expiry, supersede, history. */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquisitionOf, enqueue, newAgent, openSse, until } from "../../testing/instructions-http.js";
import { AUTH, testServer, type TestServer } from "../../testing/test-server.js";

const ORDER = { kind: "acquisition-order", payload: { gridId: "5", gridSquareIds: ["11", "12", "13"] }, ttlS: 600 };
const note = (text: string) => ({ kind: "message", payload: { text }, ttlS: 600 });

describe("instruction routes", () => {
  let t: TestServer;
  let base: string;
  const stream = (agent: string, query = "") => `${base}/api/v1/agents/${agent}/instructions${query}`;
  const ack = (agent: string, id: string, headers: Record<string, string> = AUTH) => fetch(`${base}/api/v1/agents/${agent}/instructions/${id}/ack`, { method: "POST", headers });
  const history = async (acq: string) => ((await (await fetch(`${base}/api/v1/acquisitions/${acq}/instructions`)).json()) as { items: any[] }).items;

  beforeAll(async () => {
    t = await testServer({ host: "127.0.0.1", port: 0, sseHeartbeatMs: 100 });
    base = await t.server.listen();
  });
  afterAll(() => t.close());

  it("enqueues for the agent that sent the session, streams it with id = seq, and records the ack once", async () => {
    const agent = newAgent();
    const acq = await acquisitionOf(base, agent);
    const sse = await openSse(stream(agent));
    expect(sse.res.headers.get("content-type")).toContain("text/event-stream");
    const r = await enqueue(base, acq, ORDER);
    expect(r.status).toBe(201);
    expect(r.body.instruction).toMatchObject({ agentId: agent, acquisitionId: acq, kind: "acquisition-order", state: "pending", payload: ORDER.payload });
    await until(() => sse.instructions().length === 1, 5000, "the live instruction");
    const [got] = sse.instructions();
    expect(got).toMatchObject({ id: r.body.instruction.id, seq: r.body.instruction.seq, sseId: String(r.body.instruction.seq), payload: ORDER.payload });
    expect(JSON.parse(sse.events[0]!.data)).toMatchObject({ agentId: agent, heartbeatMs: 100 });

    const first = await ack(agent, got!.id);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ duplicate: false, instruction: { state: "acked", deliveries: 1 } });
    const second = await ack(agent, got!.id);
    expect(await second.json()).toMatchObject({ duplicate: true, instruction: { state: "acked" } });
    expect((await history(acq)).map((i) => [i.id, i.state])).toEqual([[got!.id, "acked"]]);
    // Heartbeats keep coming; an acked instruction is never sent again.
    await until(() => sse.comments.filter((c) => c === "ping").length >= 3, 3000, "heartbeats");
    expect(sse.instructions()).toHaveLength(1);
    await sse.close();
  });

  it("resumes after Last-Event-ID or ?since= and redelivers an overdue unacked instruction without moving the event id back", async () => {
    const agent = newAgent();
    const acq = await acquisitionOf(base, agent);
    const a = (await enqueue(base, acq, note("a"))).body.instruction;
    const b = (await enqueue(base, acq, note("b"))).body.instruction;
    const c = (await enqueue(base, acq, note("c"))).body.instruction;
    const resumed = await openSse(stream(agent), { ...AUTH, "last-event-id": String(a.seq) });
    // After the resume point, b and c come with their seq as the event id. Nothing is acked, so once overdue
    // (two heartbeats) all three come (again), without an `id:` line: the client's Last-Event-ID never moves
    // back, and nothing open is lost even though the client claimed to have a.
    await until(() => new Set(resumed.instructions().filter((i) => i.sseId === undefined).map((i) => i.id)).size === 3, 5000, "redeliveries");
    const got = resumed.instructions();
    expect(got.filter((i) => i.sseId !== undefined).map((i) => [i.id, i.sseId])).toEqual([[b.id, String(b.seq)], [c.id, String(c.seq)]]);
    expect(new Set(got.filter((i) => i.sseId === undefined).map((i) => i.id))).toEqual(new Set([a.id, b.id, c.id]));
    await resumed.close();
    const bySince = await openSse(stream(agent, `?since=${b.seq}`));
    await until(() => bySince.instructions().some((i) => i.sseId !== undefined));
    expect(bySince.instructions().filter((i) => i.sseId !== undefined).map((i) => i.id)).toEqual([c.id]);
    await bySince.close();
  });

  it("never sends an expired instruction", async () => {
    const agent = newAgent();
    const acq = await acquisitionOf(base, agent);
    // Enqueued an hour ago with a minute to live (the store takes the clock from its caller).
    const stale = await t.store.instructions.enqueue({ acquisitionId: acq, kind: "message", payload: { text: "stale" }, ttlS: 60, now: Date.now() - 3_600_000 });
    const fresh = (await enqueue(base, acq, note("fresh"))).body.instruction;
    const sse = await openSse(stream(agent));
    await until(() => sse.instructions().length >= 1);
    await until(() => sse.comments.filter((c) => c === "ping").length >= 2, 3000, "heartbeats");
    // Unacked, so sent again every two heartbeats; the stale one never.
    expect([...new Set(sse.instructions().map((i) => i.id))]).toEqual([fresh.id]);
    await sse.close();
    expect((await history(acq)).map((i) => [i.id, i.state])).toEqual([
      [stale!.instruction.id, "expired"],
      [fresh.id, "delivered"],
    ]);
  });

  it("a newer acquisition order supersedes an unacked older one, which is never sent again", async () => {
    const agent = newAgent();
    const acq = await acquisitionOf(base, agent);
    const sse = await openSse(stream(agent));
    const old = (await enqueue(base, acq, ORDER)).body.instruction;
    await until(() => sse.instructions().length === 1);
    await sse.close();
    const newer = await enqueue(base, acq, { ...ORDER, payload: { gridId: "5", gridSquareIds: ["13", "11"] } });
    expect(newer.body.superseded).toEqual([old.id]);
    const again = await openSse(stream(agent));
    await until(() => again.instructions().length >= 1);
    await until(() => again.comments.filter((c) => c === "ping").length >= 3, 3000, "heartbeats");
    expect([...new Set(again.instructions().map((i) => i.id))]).toEqual([newer.body.instruction.id]);
    await again.close();
    expect((await history(acq)).map((i) => [i.state, i.supersededBy])).toEqual([
      ["superseded", newer.body.instruction.id],
      ["delivered", null],
    ]);
  });

  it("rejects bad payloads with 400 naming the field", async () => {
    const acq = await acquisitionOf(base, newAgent());
    const badId = await enqueue(base, acq, { ...ORDER, payload: { gridId: "5", gridSquareIds: ["11", "GS-12"] } });
    expect(badId.status).toBe(400);
    expect(badId.body.error.message).toMatch(/payload\.gridSquareIds\[1\]: must be an EPU id/);
    const twice = await enqueue(base, acq, { ...ORDER, payload: { gridId: "5", gridSquareIds: ["11", "11"] } });
    expect(twice.body.error.message).toMatch(/must not name a grid square twice/);
    const kind = await enqueue(base, acq, { kind: "self-destruct", payload: {}, ttlS: 60 });
    expect(kind.status).toBe(400);
    expect(kind.body.error.message).toMatch(/^kind: /);
    const ttl = await enqueue(base, acq, { ...note("x"), ttlS: -1 });
    expect(ttl.body.error.message).toMatch(/^ttlS: /);
    const agent = await enqueue(base, acq, { ...note("x"), agentId: "../etc" });
    expect(agent.body.error.message).toMatch(/^agentId: /);
  });

  it("answers 404 for unknown acquisitions, instructions and malformed agent ids; 409 for another agent's ack", async () => {
    const agent = newAgent();
    const acq = await acquisitionOf(base, agent);
    expect((await enqueue(base, randomUUID(), note("x"))).status).toBe(404);
    expect((await fetch(`${base}/api/v1/acquisitions/${randomUUID()}/instructions`)).status).toBe(404);
    const unknown = await ack(agent, randomUUID());
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).error.message).toMatch(/^instruction .* not found/);
    expect((await ack(agent, "not-a-uuid")).status).toBe(404);
    expect((await fetch(stream("bad%20agent"), { headers: AUTH })).status).toBe(404);
    const mine = (await enqueue(base, acq, note("x"))).body.instruction;
    const other = await ack(newAgent(), mine.id);
    expect(other.status).toBe(409);
    expect(((await other.json()) as any).error.message).toMatch(/another agent/);
  });

  it("needs a token for enqueue, ack and the stream when tokens are configured; history is open", async () => {
    const agent = newAgent();
    const acq = await acquisitionOf(base, agent);
    const none = await enqueue(base, acq, note("x"), {});
    expect(none.status).toBe(401);
    expect((await enqueue(base, acq, note("x"), { authorization: "Bearer wrong-token-123" })).status).toBe(401);
    const s = await fetch(stream(agent));
    expect(s.status).toBe(401);
    expect(s.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await ack(agent, randomUUID(), {})).status).toBe(401);
    expect((await fetch(`${base}/api/v1/acquisitions/${acq}/instructions`)).status).toBe(200);
  });

  it("documents the routes in the OpenAPI document, the stream as text/event-stream", async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, any> };
    expect(doc.paths["/api/v1/acquisitions/{id}/instructions"]).toHaveProperty("post");
    expect(doc.paths["/api/v1/acquisitions/{id}/instructions"]).toHaveProperty("get");
    expect(doc.paths["/api/v1/agents/{agentId}/instructions/{id}/ack"]).toHaveProperty("post");
    const get = doc.paths["/api/v1/agents/{agentId}/instructions"].get;
    expect(Object.keys(get.responses["200"].content)).toEqual(["text/event-stream"]);
    expect(get.responses).toHaveProperty("401");
  });
});
