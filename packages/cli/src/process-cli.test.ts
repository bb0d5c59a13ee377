/**
 * `emflow synth movie`, `emflow process motion|ctf|pick` and `emflow worker`
 * as a user runs them (the built command in a child process): real files in,
 * the documented JSON fields out, one-line errors for bad input.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), "emflow-process-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function emflow(args: string[], env: Record<string, string> = {}): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, CI: "true", ...env }, timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe.skipIf(!existsSync(BIN))("emflow synth movie / process / worker", () => {
  const movie = path.join(work, "m.mrc");

  it("synth movie writes an MRC movie with its truth", () => {
    const r = emflow(["synth", "movie", movie, "--size", "512", "--frames", "10", "--apix", "1.5", "--dose-per-frame", "4", "--defocus-u", "16000", "--defocus-v", "15000", "--diameter", "120", "--seed", "3"]);
    expect(r.code, r.err).toBe(0);
    const truth = JSON.parse(readFileSync(`${movie}.truth.json`, "utf8"));
    expect(truth).toMatchObject({ width: 512, height: 512, frame_count: 10, apix: 1.5, dose_per_frame: 4, diameter: 120 });
    expect(truth.ctf).toMatchObject({ defocus_u: 16000, defocus_v: 15000 });
    expect(truth.trajectory).toHaveLength(10);
  });

  it("process motion → ctf → pick with --json, the pixel size from the MRC header", () => {
    const out = path.join(work, "out");
    const m = emflow(["process", "motion", movie, "--dose-per-frame", "4", "--out", out, "--json"]);
    expect(m.code, m.err).toBe(0);
    const motion = JSON.parse(m.out);
    expect(motion.trajectory).toHaveLength(10);
    expect(motion.trajectory[0]).toEqual([0, 0]);
    expect(typeof motion.total_motion).toBe("number");
    expect(existsSync(motion.micrograph)).toBe(true);
    const c = emflow(["process", "ctf", motion.micrograph, "--json", "--out", out]);
    expect(c.code, c.err).toBe(0);
    const ctf = JSON.parse(c.out);
    expect(ctf.defocus_u).toBeGreaterThanOrEqual(ctf.defocus_v);
    for (const k of ["astigmatism_angle", "fit_resolution", "score"]) expect(typeof ctf[k]).toBe("number");
    const p = emflow(["process", "pick", motion.micrograph_dw, "--diameter", "120", "--json", "--out", out]);
    expect(p.code, p.err).toBe(0);
    const pick = JSON.parse(p.out);
    expect(Array.isArray(pick.picks)).toBe(true);
    expect(pick.fom).toHaveLength(pick.picks.length);
  });

  it("bad input: no pixel size, a missing --diameter, a corrupt movie, a worker without queues", () => {
    const tif = path.join(work, "bad.tiff");
    writeFileSync(tif, "II*\u0000 not really a tiff");
    const bad = emflow(["process", "motion", tif, "--apix", "1"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^emflow: .*bad\.tiff/);
    expect(emflow(["process", "pick", movie]).code).toBe(2);
    expect(emflow(["process", "ctf", movie, "--apix", "-2"]).code).toBe(2);
    const w = emflow(["worker"], { AMQP_URL: "", DATABASE_URL: "" });
    expect(w.code).toBe(2);
    expect(w.err).toMatch(/AMQP_URL.*DATABASE_URL/);
    expect(emflow(["worker", "--services", "motion,nonsense"], { AMQP_URL: "amqp://127.0.0.1:1" }).err).toMatch(/unknown nonsense/);
  });
});
