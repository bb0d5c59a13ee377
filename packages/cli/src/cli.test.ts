/**
 * The built `emflow` command, run as a user would (a child process). `npm test`
 * builds first, so dist/ is current.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { readRecording } from "@emflow/agent";
import { EPU_TESTDATA } from "../../core/src/testing/testdata.js";

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), "emflow-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function emflow(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, CI: "true" }, timeout: 60_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function until<T>(probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe.skipIf(!existsSync(BIN))("emflow CLI", () => {
  it("--help answers the first questions", () => {
    const r = emflow("--help");
    expect(r.code).toBe(0);
    for (const c of ["epu", "agent", "serve", "demo"]) expect(r.out).toContain(c);
    expect(emflow("epu", "synth", "--help").out).toContain("--holes-per-square");
    expect(emflow("serve", "--help").out).toContain("EMFLOW_TOKENS");
  });

  it("epu parse prints a summary of a real session directory", () => {
    const r = emflow("epu", "parse", `${EPU_TESTDATA}epu-dir-example`);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Supervisor_20250108_101446_62_cm40593-1_EPU\s+9015527\s+1\s+228\s+4\s+4\s+0\s+22\s+0/);
  });

  it("epu parse --json gives the full model", () => {
    const r = emflow("epu", "parse", "--json", `${EPU_TESTDATA}epu-dir-example`);
    const j = JSON.parse(r.out) as { sessions: Array<{ counts: Record<string, number>; entities: Array<{ kind: string; data: Record<string, unknown> }> }> };
    expect(j.sessions[0]!.counts).toMatchObject({ gridSquare: 228, foilHole: 4, micrograph: 4 });
    const mic = j.sessions[0]!.entities.find((e) => e.kind === "micrograph" && e.data["uniqueId"] === "f28ad4e7-6966-450c-ad23-a43a2131ebd0");
    expect(mic?.data).toMatchObject({ pixelSizeA: 1.05588142396, frameCount: 50 });
  });

  it("epu parse reads one file, recognising a .dm outside Metadata/ by its content", () => {
    const r = emflow("epu", "parse", `${EPU_TESTDATA}epumocks/GridSquare_4590776.dm`);
    expect(r.code).toBe(0);
    expect(r.out).toContain("grid square 4590776 (InProgress), 570 foil-hole target locations, 291 near a grid bar");
  });

  it("epu parse handles a visit directory with two sessions and an atlas directory with Sample*/", () => {
    const visit = path.join(work, "visit2");
    cpSync(`${EPU_TESTDATA}epu-dir-example`, path.join(visit, "session-a"), { recursive: true });
    cpSync(`${EPU_TESTDATA}epumocks/EPU_session`, path.join(visit, "session-b"), { recursive: true });
    const r = emflow("epu", "parse", visit);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Supervisor_20250108_101446_62_cm40593-1_EPU");
    expect(r.out).toContain("Supervisor_20240405_115113_0_SmartEPU_ApoF");
    const atlas = emflow("epu", "parse", `${EPU_TESTDATA}epumocks/Atlas/Supervisor_20240404_093820_Pete_Miriam_HexAuFoil`);
    expect(atlas.code).toBe(0);
    expect(atlas.out).toMatch(/Sample4\/Atlas\/Atlas\.dm\s+3436163\s+35\s+222/);
  });

  it("a bad file is reported with its name and line, and the rest of the directory still parses", () => {
    const dir = path.join(work, "bad-session");
    cpSync(`${EPU_TESTDATA}epu-dir-example`, dir, { recursive: true });
    const rel = "Images-Disc1/GridSquare_8999138/Data/FoilHole_9015883_Data_9017354_6_20250108_154918.xml";
    const text = readFileSync(path.join(dir, rel), "utf8");
    writeFileSync(path.join(dir, rel), text.slice(0, 3000));
    const r = emflow("epu", "parse", dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\s228\s+4\s+4\s/); // the micrograph is still known from its JPEG preview
    expect(r.err).toContain(`${rel}:`);
    expect(r.err).toMatch(/truncated: <[\w:]+> opened at line \d+ is never closed/);
    expect(emflow("epu", "parse", "--strict", dir).code).toBe(1);
  });

  it("errors are one clean line: missing path (exit 2) and bad flags (exit 2)", () => {
    const r = emflow("epu", "parse", "/no/such/dir");
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe("emflow: /no/such/dir: no such file or directory");
    const f = emflow("epu", "synth", work, "--squares", "0");
    expect(f.code).toBe(2);
    expect(f.err).toContain("--squares must be a positive integer");
  });

  it("epu validate: exit 0 only for a complete session directory, naming what is missing", () => {
    const ok = path.join(work, "valid");
    cpSync(`${EPU_TESTDATA}epumocks`, ok, { recursive: true });
    mkdirSync(path.join(ok, "EPU_session/Metadata"), { recursive: true });
    cpSync(`${EPU_TESTDATA}epumocks/GridSquare_4590776.dm`, path.join(ok, "EPU_session/Metadata/GridSquare_4590776.dm"));
    const good = emflow("epu", "validate", path.join(ok, "EPU_session"));
    expect(good.code).toBe(0);
    expect(good.out).toContain("valid");
    expect(good.out).toContain("atlas: ");
    const bad = emflow("epu", "validate", `${EPU_TESTDATA}epu-dir-example`);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain("missing: Metadata/");
  });

  it("epu synth writes a session that epu parse reads back with the ground-truth counts", () => {
    const dir = path.join(work, "synth");
    const w = emflow("epu", "synth", dir, "--squares", "2", "--holes-per-square", "4", "--shots-per-hole", "2", "--speed", "0", "--seed", "3");
    expect(w.code).toBe(0);
    const truth = JSON.parse(readFileSync(path.join(dir, "synth-truth.json"), "utf8")) as { totals: { foilHoles: number; micrographs: number } };
    expect(truth.totals).toMatchObject({ foilHoles: 8, micrographs: 16 });
    const j = JSON.parse(emflow("epu", "parse", "--json", dir).out) as { sessions: Array<{ counts: Record<string, number>; errors: unknown[] }> };
    expect(j.sessions[0]!.counts).toMatchObject({ foilHole: 8, micrograph: 16, grid: 1, atlas: 1 });
    expect(j.sessions[0]!.errors).toEqual([]);
  });

  it("epu replay reproduces the real recording; epu record writes one", async () => {
    const target = path.join(work, "replayed");
    const r = emflow("epu", "replay", "--speed", "0", `${EPU_TESTDATA}recordings/epu-dir-example.recording.tar.gz`, target);
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(target, "EpuSession.dm"))).toEqual(readFileSync(`${EPU_TESTDATA}epu-dir-example/EpuSession.dm`));

    const watched = path.join(work, "recorded");
    mkdirSync(watched);
    const out = path.join(work, "rec.tar.gz");
    const child = spawn(process.execPath, [BIN, "epu", "record", watched, out], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    await until(async () => (stderr.includes("recording") ? true : undefined), 15_000);
    writeFileSync(path.join(watched, "EpuSession.dm"), "<a/>");
    await new Promise((r) => setTimeout(r, 600));
    child.kill("SIGINT");
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    expect(code).toBe(0);
    const rec = await readRecording(out);
    expect(rec.events.some((e) => e.src_path === "EpuSession.dm" && e.content === "<a/>")).toBe(true);
  });

  it("serve + agent watch: a synthetic session reaches the API; both stop cleanly on SIGINT", async () => {
    const dir = path.join(work, "live");
    emflow("epu", "synth", dir, "--squares", "2", "--holes-per-square", "3", "--shots-per-hole", "2", "--speed", "0");
    const port = await freePort();
    const env = { ...process.env, CI: "true", EMFLOW_TOKENS: "agent:cli-test-token-123", DATABASE_URL: "" };
    const server = spawn(process.execPath, [BIN, "serve", "--port", String(port), "--data-dir", path.join(work, "db")], { env, stdio: "ignore" });
    const url = `http://127.0.0.1:${port}`;
    await until(async () => ((await fetch(`${url}/api/v1/health`)).ok ? true : undefined), 30_000);
    const agent = spawn(
      process.execPath,
      [BIN, "agent", "watch", dir, "--server", url, "--token", "cli-test-token-123", "--outbox", path.join(work, "outbox"), "--settle-ms", "100"],
      { env, stdio: "ignore" },
    );
    const summary = await until(async () => {
      const list = (await (await fetch(`${url}/api/v1/acquisitions`)).json()) as { items: Array<{ id: string }> };
      if (list.items[0] === undefined) return undefined;
      const s = (await (await fetch(`${url}/api/v1/acquisitions/${list.items[0].id}/summary`)).json()) as { micrographs: number; foilHoles: number };
      return s.micrographs === 12 ? s : undefined;
    }, 30_000);
    expect(summary.foilHoles).toBe(6);
    agent.kill("SIGINT");
    server.kill("SIGINT");
    const codes = await Promise.all([agent, server].map((c) => new Promise<number | null>((r) => c.on("exit", r))));
    expect(codes).toEqual([0, 0]);
  });

  it("demo: serves a synthetic session that fills up live, and Ctrl-C stops it and cleans up", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, "demo", "--port", String(port), "--squares", "2", "--holes-per-square", "4", "--shots-per-hole", "2", "--speed", "300"], {
      env: { ...process.env, CI: "true", DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    const summary = await until(async () => {
      const list = (await (await fetch(`${url}/api/v1/acquisitions`)).json()) as { items: Array<{ id: string; directory?: string }> };
      const acq = list.items[0];
      if (acq === undefined) return undefined;
      const s = (await (await fetch(`${url}/api/v1/acquisitions/${acq.id}/summary`)).json()) as { micrographs: number };
      return s.micrographs === 16 ? { ...s, directory: acq.directory } : undefined;
    }, 60_000);
    expect(out).toContain(`${url}/docs`);
    child.kill("SIGINT");
    expect(await new Promise<number | null>((r) => child.on("exit", r))).toBe(0);
    // The temporary directory (session, outbox, database) is gone.
    expect(existsSync(path.dirname(path.dirname(summary.directory!)))).toBe(false);
  });
});
