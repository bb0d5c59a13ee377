/**
 * Live processing through the HTTP API on the embedded store and job-table
 * queue: micrographs with real (simulated) movies are queued by start,
 * processed by the in-process services, and their status and results show up
 * in the API; new micrographs of a running session are queued on ingest;
 * stop queues nothing new; resume never reprocesses finished ones; a movie
 * that cannot be read ends failed with the file named and in the dead letters,
 * and `reinject` sends it round again.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IngestItem } from "@emflow/core";
import { writeSyntheticMovie } from "@emflow/processing";
import { loadConfig } from "../config/config.js";
import { MicrographProcessing, ProcessingSummary } from "../model/processing.js";
import { createServer, type EmflowServer } from "../server.js";
import type { Store } from "../store/store.js";
import { batchOf, epuDirExampleBatch, uniqueSession } from "../testing/fixtures.js";
import { openTestStore } from "../testing/pglite-snapshot.js";
import { startLiveProcessing } from "./live.js";

const MOVIE = { width: 256, height: 256, frameCount: 8, pixelSize: 2, dosePerFrame: 4, particles: { diameter: 120, count: 6, contrast: 1 }, ice: { contrast: 0.2 }, drift: { total: 4 } };

async function until<T>(what: string, check: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("live processing over the API (embedded store and queue)", () => {
  const dir = mkdtempSync(join(tmpdir(), "emflow-live-"));
  const sessionDir = join(dir, "session");
  let store: Store;
  let server: EmflowServer;
  let acquisitionId: string;
  let micrographs: Array<{ id: string; naturalId: string }>;
  const session = uniqueSession("live");

  const api = async (method: "GET" | "POST", url: string, payload?: object) => {
    const res = await server.app.inject({ method, url, ...(payload === undefined ? {} : { payload }) });
    return { status: res.statusCode, body: res.json() };
  };
  const processing = async (id: string) => MicrographProcessing.parse((await api("GET", `/api/v1/micrographs/${id}/processing`)).body);
  const summary = async () => ProcessingSummary.parse((await api("GET", `/api/v1/acquisitions/${acquisitionId}/processing`)).body);

  beforeAll(async () => {
    // The example session's 4 micrographs, each with a simulated movie in the session directory; a fifth movie is broken.
    const batch = epuDirExampleBatch(session);
    const names = batch.items.filter((i) => i.kind === "micrograph").map((i) => (i as { name: string }).name);
    mkdirSync(join(sessionDir, "Data"), { recursive: true });
    for (const [k, name] of names.entries()) await writeSyntheticMovie(join(sessionDir, "Data", `${name}_fractions.tiff`), { ...MOVIE, seed: 100 + k });
    const items = batch.items.map((i): IngestItem => (i.kind === "micrograph" ? { ...i, data: { ...i.data, movieFile: `Data/${i.name}_fractions.tiff`, pixelSizeA: 2, doseEA2: 32 } } : i));
    items[0] = { kind: "acquisition", data: { ...(items[0]!.data as object), directory: sessionDir } } as IngestItem;

    store = await openTestStore();
    const loaded = loadConfig({ env: {}, cwd: dir, overrides: { port: 0, tokens: [] } });
    const config = { ...loaded, processing: { ...loaded.processing, enabled: true, root: join(dir, "processing") } };
    server = await createServer(config, {
      store,
      logger: pino({ level: "silent" }),
      closeGraceMs: 200,
      processing: (s, hub, logger) =>
        startLiveProcessing({ store: s, hub, logger, queuePrefix: `live${randomUUID().slice(0, 6)}`, inlineCompute: true, config: config.processing }),
    });
    const r = await server.app.inject({ method: "POST", url: "/api/v1/ingest", payload: batchOf(session, items) });
    acquisitionId = r.json().acquisitionId;
    micrographs = (await store.listMicrographs({ acquisitionId })).items.map((m) => ({ id: m.id, naturalId: m.naturalId }));
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("queues nothing before start; start queues every micrograph and they are processed with real results", async () => {
    expect((await summary()).started).toBe(0);
    const r = await api("POST", `/api/v1/acquisitions/${acquisitionId}/processing/start`, { diameter: 120, cs: 2.7 });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ queued: 4, settings: { state: "running", params: { diameter: 120, cs: 2.7 } } });
    const s = await until("4 processed micrographs", async () => {
      const x = await summary();
      return x.processed === 4 ? x : undefined;
    }, 120_000);
    expect(s.steps.motion.done).toBe(4);
    expect(s.means.ctfFitResolutionA).toBeGreaterThan(0);
    const p = await processing(micrographs[0]!.id);
    expect(p.state).toBe("done");
    expect(p.steps.map((x) => x.step)).toEqual(["motion", "ctf", "pick", "ice", "thumbnails"]);
    expect(p.steps.every((x) => x.tool === "builtin" && x.state === "done")).toBe(true);
    expect((p.steps[0]!.result!.trajectory as unknown[]).length).toBe(8);
    expect(p.metrics.particleCount).toBeGreaterThanOrEqual(0);
    const img = await server.app.inject(`/api/v1/micrographs/${micrographs[0]!.id}/images/micrograph`);
    expect(img.statusCode).toBe(200);
    expect(img.headers["content-type"]).toBe("image/jpeg");
    expect(img.rawPayload.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const ps = await server.app.inject(`/api/v1/micrographs/${micrographs[0]!.id}/images/power-spectrum`);
    expect(ps.headers["content-type"]).toBe("image/png");
    expect((await server.app.inject(`/api/v1/micrographs/${micrographs[0]!.id}/images/bogus`)).statusCode).toBe(400);
    const queues = await api("GET", "/api/v1/queues");
    expect(queues.body.transport).toBe("sql");
  }, 150_000);

  it("resume queues nothing when everything is done; a new micrograph in a running session is queued on ingest", async () => {
    expect((await api("POST", `/api/v1/acquisitions/${acquisitionId}/processing/resume`)).body.queued).toBe(0);
    const hole = (await store.listFoilHoles({ gridSquareId: (await store.listGridSquares({ gridId: (await store.listGrids({ acquisitionId })).items[0]!.id, naturalId: "8999138" })).items[0]!.id })).items[0]!;
    const gridId = (await store.listGrids({ acquisitionId })).items[0]!.id;
    const grid = (await store.getGrid(gridId))!;
    const name = "FoilHole_9015883_Data_9017347_9999_20250108_160000";
    await writeSyntheticMovie(join(sessionDir, "Data", `${name}_fractions.tiff`), { ...MOVIE, seed: 7 });
    const item: IngestItem = {
      kind: "micrograph",
      gridId: grid.naturalId,
      gridSquareId: "8999138",
      foilHoleId: hole.naturalId,
      name,
      data: { movieFile: `Data/${name}_fractions.tiff`, pixelSizeA: 2, doseEA2: 32 },
    };
    expect((await server.app.inject({ method: "POST", url: "/api/v1/ingest", payload: batchOf(session, [item]) })).statusCode).toBe(200);
    const id = (await store.listMicrographs({ acquisitionId, naturalId: name })).items[0]!.id;
    await until("the new micrograph processed", async () => (await processing(id)).state === "done", 120_000);
  }, 150_000);

  it("a broken movie fails with the file named, sits in the dead letters, and comes back on reinject", async () => {
    await api("POST", `/api/v1/acquisitions/${acquisitionId}/processing/stop`);
    const gridId = (await store.listGrids({ acquisitionId })).items[0]!;
    const name = "FoilHole_9015883_Data_9017347_9998_20250108_170000";
    const moviePath = join(sessionDir, "Data", `${name}_fractions.tiff`);
    writeFileSync(moviePath, "this is not a TIFF");
    const item: IngestItem = { kind: "micrograph", gridId: gridId.naturalId, gridSquareId: "8999138", foilHoleId: "9015883", name, data: { movieFile: `Data/${name}_fractions.tiff`, pixelSizeA: 2 } };
    await server.app.inject({ method: "POST", url: "/api/v1/ingest", payload: batchOf(session, [item]) });
    const id = (await store.listMicrographs({ acquisitionId, naturalId: name })).items[0]!.id;
    // Stopped: nothing is queued for it.
    await new Promise((r) => setTimeout(r, 300));
    expect((await processing(id)).state).toBe("none");
    expect((await api("POST", `/api/v1/acquisitions/${acquisitionId}/processing/resume`)).body.queued).toBe(1);
    const failed = await until("the failure", async () => {
      const p = await processing(id);
      return p.state === "failed" ? p : undefined;
    });
    expect(failed.steps[0]!.error).toContain(`${name}_fractions.tiff`);
    const letters = await until("a dead letter", async () => {
      const l = (await api("GET", "/api/v1/queues/dead-letters")).body as Array<{ id: string; micrographId?: string; step?: string; error: string }>;
      return l.length > 0 ? l : undefined;
    });
    expect(letters[0]).toMatchObject({ micrographId: id, step: "motion" });
    expect(letters[0]!.error).toContain("_fractions.tiff");
    const failures = (await api("GET", `/api/v1/acquisitions/${acquisitionId}/processing/failures`)).body;
    expect(failures[0]).toMatchObject({ micrographId: id, step: "motion" });
    // Fix the movie, reinject: it goes through.
    await writeSyntheticMovie(moviePath, { ...MOVIE, seed: 9 });
    expect((await api("POST", "/api/v1/queues/dead-letters/reinject", {})).body.reinjected).toBe(1);
    await until("the reinjected micrograph processed", async () => (await processing(id)).state === "done", 120_000);
  }, 200_000);
});
