import { describe, expect, it } from "vitest";
import { metricsOf, micrographProcessingState, stepTransition, StepUpdate } from "./processing.js";

const base = { micrographId: "0b0f1c52-6f1e-4c43-9d0e-6a3a1d1f2b3c", attempt: 1, at: "2026-11-22T03:00:00Z" };

describe("StepUpdate", () => {
  it("accepts a done CTF step with its result and keeps extra result fields", () => {
    const u = StepUpdate.parse({
      ...base,
      step: "ctf",
      state: "done",
      result: { defocus_u: 21000, defocus_v: 20500, astigmatism_angle: 30, score: 0.2, fit_resolution: 3.9, profile: [1, 2] },
    });
    expect(u.result).toMatchObject({ defocus_u: 21000, profile: [1, 2] });
  });

  it("rejects a done step whose result lacks a required field, naming it", () => {
    const r = StepUpdate.safeParse({ ...base, step: "motion", state: "done", result: { trajectory: [[0, 0]], total_motion: 3 } });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join("."))).toContain("result.early_motion");
  });

  it("rejects a failed step without an error, a bad id, and an attempt of 0", () => {
    expect(StepUpdate.safeParse({ ...base, step: "pick", state: "failed" }).success).toBe(false);
    expect(StepUpdate.safeParse({ ...base, micrographId: "x", step: "pick", state: "running" }).success).toBe(false);
    expect(StepUpdate.safeParse({ ...base, attempt: 0, step: "pick", state: "running" }).success).toBe(false);
  });

  it("rejects non-finite numbers in results", () => {
    const r = StepUpdate.safeParse({ ...base, step: "ice", state: "done", result: { min: 0, q1: 1, median: Number.NaN, q3: 2, max: 3 } });
    expect(r.success).toBe(false);
  });
});

describe("stepTransition", () => {
  it("never leaves done", () => {
    expect(stepTransition({ state: "done", attempts: 1 }, { state: "running", attempt: 2 })).toEqual({ apply: false, reason: "step already done" });
    expect(stepTransition({ state: "done", attempts: 1 }, { state: "failed", attempt: 1 }).apply).toBe(false);
  });
  it("ignores stale attempts and a re-queue of a running step, applies retries", () => {
    expect(stepTransition({ state: "failed", attempts: 3 }, { state: "running", attempt: 2 }).apply).toBe(false);
    expect(stepTransition({ state: "running", attempts: 2 }, { state: "queued", attempt: 2 }).apply).toBe(false);
    expect(stepTransition({ state: "failed", attempts: 2 }, { state: "running", attempt: 3 }).apply).toBe(true);
    expect(stepTransition({ state: "failed", attempts: 2 }, { state: "queued", attempt: 2 }).apply).toBe(true);
    expect(stepTransition(undefined, { state: "done", attempt: 1 }).apply).toBe(true);
  });
});

describe("micrographProcessingState", () => {
  it("summarises step states", () => {
    expect(micrographProcessingState([])).toBe("none");
    expect(micrographProcessingState(["done", "failed"])).toBe("failed");
    expect(micrographProcessingState(["done", "running"])).toBe("running");
    expect(micrographProcessingState(["done", "done"])).toBe("running");
    expect(micrographProcessingState(["done", "done", "done", "done", "done"])).toBe("done");
    expect(micrographProcessingState(["queued"])).toBe("queued");
  });
});

describe("metricsOf", () => {
  it("extracts figures from results", () => {
    expect(metricsOf("ctf", { defocus_u: 21000, defocus_v: 20500, astigmatism_angle: 30, score: 0.2, fit_resolution: 3.9 })).toEqual({
      defocusUA: 21000,
      defocusVA: 20500,
      astigmatismA: 500,
      astigmatismAngleDeg: 30,
      ctfScore: 0.2,
      ctfFitResolutionA: 3.9,
    });
    expect(metricsOf("pick", { picks: [[1, 2], [3, 4]] })).toEqual({ particleCount: 2 });
    expect(metricsOf("thumbnails", {})).toEqual({});
  });
});
