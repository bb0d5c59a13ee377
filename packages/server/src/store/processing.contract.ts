/**
 * The processing part of the Store contract (called from runStoreContract, so
 * it runs on every adapter): step updates through the state machine, metrics,
 * summaries, failures, settings and the resume query.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { IngestItem, StepUpdate } from "@emflow/core";
import { batchOf, epuDirExampleBatch, uniqueSession } from "../testing/fixtures.js";
import type { Store } from "./store.js";

const CTF = { defocus_u: 21_500, defocus_v: 20_700, astigmatism_angle: 42, score: 0.31, fit_resolution: 3.6 };
const MOTION = { trajectory: [[0, 0], [1.5, -0.5], [2.5, -1]] as Array<[number, number]>, total_motion: 2.9, early_motion: 1.6, late_motion: 1.3 };

let clock = Date.parse("2026-11-22T03:00:00Z");
const at = (): string => new Date((clock += 1000)).toISOString();

function update(micrographId: string, step: StepUpdate["step"], state: StepUpdate["state"], extra: Partial<StepUpdate> = {}): StepUpdate {
  return { micrographId, step, state, attempt: 1, at: at(), ...extra };
}

/** A session with the example's 4 micrographs, each given a movie path. */
async function sessionWithMovies(store: Store): Promise<{ acquisitionId: string; ids: string[] }> {
  const session = uniqueSession("proc");
  const batch = epuDirExampleBatch(session);
  const items = batch.items.map((i): IngestItem => (i.kind === "micrograph" ? { ...i, data: { ...i.data, movieFile: `Data/${i.name}_fractions.tiff` } } : i));
  const r = await store.ingest(batchOf(session, items));
  const page = await store.listMicrographs({ acquisitionId: r.acquisitionId });
  return { acquisitionId: r.acquisitionId, ids: page.items.map((m) => m.id) };
}

export function runProcessingContract(getStore: () => Store): void {
  describe("processing", () => {
    it("records a micrograph's steps through queued → running → done with results and metrics", async () => {
      const store = getStore();
      const { acquisitionId, ids } = await sessionWithMovies(store);
      const id = ids[0]!;
      const seq = await store.lastSeq();
      const r = await store.recordSteps([
        update(id, "motion", "queued"),
        update(id, "motion", "running", { tool: "builtin" }),
        update(id, "motion", "done", { tool: "builtin", result: MOTION, seconds: 2.5 }),
        update(id, "ctf", "done", { tool: "builtin", result: CTF }),
      ]);
      expect(r.applied).toBe(4);
      expect(r.ignored).toEqual([]);
      const p = await store.getProcessing(id);
      expect(p?.state).toBe("running"); // two of five steps done
      expect(p?.steps.map((s) => [s.step, s.state, s.tool])).toEqual([
        ["motion", "done", "builtin"],
        ["ctf", "done", "builtin"],
      ]);
      const motion = p!.steps[0]!;
      expect(motion.result).toEqual(MOTION);
      expect(motion.seconds).toBe(2.5);
      expect(motion.queuedAt).not.toBeNull();
      expect(motion.startedAt).not.toBeNull();
      expect(motion.finishedAt).not.toBeNull();
      expect(p?.metrics).toEqual({
        totalMotionA: 2.9,
        earlyMotionA: 1.6,
        lateMotionA: 1.3,
        defocusUA: 21_500,
        defocusVA: 20_700,
        astigmatismA: 800,
        astigmatismAngleDeg: 42,
        ctfScore: 0.31,
        ctfFitResolutionA: 3.6,
      });
      const events = await store.changesSince(seq, { acquisitionId });
      expect(events.map((e) => [e.kind, e.op, e.id])).toEqual([
        ["processing", "created", id],
        ["processing", "updated", id],
        ["processing", "updated", id],
        ["processing", "created", id],
      ]);
    });

    it("never leaves done: a redelivered running or failed status is ignored with its reason", async () => {
      const store = getStore();
      const { ids } = await sessionWithMovies(store);
      const id = ids[1]!;
      await store.recordSteps([update(id, "ctf", "done", { result: CTF })]);
      const r = await store.recordSteps([update(id, "ctf", "running", { attempt: 2 }), update(id, "ctf", "failed", { attempt: 2, error: "boom" })]);
      expect(r.applied).toBe(0);
      expect(r.ignored).toEqual([
        { index: 0, reason: "step already done" },
        { index: 1, reason: "step already done" },
      ]);
      expect((await store.getProcessing(id))?.steps[0]).toMatchObject({ state: "done", error: null, result: CTF });
    });

    it("keeps a failure's error, clears it on retry, and ignores stale attempts", async () => {
      const store = getStore();
      const { acquisitionId, ids } = await sessionWithMovies(store);
      const id = ids[2]!;
      await store.recordSteps([update(id, "motion", "failed", { attempt: 2, error: "movie truncated: frame 7 of 10 incomplete" })]);
      expect(await store.listFailures(acquisitionId)).toMatchObject([
        { micrographId: id, step: "motion", error: "movie truncated: frame 7 of 10 incomplete", attempts: 2 },
      ]);
      expect((await store.processingSummary(acquisitionId))?.failed).toBe(1);
      const stale = await store.recordSteps([update(id, "motion", "running", { attempt: 1 })]);
      expect(stale.ignored[0]?.reason).toBe("stale attempt 1 < 2");
      await store.recordSteps([update(id, "motion", "running", { attempt: 3 })]);
      const p = await store.getProcessing(id);
      expect(p?.steps[0]).toMatchObject({ state: "running", attempts: 3, error: null, finishedAt: null });
      expect(await store.listFailures(acquisitionId)).toEqual([]);
    });

    it("ignores updates for unknown micrographs without failing the batch", async () => {
      const store = getStore();
      const { ids } = await sessionWithMovies(store);
      const r = await store.recordSteps([update(randomUUID(), "motion", "queued"), update(ids[3]!, "motion", "queued")]);
      expect(r.applied).toBe(1);
      expect(r.ignored[0]?.reason).toMatch(/^unknown micrograph /);
    });

    it("summarises steps, micrographs and means per session, and lists what start/resume would queue", async () => {
      const store = getStore();
      const { acquisitionId, ids } = await sessionWithMovies(store);
      const done = ids[0]!;
      const all: StepUpdate[] = [
        update(done, "motion", "done", { result: MOTION }),
        update(done, "ctf", "done", { result: CTF }),
        update(done, "pick", "done", { result: { picks: [[10, 10], [50, 60], [90, 20]] } }),
        update(done, "ice", "done", { result: { min: 0.8, q1: 0.9, median: 1.0, q3: 1.1, max: 1.3 } }),
        update(done, "thumbnails", "done", { result: { micrograph: "thumbs/a.jpg" } }),
        update(ids[1]!, "motion", "running"),
      ];
      await store.recordSteps(all);
      const s = await store.processingSummary(acquisitionId);
      expect(s).toMatchObject({ micrographs: 4, movies: 4, started: 2, processed: 1, failed: 0 });
      expect(s?.steps.motion).toEqual({ queued: 0, running: 1, done: 1, failed: 0 });
      expect(s?.steps.pick).toEqual({ queued: 0, running: 0, done: 1, failed: 0 });
      expect(s?.means).toMatchObject({ ctfFitResolutionA: 3.6, totalMotionA: 2.9, particleCount: 3, iceMedian: 1.0, defocusA: 21_100 });
      expect((await store.getProcessing(done))?.state).toBe("done");
      const todo = await store.unprocessedMicrographs(acquisitionId);
      expect(todo.map((t) => t.id).sort()).toEqual(ids.filter((i) => i !== done).sort());
      expect(todo.find((t) => t.id === ids[1])?.steps).toEqual({ motion: "running" });
      expect(todo[0]?.movieFile).toMatch(/_fractions\.tiff$/);
      const page = await store.unprocessedMicrographs(acquisitionId, { afterSeq: todo[0]!.seq, limit: 1 });
      expect(page.map((t) => t.id)).toEqual([todo[1]!.id]);
      expect((await store.unprocessedMicrographs(acquisitionId, { ids: [done, ids[2]!, "junk"] })).map((t) => t.id)).toEqual([ids[2]]);
      expect(await store.unprocessedMicrographs(acquisitionId, { ids: [] })).toEqual([]);
    });

    it("stores settings per session, merging parameters", async () => {
      const store = getStore();
      const { acquisitionId } = await sessionWithMovies(store);
      expect((await store.processingSummary(acquisitionId))?.settings).toEqual({ state: "stopped", params: {}, updatedAt: null });
      await store.putProcessingSettings(acquisitionId, { state: "running", params: { apix: 0.83, dosePerFrame: 1.1 } });
      const s = await store.putProcessingSettings(acquisitionId, { params: { kv: 300 } });
      expect(s).toMatchObject({ state: "running", params: { apix: 0.83, dosePerFrame: 1.1, kv: 300 } });
      expect(await store.getProcessingSettings(acquisitionId)).toEqual(s);
      expect((await store.getProcessingSettings("nope")).state).toBe("stopped");
      expect(await store.putProcessingSettings(randomUUID(), { state: "running" })).toBeUndefined();
      expect(await store.processingSummary("not-a-uuid")).toBeUndefined();
      expect(await store.getProcessing(randomUUID())).toBeUndefined();
    });
  });
}
