// Acquisition policies side by side on the simulator's standard scenarios: every policy on each
// scenario for BENCH_SEEDS seeds (default 20; seed s = synthetic grid s and outcome draws s),
// BENCH_HOURS hours each (default 24, a session on one grid; ~5 min on 2 cores, BENCH_HOURS=12 halves it).
// Scenarios:
//   default-all-prepared        the default synthetic grid, every square's holes known from the start
//   default-prepare-on-arrival  the same grid, squares prepared on arrival (holes unknown until the
//                               stage first goes there, + squarePrepareS), as in a live EPU session
//   ice-gradient-on-arrival     a strong ice gradient (60 nm centre to rim instead of 30): fewer good
//                               squares, crowded on one side; prepared on arrival
//   even-ice-on-arrival         nearly even ice (35 nm, 5 nm gradient): good squares spread across the
//                               grid, less to gain from steering; prepared on arrival
// Reported per scenario and policy: median good/h over seeds, and the median per-seed ratios
// ucb/epu and ucb/greedy. Target: ≥ 1.5× epu and ≥ 1.2× greedy.
// Runs in BENCH_WORKERS worker threads (default 2). Run `npx tsc -b packages/cli` first (reads dist/).
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { policyByName, POLICY_NAMES, simulate, syntheticScenario } from "../packages/decisions/dist/index.js";
import { median, writeResult } from "./lib.mjs";

const SCENARIOS = [
  { name: "default-all-prepared", grid: {}, prepareOnArrival: false },
  { name: "default-prepare-on-arrival", grid: {}, prepareOnArrival: true },
  { name: "ice-gradient-on-arrival", grid: { iceGradientNm: 60 }, prepareOnArrival: true },
  { name: "even-ice-on-arrival", grid: { iceMeanNm: 35, iceGradientNm: 5 }, prepareOnArrival: true },
];

/** Every policy on one scenario and seed. */
function runJob({ scenario, seed, hours }) {
  const sc = SCENARIOS.find((s) => s.name === scenario);
  const grid = syntheticScenario({ seed, ...sc.grid });
  return POLICY_NAMES.map((policy) => {
    const t = performance.now();
    const r = simulate(grid, policyByName(policy), { hours, seed, prepareOnArrival: sc.prepareOnArrival });
    return { scenario, seed, policy, good_per_hour: r.good_per_hour, expected_good_per_hour: r.expected_good_per_hour, good: r.good, holes: r.holes, squares_visited: r.squares_visited, hours_used: r.hours_used, square_switch_hours: r.time_s.square_switch / 3600, square_prepare_hours: r.time_s.square_prepare / 3600, wall_s: (performance.now() - t) / 1000 };
  });
}

if (!isMainThread) {
  parentPort.on("message", (job) => parentPort.postMessage(job === null ? null : runJob(job)));
} else {
  const nSeeds = Number(process.env.BENCH_SEEDS ?? 20);
  const hours = Number(process.env.BENCH_HOURS ?? 24);
  const nWorkers = Math.max(1, Number(process.env.BENCH_WORKERS ?? 2));
  const seeds = Array.from({ length: nSeeds }, (_, i) => i + 1);
  const jobs = SCENARIOS.flatMap((s) => seeds.map((seed) => ({ scenario: s.name, seed, hours })));
  const runs = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(nWorkers, jobs.length) }, () => {
      const w = new Worker(new URL(import.meta.url));
      return new Promise((resolve, reject) => {
        const feed = () => {
          const job = jobs.shift();
          if (job === undefined) return void w.terminate().then(resolve);
          w.postMessage(job);
        };
        w.on("message", (rows) => {
          runs.push(...rows);
          const line = rows.map((r) => `${r.policy} ${r.good_per_hour.toFixed(1).padStart(6)}`).join("  ");
          process.stderr.write(`${rows[0].scenario.padEnd(27)} seed ${String(rows[0].seed).padStart(2)}  ${line}  (${rows.reduce((a, r) => a + r.wall_s, 0).toFixed(1)} s)\n`);
          feed();
        });
        w.on("error", reject);
        feed();
      });
    }),
  );
  runs.sort((a, b) => SCENARIOS.findIndex((s) => s.name === a.scenario) - SCENARIOS.findIndex((s) => s.name === b.scenario) || a.seed - b.seed || POLICY_NAMES.indexOf(a.policy) - POLICY_NAMES.indexOf(b.policy));
  const gph = (sc, seed, p) => runs.find((r) => r.scenario === sc && r.seed === seed && r.policy === p).good_per_hour;
  const scenarios = SCENARIOS.map((s) => {
    const policies = Object.fromEntries(
      POLICY_NAMES.map((p) => {
        const mine = runs.filter((r) => r.scenario === s.name && r.policy === p);
        return [p, { median_good_per_hour: median(mine.map((r) => r.good_per_hour)), median_squares_visited: median(mine.map((r) => r.squares_visited)), median_switch_hours: median(mine.map((r) => r.square_switch_hours)) }];
      }),
    );
    const overEpu = seeds.map((seed) => gph(s.name, seed, "ucb") / gph(s.name, seed, "epu"));
    const overGreedy = seeds.map((seed) => gph(s.name, seed, "ucb") / gph(s.name, seed, "greedy"));
    return {
      name: s.name,
      grid_options: s.grid,
      prepare_on_arrival: s.prepareOnArrival,
      policies,
      ucb_over_epu: { median: median(overEpu), min: Math.min(...overEpu), max: Math.max(...overEpu) },
      ucb_over_greedy: { median: median(overGreedy), min: Math.min(...overGreedy), max: Math.max(...overGreedy) },
    };
  });
  const result = {
    grid: "syntheticScenario({ seed, ...grid_options }): 220 squares, default time model (squarePrepareS 20 s charged on arrival at an unprepared square)",
    seeds,
    budget_hours: hours,
    budget_note: "BENCH_HOURS per run (default 24 h, not shortened): 4 scenarios × 20 seeds × 3 policies in about 5 min on 2 worker threads",
    statistic_note: "medians are nearest-rank (the lower of the two middle values for an even number of seeds)",
    target: { ucb_over_epu: 1.5, ucb_over_greedy: 1.2, statistic: "median over seeds of the per-seed ratio of good micrographs per hour" },
    wall_s: (performance.now() - t0) / 1000,
    scenarios,
    runs,
  };
  const file = writeResult("decisions", result);
  for (const s of scenarios) {
    const p = s.policies;
    process.stderr.write(`${s.name.padEnd(27)} ucb ${p.ucb.median_good_per_hour.toFixed(1)}  epu ${p.epu.median_good_per_hour.toFixed(1)}  greedy ${p.greedy.median_good_per_hour.toFixed(1)}  ucb/epu ${s.ucb_over_epu.median.toFixed(2)}×  ucb/greedy ${s.ucb_over_greedy.median.toFixed(2)}×\n`);
  }
  process.stderr.write(`${result.wall_s.toFixed(0)} s → ${file}\n`);
}
