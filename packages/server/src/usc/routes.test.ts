/**
 * The USC routes on a real server (fastify + PGlite store) and a real data
 * root in a temp directory. ProcessingControl is a port; here a recording
 * implementation stands in for live processing: it really writes the
 * session's settings (putProcessingSettings) and queues steps in the store
 * (recordSteps), and records every call so the tests can check what the
 * routes asked for.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROCESSING_STEPS, type IngestItem, type StepUpdate } from "@emflow/core";
import { loadConfig } from "../config/config.js";
import type { ProcessingControl, StartParams } from "../processing/control.js";
import { createServer, type EmflowServer } from "../server.js";
import type { IngestOutcome, Store } from "../store/store.js";
import { epuDirExampleBatch, uniqueSession } from "../testing/fixtures.js";
import { openTestStore } from "../testing/pglite-snapshot.js";
import { resolveUscConfig, UscConfigSection } from "./config.js";
import { nodeDirFs, type DirFs } from "./dir-cache.js";
import { syncRunningSessions } from "./poller.js";
import { uscRoutes, type UscContext, type UscHandle } from "./routes.js";
import { SessionListResponse, SessionStatusResponse } from "./schemas.js";

/** Records calls and keeps the store's processing state as live processing would. */
class RecordingControl implements ProcessingControl {
  readonly transport = "recording";
  readonly calls: Array<{ op: "start" | "stop" | "resume"; acquisitionId: string; params?: StartParams; queued?: string[] }> = [];
  readonly ingests: IngestOutcome[] = [];
  constructor(private readonly store: Store) {}

  async start(acquisitionId: string, params: StartParams = {}) {
    await this.store.putProcessingSettings(acquisitionId, { state: "running", params: { ...params } });
    const queued = await this.queue(acquisitionId);
    this.calls.push({ op: "start", acquisitionId, params, queued });
    return { queued: queued.length };
  }
  async stop(acquisitionId: string) {
    await this.store.putProcessingSettings(acquisitionId, { state: "stopped" });
    this.calls.push({ op: "stop", acquisitionId });
  }
  async resume(acquisitionId: string) {
    await this.store.putProcessingSettings(acquisitionId, { state: "running" });
    const queued = await this.queue(acquisitionId);
    this.calls.push({ op: "resume", acquisitionId, queued });
    return { queued: queued.length };
  }
  onIngest(outcome: IngestOutcome) {
    this.ingests.push(outcome);
  }
  async backlog() {
    return [];
  }
  async deadLetters() {
    return [];
  }
  async reinject() {
    return 0;
  }
  async close() {}

  /** Every movie not completely processed; a motion step is queued for those never started. */
  private async queue(acquisitionId: string): Promise<string[]> {
    const todo = await this.store.unprocessedMicrographs(acquisitionId, { limit: 5000 });
    const at = new Date().toISOString();
    const fresh = todo.filter((m) => Object.keys(m.steps).length === 0);
    await this.store.recordSteps(fresh.map((m): StepUpdate => ({ micrographId: m.id, step: "motion", state: "queued", attempt: 1, at })));
    return todo.map((m) => m.naturalId);
  }
}

const RESULTS: Record<(typeof PROCESSING_STEPS)[number], Record<string, unknown>> = {
  motion: { trajectory: [[0, 0]], total_motion: 2, early_motion: 1, late_motion: 1 },
  ctf: { defocus_u: 15_000, defocus_v: 14_000, astigmatism_angle: 10, score: 0.3, fit_resolution: 3.5 },
  pick: { picks: [[10, 10]] },
  ice: { min: 0, q1: 1, median: 2, q3: 3, max: 4 },
  thumbnails: {},
};

/** A worker's updates: every step of `id` done (or `failStep` failed). */
function finish(id: string, failStep?: string): StepUpdate[] {
  const at = new Date().toISOString();
  return PROCESSING_STEPS.map((step): StepUpdate =>
    step === failStep ? { micrographId: id, step, state: "failed", attempt: 1, error: "no signal", at } : { micrographId: id, step, state: "done", attempt: 1, result: RESULTS[step], at },
  );
}

const ALICE = "alice-token-0123";
const BOB = "bob-token-01234";
const STAFF = "staff-token-0123";
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

const touch = (path: string) => {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, "x");
};

/**
 * tmp/root/lab1/sessions/alice/s1: 5 movies in two square directories (tiff, EER, mrc), the
 * integrated images and XML EPU writes beside them, a gain reference; processed/ holds outputs of 2.
 * alice/s2 has an empty raw/. bob/b1 has one movie. tmp/sessions/alice/leak is just OUTSIDE the
 * root, where `..` as the project would lead.
 */
function makeDataRoot() {
  const tmp = mkdtempSync(join(tmpdir(), "emflow-usc-"));
  const root = join(tmp, "root");
  const s1 = join(root, "lab1/sessions/alice/s1");
  const movies = [
    "GridSquare_1/Data/FoilHole_11_Data_1_1_20250101_100000_fractions.tiff",
    "GridSquare_1/Data/FoilHole_12_Data_1_1_20250101_100100_fractions.tiff",
    "GridSquare_2/Data/FoilHole_21_Data_1_1_20250101_110000_EER.eer",
    "GridSquare_2/Data/FoilHole_22_Data_1_1_20250101_110100_EER.eer",
    "loose movie.mrc",
  ];
  for (const m of movies) touch(join(s1, "raw", m));
  for (const extra of ["FoilHole_11_Data_1_1_20250101_100000.mrc", "FoilHole_11_Data_1_1_20250101_100000.xml", "FoilHole_11_Data_1_1_20250101_100000.jpg"]) {
    touch(join(s1, "raw/GridSquare_1/Data", extra));
  }
  touch(join(s1, "raw/CountRef_lab1.mrc"));
  touch(join(s1, "processed/motioncor2/FoilHole_11_Data_1_1_20250101_100000_fractions_DW.mrc"));
  touch(join(s1, "processed/motioncor2/FoilHole_11_Data_1_1_20250101_100000_fractions.mrc"));
  touch(join(s1, "processed/FoilHole_21_Data_1_1_20250101_110000_EER_DW.mrc"));
  mkdirSync(join(root, "lab1/sessions/alice/s2/raw"), { recursive: true });
  touch(join(root, "lab1/sessions/bob/b1/raw/m1.tif"));
  touch(join(tmp, "sessions/alice/leak/raw/secret.tif"));
  return { tmp, root, s1, movies };
}

interface Harness {
  server: EmflowServer;
  handle: UscHandle;
  fsPaths: string[];
}

async function harness(store: Store, usc: UscContext["usc"], opts: { processing?: ProcessingControl; now?: () => number } = {}): Promise<Harness> {
  const cwd = mkdtempSync(join(tmpdir(), "emflow-usc-cfg-"));
  const config = loadConfig({ env: {}, cwd, overrides: { port: 0, tokens: [] } });
  const processing = opts.processing;
  const fsPaths: string[] = [];
  const fs: DirFs = {
    readdir: (p) => (fsPaths.push(p), nodeDirFs.readdir(p)),
    stat: (p) => (fsPaths.push(p), nodeDirFs.stat(p)),
  };
  const server = await createServer(config, {
    store,
    logger: pino({ level: "silent" }),
    closeGraceMs: 200,
    usc: { config: usc, fs, ...(opts.now === undefined ? {} : { now: opts.now }) },
    ...(processing === undefined ? {} : { processing: async () => processing }),
  });
  return { server, handle: server.usc, fsPaths };
}

describe("USC session API", () => {
  let store: Store;
  let data: ReturnType<typeof makeDataRoot>;
  let h: Harness;
  let control: RecordingControl;
  // Ahead of the files' mtimes, so the movies made in beforeAll count as settled.
  let clock = Date.now() + 60_000;
  let agentAcquisitionId: string;

  const get = async (url: string, headers: Record<string, string> = bearer(ALICE), method: "GET" | "POST" = "GET") => {
    const res = await h.server.app.inject({ method, url, headers });
    return { status: res.statusCode, body: res.json(), headers: res.headers };
  };

  beforeAll(async () => {
    store = await openTestStore();
    data = makeDataRoot();
    control = new RecordingControl(store);
    const usc = resolveUscConfig({
      env: {},
      section: UscConfigSection.parse({
        data_root: data.root,
        tokens: [`alice:${ALICE}`, `bob:${BOB}`, `staff:${STAFF}`],
        admins: ["staff"],
        agent_owners: { agentA_: "alice" },
        sync_interval_s: 0,
      }),
    });
    h = await harness(store, usc, { processing: control, now: () => clock });
    // An agent's EPU session with four movies, owned by alice through agent_owners.
    const batch = epuDirExampleBatch(uniqueSession("agentA"));
    batch.items = batch.items.map((i): IngestItem => (i.kind === "micrograph" ? { ...i, data: { ...i.data, movieFile: `Data/${i.name}_fractions.tiff` } } : i));
    agentAcquisitionId = (await store.ingest(batch)).acquisitionId;
  });
  afterAll(async () => {
    await h.server.close();
    await store.close();
  });

  describe("auth", () => {
    it("answers 401 with WWW-Authenticate without a token, with a wrong one, or with a non-bearer scheme", async () => {
      for (const headers of [{}, bearer("not-a-valid-token"), { authorization: `Basic ${ALICE}` }]) {
        const r = await get("/lab1/alice/sessions", headers);
        expect(r.status).toBe(401);
        expect(r.headers["www-authenticate"]).toMatch(/^Bearer/);
      }
      expect((await get(`/lab1/alice/sessions?access_token=wrong-token-000`, {})).status).toBe(401);
    });

    it("accepts the token as a bearer header, an access_token query parameter or header, and both when they agree", async () => {
      expect((await get("/lab1/alice/sessions")).status).toBe(200);
      expect((await get(`/lab1/alice/sessions?access_token=${ALICE}`, {})).status).toBe(200);
      expect((await get("/lab1/alice/sessions", { access_token: ALICE })).status).toBe(200);
      expect((await get(`/lab1/alice/sessions?access_token=${ALICE}`, bearer(ALICE))).status).toBe(200);
      const mixed = await get(`/lab1/alice/sessions?access_token=${BOB}`, bearer(ALICE));
      expect(mixed.status).toBe(401);
      expect(mixed.body.error.message).toMatch(/different users/);
    });

    it("answers 403 for another user's path, whether or not it exists, and lets admins in", async () => {
      for (const url of ["/lab1/bob/sessions", "/lab1/bob/session/b1", "/lab1/nobody/sessions", "/nolab/bob/session/zz", "/lab1/bob/session/b1/start-processing?apix=1&fmdose=1&kev=300"]) {
        const r = await get(url);
        expect(r.status, url).toBe(403);
        expect(r.body.error.code).toBe("forbidden");
      }
      expect(control.calls).toHaveLength(0);
      const staff = await get("/lab1/bob/session/b1", bearer(STAFF));
      expect(staff.status).toBe(200);
      expect(staff.body).toMatchObject({ raw_files: 1, state: "needs_processing" });
    });

    it("lists only the caller's projects (all of them for admins)", async () => {
      expect((await get("/projects")).body).toEqual({ projects: [{ project_id: "epu" }, { project_id: "lab1" }] });
      expect((await get("/projects", bearer(BOB))).body).toEqual({ projects: [{ project_id: "lab1" }] });
      expect((await get("/projects", bearer(STAFF))).body).toEqual({ projects: [{ project_id: "epu" }, { project_id: "lab1" }] });
    });
  });

  describe("bad input", () => {
    it("rejects traversal and odd names with 400 and never touches the file system outside the root", async () => {
      // Over a real socket: inject() (like fetch) would normalise %2e%2e away before the server saw it.
      const base = await h.server.listen();
      const raw = (path: string) =>
        new Promise<{ status: number; body: { error: { message: string } } }>((resolve, reject) => {
          const req = httpRequest(`${base}/`, { path, headers: bearer(ALICE) }, (res) => {
            let text = "";
            res.on("data", (c: Buffer) => (text += c.toString()));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
          });
          req.on("error", reject);
          req.end();
        });
      const before = h.fsPaths.length;
      const paths = [
        "/%2e%2e/alice/sessions",
        "/../alice/sessions",
        "/%2E%2E/alice/session/leak",
        "/lab1/alice/session/%2e%2e",
        "/lab1/alice/session/..",
        "/lab1/alice/session/..%2F..%2Fetc",
        "/lab1/alice/session/%2Fetc%2Fpasswd",
        "/lab1/alice/session/a%5Cb",
        "/lab1/alice/session/a%00b",
        "/lab1/alice/session/.hidden",
        "/lab1/alice/session/s1%2Fraw",
        "/lab1/alice/session/..%2F..%2F..%2Fsessions%2Falice%2Fleak/start-processing?apix=1&fmdose=1&kev=300",
      ];
      for (const path of paths) {
        const r = await raw(path);
        expect(r.status, path).toBe(400);
        expect(r.body.error.message, path).toMatch(/^(project|id): must be a plain name/);
      }
      expect(h.fsPaths.slice(before).every((p) => p.startsWith(data.root))).toBe(true);
      expect(control.calls).toHaveLength(0);
    });

    it("answers 404 (with the USC state no_such_session) for unknown sessions, and 404 for unknown projects", async () => {
      const r = await get("/lab1/alice/session/nope");
      expect(r.status).toBe(404);
      expect(r.body).toMatchObject({ state: "no_such_session", error: { code: "not_found" } });
      expect((await get(`/lab1/alice/session/${randomUUID()}`)).status).toBe(404);
      expect((await get("/lab1/alice/session/nope/start-processing?apix=1&fmdose=1&kev=300", bearer(ALICE), "POST")).status).toBe(404);
      expect((await get("/nolab/alice/sessions")).status).toBe(404);
      // Bob's agent-session-like UUID under alice: not hers.
      expect((await get(`/epu/bob/session/${agentAcquisitionId}`, bearer(BOB))).status).toBe(404);
    });

    it("rejects bad processing parameters with 400 naming the parameter", async () => {
      const base = "/lab1/alice/session/s1/start-processing";
      const cases: Array<[string, RegExp]> = [
        ["?apix=-1&fmdose=1&kev=300", /^apix: /],
        ["?apix=abc&fmdose=1&kev=300", /^apix: /],
        ["?apix=1e400&fmdose=1&kev=300", /^apix: /],
        ["?apix=0x10&fmdose=1&kev=300", /^apix: /],
        ["?apix=0&fmdose=1&kev=300", /^apix: /],
        ["?apix=1&apix=2&fmdose=1&kev=300", /^apix: /],
        ["?apix=1&fmdose=60&kev=300", /^fmdose: /],
        ["?apix=1&fmdose=1&kev=300000", /^kev: /],
        ["?apix=1&fmdose=1&kev=", /^kev: /],
        ["?apix=1&fmdose=1&kev=300&superresolution=maybe", /^superresolution: /],
        ["?apix=1&fmdose=1&kev=300&dose=2", /^dose: /],
        ["?apix=1&fmdose=1&kev=300&particle_size=200", /particle_size/],
        ["", /^apix, fmdose, kev: required for a data-root session/],
        ["?apix=1", /^fmdose, kev: required/],
      ];
      for (const [query, message] of cases) {
        const r = await get(base + query, bearer(ALICE), "POST");
        expect(r.status, query).toBe(400);
        expect(r.body.error.message, query).toMatch(message);
      }
      expect(control.calls).toHaveLength(0);
    });
  });

  describe("data-root sessions", () => {
    it("lists a user's sessions with their state", async () => {
      const r = await get("/lab1/alice/sessions");
      expect(SessionListResponse.parse(r.body).sessions).toEqual([
        { session_id: "s1", state: "needs_processing", source: "data_root" },
        { session_id: "s2", state: "incomplete_or_empty", source: "data_root" },
      ]);
    });

    it("counts raw movies and processed outputs on disk before the session is registered", async () => {
      const s = SessionStatusResponse.parse((await get("/lab1/alice/session/s1")).body);
      expect(s).toEqual({
        state: "needs_processing",
        raw_files: 5,
        processed_files: 2,
        failed_jobs: 0,
        percent_done_total: 40,
        percent_current_cycle: 0,
        session_id: "s1",
        source: "data_root",
        params: {},
      });
    });

    it("start registers every movie and starts processing with the given parameters; a second start changes nothing", async () => {
      const r = await get("/lab1/alice/session/s1/start-processing?apix=0.83&fmdose=1.2&kev=300&superresolution=True", bearer(ALICE), "POST");
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ result: "ok", session_id: "s1", state: "processing", queued: 5 });
      const id = r.body.acquisition_id as string;
      expect(control.calls).toEqual([{ op: "start", acquisitionId: id, params: { apix: 0.83, kv: 300, dosePerFrame: 1.2, superResolution: true }, queued: expect.any(Array) }]);
      const micrographs = (await store.listMicrographs({ acquisitionId: id })).items;
      expect(micrographs.map((m) => m.movieFile).sort()).toEqual(data.movies.map((m) => join(data.s1, "raw", m)).sort());
      expect((await store.getAcquisition(id))?.directory).toBe(data.s1);

      const status = (await get("/lab1/alice/session/s1")).body;
      expect(status).toMatchObject({ state: "processing", raw_files: 5, processed_files: 0, acquisition_id: id, params: { apix: 0.83, fmdose: 1.2, kev: 300, superresolution: true } });

      const again = await get("/lab1/alice/session/s1/start-processing?apix=1&fmdose=1&kev=200", bearer(ALICE), "POST");
      expect(again.body).toMatchObject({ queued: 0, detail: expect.stringMatching(/already running/) });
      expect(control.calls).toHaveLength(1);
    });

    it("registers movies that arrive while the session runs, once the scan cache expires and they settle", async () => {
      const before = control.ingests.length;
      const movie = join(data.s1, "raw/GridSquare_2/Data/FoilHole_23_Data_1_1_20250101_120000_EER.eer");
      touch(movie);
      utimesSync(movie, new Date(clock), new Date(clock)); // being written "now"
      expect((await get("/lab1/alice/session/s1")).body.raw_files).toBe(5); // still within the TTL
      clock += 3_000;
      const writing = (await get("/lab1/alice/session/s1")).body;
      expect(writing.raw_files).toBe(6); // on disk …
      expect((await store.listMicrographs({ acquisitionId: writing.acquisition_id })).total).toBe(5); // … not registered yet
      clock += 10_000;
      const s = (await get("/lab1/alice/session/s1")).body;
      expect(s.raw_files).toBe(6);
      const fresh = control.ingests.slice(before);
      expect(fresh.reduce((n, o) => n + o.created, 0)).toBe(1);
      expect((await store.listMicrographs({ acquisitionId: s.acquisition_id })).total).toBe(6);
    });

    it("reports processed movies and failed jobs from the store", async () => {
      const id = (await get("/lab1/alice/session/s1")).body.acquisition_id as string;
      const ms = (await store.listMicrographs({ acquisitionId: id })).items;
      await store.recordSteps([...finish(ms[0]!.id), ...finish(ms[1]!.id), ...finish(ms[2]!.id, "ctf")]);
      const s = (await get("/lab1/alice/session/s1")).body;
      // 6 movies, 2 done, 1 with a failed ctf step; 6 started (5 queued by start + the new one is not queued by the recorder).
      expect(s).toMatchObject({ state: "processing", raw_files: 6, processed_files: 2, failed_jobs: 1, percent_done_total: 33 });
      expect(s.percent_current_cycle).toBe(60); // (2 processed + 1 failed) / 5 started
    });

    it("stop stops; resume queues only what is not finished, never the processed movies (GET works as POST)", async () => {
      const stop = await get("/lab1/alice/session/s1/stop-processing");
      expect(stop.body).toMatchObject({ result: "ok", state: "needs_processing", queued: 0 });
      const id = stop.body.acquisition_id as string;
      expect((await store.processingSummary(id))?.settings.state).toBe("stopped");

      const resume = await get("/lab1/alice/session/s1/resume-processing", bearer(ALICE), "POST");
      expect(resume.body).toMatchObject({ result: "ok", state: "processing", queued: 4 });
      const last = control.calls.at(-1)!;
      expect(last.op).toBe("resume");
      const done = (await store.listMicrographs({ acquisitionId: id })).items.slice(0, 2).map((m) => m.naturalId);
      expect(last.queued).toHaveLength(4);
      for (const n of done) expect(last.queued).not.toContain(n);
      expect((await store.processingSummary(id))?.settings.params).toMatchObject({ apix: 0.83, dosePerFrame: 1.2, kv: 300 });
    });

    it("the background sync registers movies of running sessions without any request", async () => {
      touch(join(data.s1, "raw/GridSquare_2/Data/FoilHole_24_Data_1_1_20250101_130000_EER.eer"));
      clock += 5_000;
      const deps = { store, scanner: h.handle.scanner!, sync: h.handle.sync };
      expect(await syncRunningSessions(deps)).toBe(1);
      expect(await syncRunningSessions(deps)).toBe(0);
      const id = (await h.handle.sync.acquisitionId({ project: "lab1", user: "alice", session: "s1" }))!;
      expect((await store.listMicrographs({ acquisitionId: id })).total).toBe(7);
    });

    it("stop on a session never started does nothing and says so", async () => {
      const r = await get("/lab1/alice/session/s2/stop-processing", bearer(ALICE), "POST");
      expect(r.body).toMatchObject({ result: "ok", state: "incomplete_or_empty", detail: expect.stringMatching(/never started/) });
      expect(r.body.acquisition_id).toBeUndefined();
    });
  });

  describe("agent (EPU) sessions", () => {
    it("appear under the agent project for the user agent_owners maps them to, with their acquisition id", async () => {
      const r = SessionListResponse.parse((await get("/epu/alice/sessions")).body);
      expect(r.sessions).toEqual([{ session_id: agentAcquisitionId, state: "needs_processing", source: "agent", name: expect.stringMatching(/^agentA_/) }]);
      expect((await get("/epu/bob/sessions", bearer(BOB))).body).toEqual({ sessions: [] });
    });

    it("report the store's counts and start without parameters (the files carry them)", async () => {
      const s = (await get(`/epu/alice/session/${agentAcquisitionId}`)).body;
      expect(s).toMatchObject({ state: "needs_processing", raw_files: 4, processed_files: 0, failed_jobs: 0, source: "agent", acquisition_id: agentAcquisitionId });
      const r = await get(`/epu/alice/session/${agentAcquisitionId}/start-processing`, bearer(ALICE), "POST");
      expect(r.body).toMatchObject({ result: "ok", state: "processing", queued: 4 });
      expect(control.calls.at(-1)).toMatchObject({ op: "start", acquisitionId: agentAcquisitionId, params: {} });
    });
  });

  it("documents the routes in /openapi.json", async () => {
    const doc = (await h.server.app.inject("/openapi.json")).json();
    const paths = Object.keys(doc.paths).filter((p) => !p.startsWith("/api/"));
    expect(paths.sort()).toEqual([
      "/projects",
      "/{project}/{user}/session/{id}",
      "/{project}/{user}/session/{id}/resume-processing",
      "/{project}/{user}/session/{id}/start-processing",
      "/{project}/{user}/session/{id}/stop-processing",
      "/{project}/{user}/sessions",
    ]);
    const start = doc.paths["/{project}/{user}/session/{id}/start-processing"];
    expect(Object.keys(start).sort()).toEqual(["get", "post"]);
    expect(start.post.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(["apix", "fmdose", "kev", "superresolution", "project", "user", "id"]));
  });
});

describe("USC session API without processing or tokens", () => {
  let store: Store;
  let h: Harness;
  let data: ReturnType<typeof makeDataRoot>;
  beforeAll(async () => {
    store = await openTestStore();
    data = makeDataRoot();
    h = await harness(store, resolveUscConfig({ env: {}, overrides: { dataRoot: data.root } }));
  });
  afterAll(async () => {
    await h.server.close();
    await store.close();
  });

  it("answers 503 with a clear message for start, stop and resume, and still serves status", async () => {
    for (const action of ["start", "stop", "resume"]) {
      const r = await h.server.app.inject({ method: "POST", url: `/lab1/alice/session/s1/${action}-processing?${action === "stop" ? "" : "apix=1&fmdose=1&kev=300"}` });
      expect(r.statusCode, action).toBe(503);
      expect(r.json().error.message).toMatch(/processing is not enabled/);
    }
    expect((await h.server.app.inject("/lab1/alice/session/s1")).json()).toMatchObject({ raw_files: 5 });
  });

  it("serves under a configured prefix, and never acts on HEAD", async () => {
    const other = await harness(store, resolveUscConfig({ env: {}, overrides: { dataRoot: data.root, prefix: "/usc" } }));
    try {
      expect((await other.server.app.inject("/usc/lab1/alice/session/s1")).json()).toMatchObject({ raw_files: 5 });
      expect((await other.server.app.inject("/lab1/alice/session/s1")).statusCode).toBe(404);
      expect((await other.server.app.inject({ method: "HEAD", url: "/usc/lab1/alice/session/s1/start-processing?apix=1&fmdose=1&kev=300" })).statusCode).toBe(404);
    } finally {
      await other.server.close();
    }
  });

  it("lets only loopback clients in (as admin) when no token is configured", async () => {
    expect((await h.server.app.inject({ url: "/lab1/bob/session/b1", remoteAddress: "127.0.0.1" })).statusCode).toBe(200);
    const remote = await h.server.app.inject({ url: "/lab1/bob/session/b1", remoteAddress: "10.1.2.3" });
    expect(remote.statusCode).toBe(401);
    expect(remote.json().error.message).toMatch(/no USC tokens/);
  });
});
