/** GET /api/v1/events over a real socket: live delivery, resume, filters, heartbeat, cleanup. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IngestResult, type IngestBatch } from "@emflow/core";
import { batchOf, epuDirExampleBatch, uniqueSession } from "../testing/fixtures.js";
import { AUTH, testServer, type TestServer } from "../testing/test-server.js";

interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** A minimal SSE client on fetch: collects messages, waits for conditions. */
async function openStream(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const messages: SseMessage[] = [];
  let buffer = "";
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) messages.push({ comment: line.slice(1).trim() });
        }
        const fields = Object.fromEntries(block.split("\n").filter((l) => !l.startsWith(":") && l.includes(": ")).map((l) => [l.slice(0, l.indexOf(": ")), l.slice(l.indexOf(": ") + 2)]));
        if ("data" in fields) messages.push(fields);
      }
    }
  })();
  const changes = () => messages.filter((m) => m.event === "change").map((m) => ({ sseId: m.id, ...JSON.parse(m.data!) }));
  return {
    res,
    messages,
    changes,
    async until(cond: () => boolean, ms = 5000) {
      const t0 = Date.now();
      while (!cond()) {
        if (Date.now() - t0 > ms) throw new Error(`timed out; got ${JSON.stringify(messages.slice(-5))}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      abort.abort();
      await pump;
    },
  };
}

describe("GET /api/v1/events (SSE)", () => {
  let t: TestServer;
  let base: string;
  const ingest = async (batch: IngestBatch) => {
    const res = await fetch(`${base}/api/v1/ingest`, { method: "POST", headers: { ...AUTH, "content-type": "application/json" }, body: JSON.stringify(batch) });
    expect(res.status).toBe(200);
    return IngestResult.parse(await res.json());
  };

  beforeAll(async () => {
    t = await testServer({ host: "127.0.0.1", port: 0, sseHeartbeatMs: 100 });
    base = await t.server.listen();
  });
  afterAll(() => t.close());

  it("delivers the change events of an ingest, then resumes after Last-Event-ID", async () => {
    const session = uniqueSession("sse");
    const live = await openStream(`${base}/api/v1/events`);
    expect(live.res.headers.get("content-type")).toContain("text/event-stream");
    const result = await ingest(batchOf(session, [{ kind: "acquisition", data: { microscope: "Krios" } }, { kind: "grid", gridId: "5", data: {} }, { kind: "gridSquare", gridId: "5", gridSquareId: "6", data: {} }]));
    await live.until(() => live.changes().length >= 3);
    const events = live.changes();
    expect(events.map((e) => [e.kind, e.op, e.acquisitionId])).toEqual([
      ["acquisition", "created", result.acquisitionId],
      ["grid", "created", result.acquisitionId],
      ["gridSquare", "created", result.acquisitionId],
    ]);
    expect(events.map((e) => e.sseId)).toEqual(events.map((e) => String(e.seq)));
    expect(events[1]!.seq).toBeGreaterThan(events[0]!.seq);
    await live.close();

    // Resume after the first event: the other two are replayed from the database, then live continues.
    const resumed = await openStream(`${base}/api/v1/events?acquisitionId=${result.acquisitionId}`, { "last-event-id": String(events[0]!.seq) });
    await resumed.until(() => resumed.changes().length >= 2);
    const update = await ingest(batchOf(session, [{ kind: "gridSquare", gridId: "5", gridSquareId: "6", data: { state: "Completed" } }]));
    expect(update.updated).toBe(1);
    await resumed.until(() => resumed.changes().length >= 3);
    expect(resumed.changes().map((e) => e.seq)).toEqual([events[1]!.seq, events[2]!.seq, expect.any(Number)]);
    expect(resumed.changes()[2]).toMatchObject({ kind: "gridSquare", op: "updated", id: events[2]!.id });
    await resumed.close();
  });

  it("filters by acquisition and replays with ?since=", async () => {
    const seq0 = await t.store.lastSeq();
    const mine = await openStream(`${base}/api/v1/events?since=${seq0}&acquisitionId=00000000-0000-4000-8000-000000000000`);
    const a = await ingest(epuDirExampleBatch(uniqueSession("sse-a")));
    const replay = await openStream(`${base}/api/v1/events?since=${seq0}`);
    await replay.until(() => replay.changes().length >= a.created);
    expect(replay.changes().every((e) => e.acquisitionId === a.acquisitionId)).toBe(true);
    expect(new Set(replay.changes().map((e) => e.seq)).size).toBe(a.created);
    await new Promise((r) => setTimeout(r, 150));
    expect(mine.changes()).toEqual([]);
    await Promise.all([mine.close(), replay.close()]);
  });

  it("sends heartbeats and cleans up when the client goes away", async () => {
    // The decision engine listens on the hub too; earlier tests' streams may still be closing.
    const others = 1;
    await expect.poll(() => t.server.hub.size, { timeout: 2000 }).toBe(others);
    const stream = await openStream(`${base}/api/v1/events`);
    await stream.until(() => stream.messages.some((m) => m.comment === "ping"), 2000);
    expect(t.server.hub.size).toBe(others + 1);
    await stream.close();
    await stream.until(() => t.server.hub.size === others, 2000);
  });

  it("rejects a malformed Last-Event-ID with 400", async () => {
    const res = await fetch(`${base}/api/v1/events`, { headers: { "last-event-id": "yesterday" } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("Last-Event-ID");
  });

  it("ends open streams when the server closes", async () => {
    const other = await testServer({ host: "127.0.0.1", port: 0 });
    const url = await other.server.listen();
    const stream = await openStream(`${url}/api/v1/events`);
    const t0 = Date.now();
    await other.close();
    expect(Date.now() - t0).toBeLessThan(2000);
    await stream.close();
  });
});
