// `npm run bench`: every benchmark in turn; each writes bench/results/<name>.json.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const only = process.argv.slice(2);
const all = ["parse-throughput", "live-ingest", "store", "decisions", "decision-latency"];
// These run through vitest (they use the TypeScript fixtures); the rest are plain scripts.
const VITEST = new Set(["store", "decision-latency"]);
let failed = 0;
for (const name of all.filter((n) => only.length === 0 || only.includes(n))) {
  process.stderr.write(`== ${name}\n`);
  const r =
    VITEST.has(name)
      ? spawnSync("npx", ["vitest", "run", "--config", "bench/vitest.config.ts", `bench/${name}.bench.ts`], { stdio: "inherit" })
      : spawnSync(process.execPath, [fileURLToPath(new URL(`./${name}.mjs`, import.meta.url))], { stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
