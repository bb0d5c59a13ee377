/**
 * Decision latency: from a new processing result to an updated ranking, on a
 * 500-square grid with 50,000 processed micrographs (100,000 foil holes), on
 * PGlite and (with DATABASE_URL) PostgreSQL. Target ≤ 1 s. Run by
 * `npm run bench -- decision-latency` (vitest, not part of the test suite);
 * writes bench/results/decision-latency.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { storeAdapters } from "./store-adapters.js";
import type { IngestItem, StepUpdate } from "@emflow/core";
import { loadConfig } from "../packages/server/src/config/config.js";
import { DecisionEngine } from "../packages/server/src/decisions/engine.js";
import { putDecisionSettings } from "../packages/server/src/decisions/decision-store.js";
import { ChangeHub } from "../packages/server/src/events/hub.js";
import { uniqueSession } from "../packages/server/src/testing/fixtures.js";
import { synthBatches, synthItems } from "../packages/server/src/testing/synth-batch.js";

const SQUARES = 500;
const HOLES = 200; // per square; the first IMAGED of each have a micrograph
const IMAGED = 100;
const PENDING = 40; // micrographs left without results, to receive one in each timed round
const ROUNDS = 20;

const results: Record<string, Record<string, number>> = {};
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const pct = (v: number[], p: number) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)]!;

const adapters = storeAdapters();

/** ctf + pick + ice results of one micrograph; squares whose index is a multiple of 3 are good. */
function results3(micrographId: string, good: boolean, at: string): StepUpdate[] {
  return [
    { micrographId, step: "ctf", state: "done", attempt: 1, at, result: { defocus_u: 15_000, defocus_v: 14_800, astigmatism_angle: 10, score: 0.3, fit_resolution: good ? 3.6 : 8 } },
    { micrographId, step: "pick", state: "done", attempt: 1, at, result: { picks: Array.from({ length: good ? 60 : 5 }, (_, i) => [i, i]) } },
    { micrographId, step: "ice", state: "done", attempt: 1, at, result: { min: 0.05, q1: 0.08, median: good ? 0.1 : 0.35, q3: 0.12, max: 0.2 } },
  ];
}

describe("decision latency", () => {
  afterAll(() => {
    mkdirSync("bench/results", { recursive: true });
    const machine = { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30) };
    writeFileSync(
      "bench/results/decision-latency.json",
      `${JSON.stringify({ name: "decision-latency", at: new Date().toISOString(), machine, grid: { squares: SQUARES, holes: SQUARES * HOLES, micrographs: SQUARES * IMAGED }, rounds: ROUNDS, target: { p50Ms: 1000 }, results }, null, 2)}\n`,
    );
  });

  for (const [name, make] of adapters) {
    it(`${name}: ${SQUARES} squares, ${SQUARES * IMAGED} micrographs`, async () => {
      const { store, dispose } = await make();
      const rec = (label: string, ms: number) => {
        (results[name] ??= {})[label] = Math.round(ms);
        console.log(`${name}: ${label}: ${ms.toFixed(0)} ms`);
      };
      try {
        const items = synthItems({ squares: SQUARES, holesPerSquare: HOLES, micrographsPerHole: 1 })
          .map((it: IngestItem) => (it.kind === "gridSquare" ? { ...it, data: { ...it.data, selected: true } } : it))
          .filter((it: IngestItem) => it.kind !== "micrograph" || Number(it.foilHoleId) % 1000 < IMAGED);
        let acquisitionId = "";
        for (const b of synthBatches(uniqueSession("latency"), items)) acquisitionId = (await store.ingest(b)).acquisitionId;
        // Results for all but PENDING micrographs, straight into the metrics table (recordSteps for 150,000
        // step updates would only time the store); good squares every third.
        await store.sql.query(
          `INSERT INTO micrograph_metrics (micrograph_id, acquisition_id, ctf_fit_resolution_a, particle_count, ice_median, total_motion_a)
           SELECT m.id, m.acquisition_id,
                  CASE WHEN (s.natural_id::bigint % 3) = 0 THEN 3.6 ELSE 8 END,
                  CASE WHEN (s.natural_id::bigint % 3) = 0 THEN 60 ELSE 5 END,
                  CASE WHEN (s.natural_id::bigint % 3) = 0 THEN 0.1 ELSE 0.35 END, 12
             FROM micrographs m JOIN grid_squares s ON s.id = m.grid_square_id
            WHERE m.acquisition_id = $1 AND m.seq NOT IN (SELECT seq FROM micrographs WHERE acquisition_id = $1 ORDER BY seq DESC LIMIT ${PENDING})`,
          [acquisitionId],
        );
        const pending = (await store.sql.query<{ id: string; natural_id: string }>(
          `SELECT m.id, s.natural_id FROM micrographs m JOIN grid_squares s ON s.id = m.grid_square_id WHERE m.acquisition_id = $1 ORDER BY m.seq DESC LIMIT ${PENDING}`,
          [acquisitionId],
        ));
        const hub = new ChangeHub();
        const config = loadConfig({ env: {} }).decisions;
        const engine = new DecisionEngine({
          db: store.sql,
          hub,
          logger: pino({ level: "silent" }),
          config,
          links: { send: () => Promise.reject(new Error("no link in the benchmark")) },
          timers: { setTimeout: () => 0, clearTimeout: () => undefined },
        });
        await putDecisionSettings(store.sql, acquisitionId, { mode: "advise" });
        let t0 = performance.now();
        const first = await engine.order(acquisitionId);
        rec("first ranking (model built from the store)", performance.now() - t0);
        expect(first!.ranked.length).toBeGreaterThan(SQUARES / 2);
        const latencies: number[] = [];
        const decide: number[] = [];
        for (let k = 0; k < ROUNDS; k++) {
          const m = pending[k]!;
          t0 = performance.now();
          const outcome = await store.recordSteps(results3(m.id, Number(m.natural_id) % 3 === 0, new Date().toISOString()));
          hub.publish(outcome.events);
          const ranked = await engine.order(acquisitionId);
          latencies.push(performance.now() - t0);
          expect(ranked!.ranked.length).toBeGreaterThan(0);
          t0 = performance.now();
          await engine.decideNow(acquisitionId);
          decide.push(performance.now() - t0);
        }
        rec(`result → updated ranking, median of ${ROUNDS}`, median(latencies));
        rec(`result → updated ranking, p95`, pct(latencies, 95));
        rec(`result → updated ranking, max`, Math.max(...latencies));
        rec(`a decision right after (ranking shared, decision stored), median`, median(decide));
        await engine.close();
      } finally {
        await dispose();
      }
    });
  }
});
