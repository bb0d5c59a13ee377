// Parse throughput of `emflow epu parse` on a synthetic session of 50 squares × 100 holes × 6 shots
// (30,000 micrograph XML files, 100,000 files in all). Target: ≥ 20,000 entities/s.
// The reference system's own design target is 200 entities/s (no runnable peer here).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { parseSessionDirectory } from "../packages/agent/dist/index.js";
import { synthesizeSession } from "../packages/synth/dist/index.js";
import { CACHE, median, ROOT, writeResult } from "./lib.mjs";

const SHAPE = { squares: 50, holesPerSquare: 100, shotsPerHole: 6, seed: 7 };
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

async function session() {
  const dir = path.join(CACHE, "synth-50x100x6");
  if (!existsSync(path.join(dir, "synth-truth.json"))) {
    process.stderr.write(`writing the synthetic session to ${dir} (once; cached)...\n`);
    await synthesizeSession({ dir, ...SHAPE, speed: 0 });
  }
  const name = readdirSync(dir).find((d) => d.endsWith("_EPU"));
  return path.join(dir, name);
}

const dir = await session();
// Warm the page cache once, as an operator re-running a parse would see it.
await parseSessionDirectory(dir);

const inProcess = [];
for (let i = 0; i < RUNS; i++) {
  const t = performance.now();
  const m = await parseSessionDirectory(dir);
  const s = (performance.now() - t) / 1000;
  inProcess.push({ seconds: s, entities: m.entities.length, files: m.files.seen, errors: m.errors.length, entitiesPerS: m.entities.length / s });
}

// The real command, end to end (process start, discovery, parse, summary).
const cli = [];
for (let i = 0; i < RUNS; i++) {
  const t = performance.now();
  const r = spawnSync(process.execPath, [path.join(ROOT, "packages/cli/dist/bin.js"), "epu", "parse", dir], { encoding: "utf8", env: { ...process.env, CI: "true" } });
  const s = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`emflow epu parse failed: ${r.stderr}`);
  const entities = Number(/(\d+) entities from/.exec(r.stdout)?.[1]);
  cli.push({ seconds: s, entities, entitiesPerS: entities / s });
}

const result = {
  command: `emflow epu parse ${path.relative(ROOT, dir)}`,
  session: SHAPE,
  target: { entitiesPerS: 20000 },
  reference: { smartemDesignTargetEntitiesPerS: 200 },
  inProcess: { medianEntitiesPerS: Math.round(median(inProcess.map((r) => r.entitiesPerS))), runs: inProcess },
  cli: { medianEntitiesPerS: Math.round(median(cli.map((r) => r.entitiesPerS))), medianSeconds: median(cli.map((r) => r.seconds)), runs: cli },
};
const file = writeResult("parse-throughput", result);
console.log(`parse throughput: ${result.cli.medianEntitiesPerS} entities/s (CLI, median of ${RUNS}), ${result.inProcess.medianEntitiesPerS} in-process; ${inProcess[0].entities} entities, ${inProcess[0].files} files → ${file}`);
