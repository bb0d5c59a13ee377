import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isEmflowError } from "@emflow/core";
import { afterAll, describe, expect, it } from "vitest";
import { runProgram } from "./run.js";
import type { ExternalTool } from "./tools.js";

const node: ExternalTool = { name: "node", executable: process.execPath, configKey: "test.node" };
const dir = mkdtempSync(join(tmpdir(), "emflow-run-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run a JavaScript snippet as the external program. */
const js = (code: string, extra: Partial<Parameters<typeof runProgram>[0]> = {}) => runProgram({ tool: node, args: ["-e", code], ...extra });
const failure = (p: Promise<unknown>) => p.then(
  () => { throw new Error("expected a failure"); },
  (e: unknown) => e as Error,
); // prettier-ignore

describe("runProgram", () => {
  it("passes argv without a shell, the working directory, the environment and stdin", async () => {
    const r = await runProgram({
      tool: node,
      args: ["-e", "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.stringify([process.argv.slice(1),process.cwd(),process.env.EMFLOW_X,s])))", "a b", "$HOME", "*"],
      cwd: dir,
      env: { EMFLOW_X: "42" },
      stdin: "answers\n",
    });
    expect(JSON.parse(r.stdout)).toEqual([["a b", "$HOME", "*"], dir, "42", "answers\n"]);
    expect(r.truncated).toBe(false);
  });

  it("reports a non-zero exit with the tail of stderr", async () => {
    const e = await failure(js("for (let i = 0; i < 40; i++) console.error('line ' + i); process.exit(3)"));
    expect(isEmflowError(e, "ExternalToolError")).toBe(true);
    expect(e.message).toMatch(/^node exited with code 3\nstderr:\nline 25\n/);
    expect(e.message).toMatch(/line 39$/);
    expect(e.message).not.toMatch(/line 24\n/);
  });

  it("quotes the program's log file when it fails", async () => {
    const log = join(dir, "tool.log");
    writeFileSync(log, "Reading movie\nERROR: cannot read gain reference\n");
    const e = await failure(js("process.exit(1)", { logFile: log }));
    expect(e.message).toBe(`node exited with code 1\n${log}:\nReading movie\nERROR: cannot read gain reference`);
  });

  it("names a missing binary and the configuration key that selects it", async () => {
    const e = await failure(runProgram({ tool: { name: "ctffind", executable: "ctffind-not-installed-xyz", configKey: "processing.tools.ctffind" }, args: [] }));
    expect(isEmflowError(e, "ExternalToolError")).toBe(true);
    expect(e.message).toBe("ctffind-not-installed-xyz not found: install ctffind or set processing.tools.ctffind to its path");
  });

  it("refuses a working directory that does not exist", async () => {
    const e = await failure(js("0", { cwd: join(dir, "nope") }));
    expect(e.message).toMatch(/working directory .*nope does not exist/);
  });

  it("kills the program at the time limit", async () => {
    const t0 = Date.now();
    const e = await failure(js("setTimeout(() => {}, 60000)", { timeoutMs: 300 }));
    expect(e.message).toMatch(/^node timed out after 0\.3 s/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it("stops on abort and rejects with the signal's reason", async () => {
    const ac = new AbortController();
    const p = failure(js("setTimeout(() => {}, 60000)", { signal: ac.signal }));
    setTimeout(() => ac.abort(new Error("session stopped")), 200);
    expect((await p).message).toBe("session stopped");
    const pre = new AbortController();
    pre.abort(new Error("already"));
    expect((await failure(js("0", { signal: pre.signal }))).message).toBe("already");
  });

  it("keeps only the tail of a flood of output", async () => {
    const r = await js("for (let i = 0; i < 20000; i++) console.log('row ' + i)", { maxOutputBytes: 1000 });
    expect(r.truncated).toBe(true);
    expect(r.stdout.length).toBeLessThanOrEqual(1000);
    expect(r.stdout.trimEnd().endsWith("row 19999")).toBe(true);
  });

  it("reports death by a signal", async () => {
    const e = await failure(js("process.kill(process.pid, 'SIGKILL')"));
    expect(e.message).toMatch(/^node was killed by SIGKILL/);
  });
});
