/**
 * The loop closed, as `emflow demo` runs it: a synthetic session with simulated
 * movies is written while the agent follows it, every movie is processed, the
 * decision engine (auto mode) sends acquisition orders to a Smart EPU Decision
 * Service simulator over HTTP, and the simulated microscope takes its next grid
 * square from the newest order it received. The API explains every decision.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AthenaClient, parseAcquisitionOrder, startAthenaSimulator, type AthenaSimulator } from "@emflow/decisions";
import { writeSyntheticMovie } from "@emflow/processing";
import { createServer, loadConfig, startLiveProcessing, type EmflowServer } from "@emflow/server";
import { synthesizeSession } from "@emflow/synth";
import { openTestStore } from "../../packages/server/src/testing/pglite-snapshot.js";
import { tempDir, testAgent, waitFor } from "./harness.js";

const SQUARES = 4;

describe("decision loop: results → decisions → Athena → the simulated microscope follows", () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  let server: EmflowServer;
  let athena: AthenaSimulator;
  let url: string;
  let home: string;

  beforeAll(async () => {
    home = tempDir("loop", cleanup);
    athena = await startAthenaSimulator();
    cleanup.push(() => athena.close());
    const store = await openTestStore();
    cleanup.push(() => store.close());
    const loaded = loadConfig({ env: {}, overrides: { port: 0, host: "127.0.0.1", tokens: [] } });
    const config = {
      ...loaded,
      processing: { ...loaded.processing, enabled: true, root: path.join(home, "processing") },
      decisions: { ...loaded.decisions, debounceMs: 200 },
    };
    server = await createServer(config, {
      store,
      logger: pino({ level: "silent" }),
      closeGraceMs: 100,
      decisions: { athena: new AthenaClient({ baseUrl: athena.url, retry: { retries: 0 } }) },
      processing: (s, hub, logger) => startLiveProcessing({ store: s, hub, logger, inlineCompute: true, queuePrefix: `loop${randomUUID().slice(0, 6)}`, config: { ...config.processing, concurrency: 2 } }),
    });
    cleanup.push(() => server.close());
    url = await server.listen();
  }, 60_000);

  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  }, 30_000);

  it("the microscope acquires squares in the order emflow sent, and each decision says why", async () => {
    const movies: Uint8Array[] = [];
    for (const seed of [1, 2]) {
      const f = path.join(home, `m${seed}.tiff`);
      await writeSyntheticMovie(f, { width: 256, height: 256, frameCount: 8, pixelSize: 1.0559, dosePerFrame: 5, seed, particles: { diameter: 120, count: 6, contrast: 1 }, ice: { contrast: 0.2 } });
      movies.push(readFileSync(f));
    }
    const visit = tempDir("loop-visit", cleanup);
    const agent = await testAgent(visit, url, path.join(home, "outbox"));
    cleanup.push(() => agent.stop());

    // The microscope: before each square, the newest acquisition order Athena received decides.
    let order: string[] = [];
    const followed: Array<{ square: string; remaining: readonly string[] }> = [];
    let acquisitionId: string | undefined;
    const nextSquare = async (remaining: readonly string[]): Promise<string | undefined> => {
      acquisitionId ??= (await server.store.listAcquisitions({ limit: 1 })).items[0]?.id;
      if (acquisitionId === undefined) return undefined;
      // Auto mode, decisions to Athena (set once the session exists; the first square is EPU's own choice).
      await server.app.inject({ method: "PUT", url: `/api/v1/acquisitions/${acquisitionId}/decision-settings`, payload: { mode: "auto", link: "athena" } });
      // The square just finished is processed; then emflow decides from its results and sends the order.
      await waitFor(
        async () => [await server.store.processingSummary(acquisitionId!), await server.store.summary(acquisitionId!)] as const,
        ([p, s]) => p !== undefined && s !== undefined && s.micrographs > 0 && p.processed + p.failed >= s.micrographs,
        90_000,
        "the results of the square just acquired",
      );
      const made = await server.app.inject({ method: "POST", url: `/api/v1/acquisitions/${acquisitionId}/decisions/recompute` });
      expect(made.statusCode).toBe(200);
      const registered = athena.state.sessions.has(acquisitionId.toLowerCase());
      for (let d = registered ? athena.consume(acquisitionId) : undefined; d !== undefined; d = athena.consume(acquisitionId)) {
        if (d.decisionType === "acquisitionOrder") order = parseAcquisitionOrder(d).map(String);
      }
      const pick = order.find((id) => remaining.includes(id));
      if (pick !== undefined) followed.push({ square: pick, remaining });
      return pick;
    };
    // Processing starts as soon as the session exists, as the demo does.
    const starting = (async () => {
      const acq = await waitFor(async () => (await server.store.listAcquisitions({ limit: 1 })).items[0], (a) => a !== undefined, 30_000, "the session");
      await server.processing!.start(acq!.id, { diameter: 120 });
    })();
    await synthesizeSession({ dir: visit, squares: SQUARES, holesPerSquare: 2, shotsPerHole: 1, speed: 200, seed: 11, movies, nextSquare });
    await starting;

    // Every square after the first was one emflow put first among those left.
    expect(followed.length).toBe(SQUARES - 1);
    const truth = JSON.parse(readFileSync(path.join(visit, "synth-truth.json"), "utf8")) as { squares: Array<{ id: string }> };
    expect(truth.squares.slice(1).map((s) => s.id)).toEqual(followed.map((f) => f.square));

    // The API says why: sent decisions with reasons and numbers, delivered to Athena.
    const decisions = (await (await fetch(`${url}/api/v1/acquisitions/${acquisitionId}/decisions?limit=100`)).json()) as Array<{
      state: string;
      reasons: string[];
      numbers: Record<string, unknown>;
      delivery: { link?: string } | null;
    }>;
    const sent = decisions.filter((d) => d.state === "sent");
    expect(sent.length).toBeGreaterThanOrEqual(SQUARES - 1);
    for (const d of sent) {
      expect(d.reasons.length).toBeGreaterThan(0);
      expect(Object.keys(d.numbers).length).toBeGreaterThan(0);
      expect(d.delivery?.link).toBe("athena");
    }
  }, 180_000);
});
