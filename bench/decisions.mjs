// Acquisition policies on the default synthetic grid (220 squares, ~18,000 holes, hidden quality
// field with ~30–40% good squares): every policy, 24 h on each of 5 seeds (grid and outcomes).
// Target: the default policy (ucb) collects clearly more good micrographs per hour than EPU's order.
// Run `npx tsc -b packages/decisions` first (this reads dist/).
import { policyByName, POLICY_NAMES, simulate, syntheticScenario } from "../packages/decisions/dist/index.js";
import { writeResult } from "./lib.mjs";

const SEEDS = (process.env.BENCH_SEEDS ?? "1,2,3,4,5").split(",").map(Number);
const HOURS = Number(process.env.BENCH_HOURS ?? 24);

const runs = [];
for (const seed of SEEDS) {
  const scenario = syntheticScenario({ seed });
  for (const policy of POLICY_NAMES) {
    const t = performance.now();
    const r = simulate(scenario, policyByName(policy), { hours: HOURS, seed });
    const wall = (performance.now() - t) / 1000;
    runs.push({ seed, policy, good_per_hour: r.good_per_hour, expected_good_per_hour: r.expected_good_per_hour, good: r.good, shots: r.shots, squares_visited: r.squares_visited, hours_used: r.hours_used, hours_to_1000_good: r.hours_to_good["1000"], square_switch_hours: r.time_s.square_switch / 3600, wall_s: wall });
    process.stderr.write(`seed ${seed} ${policy.padEnd(6)} ${r.good_per_hour.toFixed(1).padStart(6)} good/h  ${String(r.good).padStart(5)} good  ${wall.toFixed(1)} s\n`);
  }
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const perPolicy = Object.fromEntries(
  POLICY_NAMES.map((p) => {
    const g = runs.filter((r) => r.policy === p).map((r) => r.good_per_hour);
    return [p, { good_per_hour_mean: mean(g), good_per_hour_sd: sd(g), good_per_hour_by_seed: g, good_mean: mean(runs.filter((r) => r.policy === p).map((r) => r.good)) }];
  }),
);
const ratios = SEEDS.map((s) => runs.find((r) => r.seed === s && r.policy === "ucb").good_per_hour / runs.find((r) => r.seed === s && r.policy === "epu").good_per_hour);
const result = {
  grid: "syntheticScenario({ seed }) defaults: 220 squares, default time model",
  seeds: SEEDS,
  budget_hours: HOURS,
  policies: perPolicy,
  ucb_over_epu: { by_seed: ratios, mean: mean(ratios), min: Math.min(...ratios) },
  runs,
};
const file = writeResult("decisions", result);
process.stderr.write(`ucb/epu good per hour: mean ${result.ucb_over_epu.mean.toFixed(2)}×, min ${result.ucb_over_epu.min.toFixed(2)}× → ${file}\n`);
