import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { isEmflowError, type EmflowError } from "@emflow/core";
import { AthenaClient } from "./client.js";
import { gridSquareArea } from "./mapping.js";
import { startAthenaSimulator, type AthenaSimulator } from "./simulator.js";

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function simulator(options: Parameters<typeof startAthenaSimulator>[0] = {}): Promise<AthenaSimulator> {
  const sim = await startAthenaSimulator(options);
  closers.push(() => sim.close());
  return sim;
}

/** A plain server answering every request with `handler`'s status and body. */
async function rawServer(handler: (n: number) => { status: number; body: string; headers?: Record<string, string> }): Promise<{ url: string; hits: () => number }> {
  let n = 0;
  const server: Server = createServer((req, res) => {
    const r = handler(++n);
    req.resume();
    res.writeHead(r.status, { "content-type": "application/json", ...r.headers }).end(r.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => n };
}

async function caught(p: Promise<unknown>): Promise<EmflowError> {
  try {
    await p;
  } catch (err) {
    if (isEmflowError(err)) return err;
    throw err;
  }
  throw new Error("expected a rejection");
}

const recordSleeps = () => {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
};

describe("AthenaClient errors", () => {
  it("maps a 400 for a bad body to ValidationError carrying the server's message", async () => {
    const sim = await simulator();
    const client = new AthenaClient({ baseUrl: sim.url });
    const { sessionId } = await client.registerSession({ sessionName: "s" });
    const err = await caught(client.registerArea({ id: 5, sessionId, areaType: "square" as never }));
    expect(err._tag).toBe("ValidationError");
    expect(err.message).toContain(`POST ${sim.url}/api/v1/Area: 400`);
    expect(err.message).toMatch(/areaType: Invalid option: expected one of "gridsquare"\|"foilhole"/);
    const empty = await caught(client.registerSession({ sessionName: "  " }));
    expect(empty.message).toContain("sessionName is mandatory");
    expect((await caught(client.postDecisions([])))._tag).toBe("ValidationError");
  });

  it("maps unknown ids to NotFoundError and duplicates to ConflictError", async () => {
    const sim = await simulator();
    const client = new AthenaClient({ baseUrl: sim.url });
    const unknown = "b5cdbfb9-bd0f-414e-93f8-0abca3331f8e";
    const err = await caught(client.getSession(unknown));
    expect(err._tag).toBe("NotFoundError");
    expect(err.message).toContain(`session ${unknown} is not registered`);
    const { sessionId } = await client.registerSession({ sessionName: "s" });
    expect((await caught(client.getArea(sessionId, 77)))._tag).toBe("NotFoundError");
    expect((await caught(client.getDecision(sessionId, unknown)))._tag).toBe("NotFoundError");
    expect((await caught(client.postDecision({ sessionId, areaId: 77, decisionType: "include" })))._tag).toBe("NotFoundError");
    expect((await caught(client.stopRun({ sessionId, runNumber: 3 })))._tag).toBe("NotFoundError");
    expect((await caught(client.registerArea(gridSquareArea(sessionId, 12, 99)))).message).toContain("parent area 99 of area 12 is not registered");
    await client.registerArea(gridSquareArea(sessionId, 12, null));
    expect((await caught(client.registerArea(gridSquareArea(sessionId, 12, null))))._tag).toBe("ConflictError");
    expect((await caught(client.registerSession({ sessionName: "s" })))._tag).toBe("ConflictError");
    // Bulk decisions for an unknown area are a 409 in the spec, and store nothing.
    const bulk = await caught(client.postDecisions([{ sessionId, areaId: 12, decisionType: "include" }, { sessionId, areaId: 13, decisionType: "include" }]));
    expect(bulk._tag).toBe("ConflictError");
    expect(await client.listDecisions(sessionId)).toEqual([]);
  });

  it("retries a 503 twice with capped backoff, then succeeds", async () => {
    let faults = 0;
    const sim = await simulator({ fault: ({ path }) => (path.endsWith("/Session") && faults++ < 2 ? 503 : undefined) });
    const { delays, sleep } = recordSleeps();
    const client = new AthenaClient({ baseUrl: sim.url, sleep, retry: { retries: 3, baseDelayMs: 400, factor: 3, maxDelayMs: 1000 } });
    const session = await client.registerSession({ sessionName: "after two 503s" });
    expect(session.sessionName).toBe("after two 503s");
    expect(faults).toBe(3);
    expect(delays).toEqual([400, 1000]);
    expect(sim.state.sessions.size).toBe(1);
  });

  it("honours Retry-After up to the cap", async () => {
    const server = await rawServer((n) => (n === 1 ? { status: 503, body: "", headers: { "retry-after": "2" } } : { status: 200, body: '"1.2.3"' }));
    const { delays, sleep } = recordSleeps();
    expect(await new AthenaClient({ baseUrl: server.url, sleep }).version()).toBe("1.2.3");
    expect(delays).toEqual([2000]);
  });

  it("throws TransportError naming the URL when the service is down, after the retry budget", async () => {
    const sim = await simulator();
    const url = sim.url;
    await closers.pop()?.();
    const { delays, sleep } = recordSleeps();
    const client = new AthenaClient({ baseUrl: url, sleep, retry: { retries: 4, baseDelayMs: 100, maxDelayMs: 500 } });
    const err = await caught(client.postDecision({ sessionId: "3fa85f64-5717-4562-b3fc-2c963f66afa6", areaId: 1, decisionType: "include" }));
    expect(err._tag).toBe("TransportError");
    expect(err.message).toContain(`POST ${url}/api/v1/Decision`);
    expect(err.message).toContain("ECONNREFUSED");
    expect(err.message).toContain("(5 attempts)");
    expect(delays).toEqual([100, 200, 400, 500]);
  });

  it("does not repeat a POST that failed with 500 (it may have been applied), but does repeat a GET", async () => {
    const server = await rawServer(() => ({ status: 500, body: JSON.stringify({ title: "Internal Server Error", status: 500, detail: "database locked" }) }));
    const { delays, sleep } = recordSleeps();
    const client = new AthenaClient({ baseUrl: server.url, sleep });
    const post = await caught(client.startRun("3fa85f64-5717-4562-b3fc-2c963f66afa6"));
    expect(post._tag).toBe("TransportError");
    expect(post.message).toContain("500 Internal Server Error: database locked (1 attempt)");
    expect(server.hits()).toBe(1);
    await caught(client.listSessions());
    expect(server.hits()).toBe(5);
    expect(delays).toEqual([250, 500, 1000]);
  });

  it("turns a response of the wrong shape into ValidationError", async () => {
    const server = await rawServer(() => ({ status: 201, body: JSON.stringify({ sessionId: "not-a-guid", sessionName: "x", timestamp: "yesterday", gridType: "HoleyCarbon" }) }));
    const err = await caught(new AthenaClient({ baseUrl: server.url }).registerSession({ sessionName: "x" }));
    expect(err._tag).toBe("ValidationError");
    expect(err.message).toContain(`POST ${server.url}/api/v1/Session: unexpected response (201)`);
    expect(err.message).toContain("sessionId");
    expect(err.message).toContain("timestamp");
    const notJson = await rawServer(() => ({ status: 200, body: "<html>proxy login</html>" }));
    expect((await caught(new AthenaClient({ baseUrl: notJson.url }).listSessions()))._tag).toBe("ValidationError");
  });

  it("gives up on a silent service after the per-attempt timeout", async () => {
    const server = createServer(() => undefined); // never answers
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const err = await caught(new AthenaClient({ baseUrl: url, timeoutMs: 50, retry: { retries: 1 }, sleep: async () => undefined }).version());
    expect(err._tag).toBe("TransportError");
    expect(err.message).toBe(`GET ${url}/api/v1/Version: no response within 50 ms (2 attempts)`);
  });

  it("sends the bearer token; a wrong one is UnauthorizedError", async () => {
    const sim = await simulator({ token: "s3cret" });
    expect(await new AthenaClient({ baseUrl: sim.url, token: "s3cret" }).listSessions()).toEqual([]);
    const err = await caught(new AthenaClient({ baseUrl: sim.url, token: "tok-Zq81" }).listSessions());
    expect(err._tag).toBe("UnauthorizedError");
    expect(err.message).not.toContain("tok-Zq81");
  });

  it("stops at once when the caller aborts", async () => {
    const sim = await simulator();
    const controller = new AbortController();
    controller.abort(new Error("operator cancelled"));
    await expect(new AthenaClient({ baseUrl: sim.url }).listSessions({ signal: controller.signal })).rejects.toThrow("operator cancelled");
  });
});
