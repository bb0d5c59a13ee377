/**
 * `emflow simulate` as a user runs it (the built command in a child process): JSON with
 * good_per_hour, the comparison table, scenario export and re-use, one-line errors.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), "emflow-simulate-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function emflow(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, CI: "true" }, timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe.skipIf(!existsSync(BIN))("emflow simulate", () => {
  const grid = path.join(work, "grid.json");

  it("--json prints one result with good_per_hour; the default policy is ucb; --export-scenario writes the grid", () => {
    const r = emflow(["simulate", "--squares", "30", "--hours", "3", "--seed", "4", "--json", "--export-scenario", grid]);
    expect(r.code, r.err).toBe(0);
    const res = JSON.parse(r.out);
    expect(res.policy).toBe("ucb");
    expect(res.budget_hours).toBe(3);
    expect(res.good_per_hour).toBeCloseTo(res.good / res.hours_used, 6);
    expect(res.good_per_hour).toBeGreaterThan(0);
    const scenario = JSON.parse(readFileSync(grid, "utf8"));
    expect(scenario).toMatchObject({ format: "emflow.decisions.scenario", version: 1 });
    expect(scenario.squares).toHaveLength(30);
  });

  it("--scenario replays the exported grid; --compare prints every policy and the ratio to epu", () => {
    const j = emflow(["simulate", "--scenario", grid, "--hours", "3", "--seed", "4", "--json"]);
    expect(j.code, j.err).toBe(0);
    const t = emflow(["simulate", "--scenario", grid, "--hours", "3", "--seed", "4", "--compare"]);
    expect(t.code, t.err).toBe(0);
    const lines = t.out.trim().split("\n");
    expect(lines[1]).toMatch(/^policy\s+good\/h\s+good\s+shots/);
    expect(lines.slice(2).map((l) => l.split(/\s+/)[0])).toEqual(["epu", "greedy", "ucb"]);
    expect(lines[2]).toMatch(/1\.00×$/);
    const ucbRow = lines.find((l) => l.startsWith("ucb"))!;
    // Same grid, same seed, same policy: the table's good count is the JSON run's.
    expect(ucbRow.split(/\s+/)[2]).toBe(String(JSON.parse(j.out).good));
  });

  it("--prepare-on-arrival: squares are prepared as the stage reaches them, and that time is charged", () => {
    const r = emflow(["simulate", "--squares", "30", "--hours", "3", "--seed", "4", "--json", "--prepare-on-arrival"]);
    expect(r.code, r.err).toBe(0);
    const res = JSON.parse(r.out);
    expect(res.prepare_on_arrival).toBe(true);
    expect(res.time_s.square_prepare).toBeGreaterThan(0);
    const upFront = JSON.parse(emflow(["simulate", "--squares", "30", "--hours", "3", "--seed", "4", "--json"]).out);
    expect(upFront.prepare_on_arrival).toBe(false);
    expect(upFront.time_s.square_prepare ?? 0).toBe(0);
  });

  it("bad input: one line naming the file and the JSON path, usage errors exit 2", () => {
    const bad = path.join(work, "bad.json");
    const s = JSON.parse(readFileSync(grid, "utf8"));
    s.holes[2].pGood = -1;
    writeFileSync(bad, JSON.stringify(s));
    const r = emflow(["simulate", "--scenario", bad]);
    expect(r.code).toBe(1);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(/^emflow: .*bad\.json: not a valid scenario: holes\.2\.pGood: /);
    const u = emflow(["simulate", "--scenario", grid, "--squares", "10"]);
    expect(u.code).toBe(2);
    expect(u.err).toMatch(/--squares .* --scenario/);
    expect(emflow(["simulate", "--compare", "--policy", "epu"]).err).toMatch(/^emflow: --policy: compare runs every policy/);
    expect(emflow(["simulate", "--policy", "random"]).code).toBe(2);
  });
});
