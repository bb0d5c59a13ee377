/**
 * Store timings on a 50,000-micrograph session, PGlite and (when DATABASE_URL
 * is set) PostgreSQL: 5000-item batches, replays, summary, paging. Run by
 * `npm run bench` through bench/vitest.config.ts (not part of the test suite);
 * writes bench/results/store.json.
 */
import { afterAll, describe, expect, it } from "vitest";
import { storeAdapters } from "./store-adapters.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { uniqueSession } from "../packages/server/src/testing/fixtures.js";
import { synthBatches, synthItems } from "../packages/server/src/testing/synth-batch.js";

const results: Record<string, Record<string, number>> = {};
const record = (adapter: string, label: string, ms: number): void => {
  (results[adapter] ??= {})[label] = Math.round(ms);
};

const adapters = storeAdapters();

const time = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
  const t0 = performance.now();
  const out = await fn();
  const ms = performance.now() - t0;
  console.log(`${label}: ${ms.toFixed(0)} ms`);
  const [adapter, what] = label.split(": ");
  record(adapter!, what!, ms);
  return out;
};

describe("store timings", () => {
  for (const [name, make] of adapters) {
    it(`${name}: 50,000 micrographs`, async () => {
      const { store, dispose } = await make();
      try {
        // 20 squares × 50 holes × 50 exposures = 50,000 micrographs, 51,022 items.
        const items = synthItems({ squares: 20, holesPerSquare: 50, micrographsPerHole: 50 });
        const batches = synthBatches(uniqueSession("bench"), items);
        const ms: number[] = [];
        let acquisitionId = "";
        for (const b of batches) {
          const t0 = performance.now();
          acquisitionId = (await store.ingest(b)).acquisitionId;
          ms.push(performance.now() - t0);
        }
        console.log(`${name}: ${batches.length} batches of ≤5000 items: median ${median(ms).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms`);
        record(name, "5000-item batch, median", median(ms));
        record(name, "5000-item batch, max", Math.max(...ms));
        const replay = await time(`${name}: replay of one 5000-item batch (no changes)`, () => store.ingest({ ...batches[3]!, batchId: crypto.randomUUID() }));
        expect(replay).toMatchObject({ created: 0, updated: 0 });
        const summary = await time(`${name}: summary`, () => store.summary(acquisitionId));
        expect(summary?.micrographs).toBe(50_000);
        await time(`${name}: summary (warm)`, () => store.summary(acquisitionId));
        const page = await time(`${name}: first micrograph page of 1000`, () => store.listMicrographs({ acquisitionId, limit: 1000 }));
        await time(`${name}: page 40 of 1000`, async () => {
          let cursor = page.nextCursor!;
          for (let i = 0; i < 38; i++) cursor = (await store.listMicrographs({ acquisitionId, limit: 1000, cursor })).nextCursor!;
          return store.listMicrographs({ acquisitionId, limit: 1000, cursor });
        });
        const window = await time(`${name}: micrographs in a 60 s window`, () =>
          store.listMicrographs({ acquisitionId, acquiredFrom: "2025-01-08T18:00:00Z", acquiredTo: "2025-01-08T18:01:00Z" }),
        );
        expect(window.total).toBe(60);
      } finally {
        await dispose();
      }
    }, 300_000);
  }
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

afterAll(() => {
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  const file = new URL("./results/store.json", import.meta.url);
  writeFileSync(file, `${JSON.stringify({ name: "store", at: new Date().toISOString(), session: "20 squares × 50 holes × 50 exposures = 50,000 micrographs", ms: results }, null, 2)}\n`);
});
