/**
 * `emflow simulate`: run acquisition policies on a synthetic grid (or a scenario file) with a
 * hidden quality field and report good micrographs per hour; `--compare` runs every policy on
 * the same grid and outcomes.
 */
import { Option, type Command } from "commander";
import type { SimulationResult } from "@emflow/decisions";
import { UsageError } from "../ui/errors.js";
import { positive, positiveInt } from "../ui/flags.js";
import { progressBar } from "../ui/progress.js";

type Run = (work: () => Promise<number>) => void;

interface SimulateFlags {
  policy?: string;
  seed: number;
  hours: number;
  squares?: number;
  scenario?: string;
  exportScenario?: string;
  compare?: boolean;
  json?: boolean;
  prepareOnArrival?: boolean;
}

const integer = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UsageError(`${name} must be an integer`);
  return n;
};

const f1 = (x: number): string => x.toFixed(1);

/** One result as a few readable lines. */
function summary(r: SimulationResult): string {
  const t = r.time_s;
  const h = (s: number) => `${f1(s / 3600)} h`;
  const to = Object.entries(r.hours_to_good)
    .map(([n, v]) => `${n}: ${v === null ? "-" : `${f1(v)} h`}`)
    .join(", ");
  return [
    `${r.policy} on ${r.scenario} (outcome seed ${r.seed}): ${r.good} good of ${r.shots} micrographs in ${f1(r.hours_used)} of ${r.budget_hours} h`,
    `  good per hour ${f1(r.good_per_hour)} (expected from the hidden field ${f1(r.expected_good_per_hour)}); ${r.holes} holes on ${r.squares_visited} squares; stopped: ${r.stop_reason}`,
    `  time: square switches ${h(t.square_switch)}, stage moves ${h(t.stage_move)}, autofocus ${h(t.autofocus)}, image shift ${h(t.image_shift)}, exposure ${h(t.exposure)}`,
    `  hours to N good: ${to}`,
  ].join("\n");
}

/** Every policy's result as an aligned table, with the ratio to epu. */
function table(results: readonly SimulationResult[]): string {
  const epu = results.find((r) => r.policy === "epu");
  const rows = [["policy", "good/h", "good", "shots", "squares", "hours", "switch h", "vs epu"]];
  for (const r of results) {
    rows.push([r.policy, f1(r.good_per_hour), String(r.good), String(r.shots), String(r.squares_visited), f1(r.hours_used), f1(r.time_s.square_switch / 3600), epu === undefined ? "-" : `${(r.good_per_hour / epu.good_per_hour).toFixed(2)}×`]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")).join("\n");
}

async function simulateCommand(o: SimulateFlags): Promise<number> {
  if (o.scenario !== undefined && o.squares !== undefined) throw new UsageError("--squares shapes the synthetic grid; it cannot be used with --scenario");
  const d = await import("@emflow/decisions");
  // The flags as a simulation request: the same schema an HTTP caller is held to.
  const parsed = d.SimulationRequest.safeParse({ policy: o.policy, seed: o.seed, hours: o.hours, squares: o.squares, compare: o.compare ?? false });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`--${String(issue.path[0] ?? "flags")}: ${issue.message}`);
  }
  const req = parsed.data;
  const scenario = o.scenario !== undefined ? await d.loadScenario(o.scenario) : d.syntheticScenario({ seed: req.seed, ...(req.squares === undefined ? {} : { squares: req.squares }) });
  if (o.exportScenario !== undefined) await d.exportScenario(scenario, o.exportScenario);
  const names = req.compare ? [...d.POLICY_NAMES].reverse() : [req.policy ?? d.DEFAULT_POLICY];
  const results: SimulationResult[] = [];
  for (const name of names) {
    const bar = progressBar(`simulating ${name}`);
    results.push(d.simulate(scenario, d.policyByName(name), { hours: req.hours, seed: req.seed, prepareOnArrival: o.prepareOnArrival ?? false, onProgress: (f) => bar.update(Math.round(f * 100), 100, "% of the budget") }));
    bar.done();
  }
  if (o.json) {
    const epu = results.find((r) => r.policy === "epu");
    const ucb = results.find((r) => r.policy === "ucb");
    const out = o.compare === true ? { results, ucb_over_epu: epu !== undefined && ucb !== undefined && epu.good_per_hour > 0 ? ucb.good_per_hour / epu.good_per_hour : null } : results[0];
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    process.stdout.write(`${scenario.name ?? "scenario"}: ${scenario.squares.length} squares, ${scenario.holes.length} holes${o.exportScenario === undefined ? "" : `; written to ${o.exportScenario}`}\n`);
    process.stdout.write(`${o.compare === true ? table(results) : summary(results[0]!)}\n`);
  }
  return 0;
}

/** Add `simulate` to the program. */
export function registerSimulate(program: Command, run: Run): void {
  program
    .command("simulate")
    .description("replay acquisition policies on a synthetic grid (or a scenario file) with a hidden quality field; report good micrographs per hour")
    .addOption(new Option("--policy <name>", "ucb (default: explore/exploit, cost-aware), greedy (best predicted hole, cost-blind), epu (EPU's own order)").choices(["ucb", "greedy", "epu"]))
    .option("--seed <n>", "seed of the synthetic grid and of the shot outcomes: same seed, same result", integer("--seed"), 1)
    .option("--hours <h>", "time on the grid, hours", positive("--hours"), 24)
    .option("--squares <n>", "grid squares of the synthetic grid (default 220)", positiveInt("--squares"))
    .option("--scenario <file|url>", "run on this scenario file (JSON, docs/DECISIONS.md) instead of a synthetic grid; a URL fetches one, e.g. a server's /api/v1/acquisitions/<id>/scenario to replay a processed session")
    .option("--export-scenario <file>", "write the scenario used (synthetic or loaded) to this file")
    .option("--prepare-on-arrival", "holes of a square become known only when the stage first reaches it, as in a live EPU session (default: every square prepared up front)")
    .option("--compare", "run every policy on the same grid and outcomes and print a table")
    .option("--json", "print the result as JSON (good_per_hour, good, shots, hours_to_good, time_s, reasons...)")
    .addHelpText(
      "after",
      `
The simulated microscope charges stage moves, square switches (eucentric height, autofocus), image-shift
hole shots and exposures (time model in the scenario); each shot's result reaches the policy after the
processing delay. Micrographs are judged by the default quality rule (CTF fit ≤ 5 Å, ...).
Examples:
  emflow simulate --compare                       all policies, 24 h on the default synthetic grid
  emflow simulate --policy epu --hours 8 --json
  emflow simulate --squares 400 --export-scenario grid.json
  emflow simulate --scenario grid.json --compare
  emflow simulate --scenario http://127.0.0.1:8080/api/v1/acquisitions/<id>/scenario --compare
                                                  replay a processed session with its own outcomes`,
    )
    .action((o: SimulateFlags) => run(async () => simulateCommand(o)));
}
