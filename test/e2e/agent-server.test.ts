import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { synthesizeSession } from "@emflow/synth";
import { apiCounts, liveServer, oneShotCounts, sameCounts, tempDir, testAgent, waitFor } from "./harness.js";

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

// A small session: 3 squares × 6 holes × 3 shots = 54 micrographs, ~200 files, rewritten .dm files.
const SESSION = { squares: 3, holesPerSquare: 6, shotsPerHole: 3, seed: 11, metadataRewriteEvery: 2 };

/** A finished synthetic session, a live server and an agent following it, plus what a one-shot parse says. */
async function finishedSessionUnderAgent() {
  const visit = tempDir("visit", cleanup);
  const truth = await synthesizeSession({ dir: visit, ...SESSION, speed: 0 });
  const srv = await liveServer();
  cleanup.push(() => srv.close());
  const agent = await testAgent(visit, srv.url, tempDir("outbox", cleanup));
  cleanup.push(() => agent.stop());
  return { truth, srv, agent, expected: await oneShotCounts(visit) };
}

describe("agent → server, end to end, on real files", () => {
  it("after the session finished: everything arrives once, equal to a one-shot parse and to the ground truth", async () => {
    const { truth, srv, agent, expected } = await finishedSessionUnderAgent();
    expect(expected).toMatchObject({ grids: 1, foilHoles: truth.totals.foilHoles, micrographs: truth.totals.micrographs });
    const got = await waitFor(() => apiCounts(srv.url), (c) => sameCounts(c, expected), 30_000, "counts to match");
    expect(got).toEqual(expected);
    expect(agent.stats()).toMatchObject({ parked: 0, waitingForSession: 0, errors: 0 });
  });

  it("started before EPU writes anything: follows the session from the first file", async () => {
    const visit = tempDir("visit", cleanup);
    const srv = await liveServer();
    cleanup.push(() => srv.close());
    const agent = await testAgent(visit, srv.url, tempDir("outbox", cleanup));
    cleanup.push(() => agent.stop());
    await agent.ready;
    const truth = await synthesizeSession({ dir: visit, ...SESSION, speed: 400 });
    const expected = await oneShotCounts(visit);
    expect(expected.micrographs).toBe(truth.totals.micrographs);
    await waitFor(() => apiCounts(srv.url), (c) => sameCounts(c, expected), 30_000, "counts to match");
  });

  it("started in the middle of a session: the initial scan and live events together miss nothing", async () => {
    const visit = tempDir("visit", cleanup);
    const srv = await liveServer();
    cleanup.push(() => srv.close());
    const outbox = tempDir("outbox", cleanup);
    let started: Promise<unknown> | undefined;
    await synthesizeSession({
      dir: visit,
      ...SESSION,
      speed: 300,
      onProgress: (p) => {
        if (started === undefined && p.written > p.total * 0.4) {
          started = testAgent(visit, srv.url, outbox).then((a) => cleanup.push(() => a.stop()));
        }
      },
    });
    await started;
    const expected = await oneShotCounts(visit);
    await waitFor(() => apiCounts(srv.url), (c) => sameCounts(c, expected), 30_000, "counts to match");
  });

  it("survives a server outage in the middle: the outbox keeps everything and final counts equal a one-shot parse", async () => {
    const visit = tempDir("visit", cleanup);
    const dataDir = path.join(tempDir("db", cleanup), "pgdata");
    mkdirSync(dataDir, { recursive: true });
    let srv = await liveServer({ dataDir });
    const port = srv.port;
    cleanup.push(() => srv.close());
    const agent = await testAgent(visit, srv.url, tempDir("outbox", cleanup), { rescanMs: 300 });
    cleanup.push(() => agent.stop());
    let stopped: Promise<void> | undefined;
    await synthesizeSession({
      dir: visit,
      ...SESSION,
      speed: 300,
      onProgress: (p) => {
        if (stopped === undefined && p.written > p.total * 0.3) stopped = srv.close();
      },
    });
    await stopped;
    // The server is down while the session finishes: the agent must be retrying, with changes waiting in its outbox.
    await waitFor(async () => agent.stats(), (s) => s.sender.retries > 0 && s.outboxItems > 0, 15_000, "the agent to notice the outage");
    srv = await liveServer({ dataDir, port });
    const expected = await oneShotCounts(visit);
    await waitFor(() => apiCounts(srv.url), (c) => sameCounts(c, expected), 40_000, "counts to match after the restart");
    await waitFor(async () => agent.stats(), (s) => s.outboxItems === 0, 10_000, "the outbox to drain");
    expect(agent.stats().sender.deadLettered).toBe(0);
  });
});

describe("rewrites", () => {
  it("rewriting EpuSession.dm and a GridSquare .dm updates fields in place and never duplicates anything", async () => {
    const { truth, srv, expected } = await finishedSessionUnderAgent();
    await waitFor(() => apiCounts(srv.url), (c) => sameCounts(c, expected), 30_000, "initial counts");

    const session = truth.sessionPath;
    const square = truth.squares[0]!;
    const dmPath = path.join(session, "Metadata", `GridSquare_${square.id}.dm`);
    // EPU marks a completed square unusable after the fact, and rewrites the session file as it goes.
    writeFileSync(dmPath, readFileSync(dmPath, "utf8").replace("<Unusable>false</Unusable>", "<Unusable>true</Unusable>"));
    const sessionFile = path.join(session, "EpuSession.dm");
    writeFileSync(sessionFile, readFileSync(sessionFile, "utf8"));
    writeFileSync(sessionFile, readFileSync(sessionFile, "utf8").replace("<ClusteringRadius>1.2E-05</ClusteringRadius>", "<ClusteringRadius>1.5E-05</ClusteringRadius>"));

    const acq = await waitFor(
      async () => ((await (await fetch(`${srv.url}/api/v1/acquisitions`)).json()) as { items: Array<{ id: string; clusteringRadiusUm?: number }> }).items[0],
      (a) => a?.clusteringRadiusUm === 15,
      15_000,
      "the session rewrite",
    );
    const grids = (await (await fetch(`${srv.url}/api/v1/acquisitions/${acq!.id}/grids`)).json()) as { items: Array<{ id: string }> };
    const sq = await waitFor(
      async () =>
        ((await (await fetch(`${srv.url}/api/v1/grids/${grids.items[0]!.id}/grid-squares?naturalId=${square.id}`)).json()) as { items: Array<{ unusable?: boolean }> })
          .items[0],
      (s) => s?.unusable === true,
      15_000,
      "the .dm rewrite",
    );
    expect(sq?.unusable).toBe(true);
    expect(await apiCounts(srv.url)).toEqual(expected);
    expect(readdirSync(session)).toContain("Metadata");
  });
});
