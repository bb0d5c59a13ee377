/** The compute pool survives its threads dying: the step fails with a clear error, the thread is replaced. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import type { StepPayload } from "./job.js";
import { ComputePool } from "./compute-pool.js";

const dir = mkdtempSync(path.join(tmpdir(), "emflow-pool-"));

/** A stand-in worker: exits (as a thread killed by an out-of-memory error would) for inputs named "crash". */
function script(body: string): URL {
  const file = path.join(dir, `w${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, `import { parentPort } from "node:worker_threads";\n${body}`);
  return pathToFileURL(file);
}

const input = (name: string) => ({ name }) as unknown as StepPayload;
const cfg = { motion: "builtin", ctf: "builtin", pick: "builtin", tools: {} } as const;

describe("ComputePool with crashing threads", () => {
  it("fails the step that was running, restarts the thread, and runs the next steps", async () => {
    const crashy = script(`parentPort.on("message", (m) => {
      if (m.input.name === "crash") process.exit(7);
      parentPort.postMessage({ id: m.id, ok: true, outcome: { tool: "test", result: { name: m.input.name, step: m.step }, output: {} } });
    });`);
    const pool = new ComputePool(cfg, { size: 1, script: crashy });
    try {
      expect((await pool.run("ice", input("a"))).result).toEqual({ name: "a", step: "ice" });
      await expect(pool.run("ice", input("crash"))).rejects.toThrow(/compute thread crashed: exited with code 7/);
      // The same single slot serves the next steps, on a fresh thread.
      expect((await pool.run("ctf", input("b"))).result).toEqual({ name: "b", step: "ctf" });
      const many = await Promise.all(["c", "d", "e"].map((n) => pool.run("pick", input(n))));
      expect(many.map((o) => o.result.name)).toEqual(["c", "d", "e"]);
    } finally {
      await pool.close();
    }
  });

  it("stops restarting a thread that dies at once every time, and says so", async () => {
    const broken = script(`throw new Error("cannot load the compute module");`);
    const pool = new ComputePool(cfg, { size: 1, script: broken });
    try {
      const errors: string[] = [];
      for (let k = 0; k < 8; k++) errors.push(await pool.run("ice", input(String(k))).then(() => "ok", (e: Error) => e.message));
      expect(errors.some((m) => /every compute thread crashed 5 times in a row/.test(m))).toBe(true);
      expect(errors.every((m) => m !== "ok")).toBe(true);
    } finally {
      await pool.close();
    }
  });
});
