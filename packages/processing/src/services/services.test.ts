/**
 * The preprocessing recipe end to end on the database transport (PGlite in
 * memory): a simulated movie with known truth goes through motion → CTF →
 * picking → ice → thumbnails → RELION project, every step reporting its
 * status on the results queue; a truncated movie fails once, with a located
 * error, and lands in the dead-letter queue without retries.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StepUpdate } from "@emflow/core";
import { parseStar } from "@emflow/formats";
import { pgliteClient, type ClosableClient } from "../queue/sql/sql-clients.contract.js";
import { openSqlTransport } from "../queue/sql/sql-transport.js";
import { waitFor } from "../queue/transport.contract.js";
import type { WorkTransport } from "../queue/transport.js";
import { runServices, type RunningServices } from "../recipe/index.js";
import type { MovieTruth } from "../simulate/index.js";
import { writeSyntheticMovie } from "../synth-movie/write.js";
import { BUILTIN } from "./compute.js";
import { ComputePool } from "./compute-pool.js";
import type { PreprocessJob } from "./job.js";
import { startPreprocessing } from "./recipe.js";
import { preprocessServices, queueNames } from "./services.js";

describe("preprocessing services on the database transport", () => {
  const dir = mkdtempSync(join(tmpdir(), "emflow-services-"));
  const prefix = `t${randomUUID().slice(0, 8)}`;
  let db: ClosableClient;
  let transport: WorkTransport;
  let services: RunningServices;
  let pool: ComputePool;
  const updates: StepUpdate[] = [];
  let truth: MovieTruth;
  const movie = join(dir, "FoilHole_1_Data_2_3_20260101_120000_fractions.tiff");

  beforeAll(async () => {
    ({ truth } = await writeSyntheticMovie(movie, {
      width: 512,
      height: 512,
      frameCount: 12,
      pixelSize: 1.5,
      dosePerFrame: 4,
      seed: 11,
      // A small movie needs strong contrast for the alignment to see anything (a 4k one has 64× the pixels).
      particles: { diameter: 120, count: 12, contrast: 1 },
      ice: { contrast: 0.2 },
      ctf: { defocusU: 16_000, defocusV: 15_000, astigmatismAngle: 30 },
      drift: { total: 6 },
    }));
    db = await pgliteClient();
    transport = await openSqlTransport(db, { pollMs: 20, retryDelayMs: 0, deliveryLimit: 3 });
    pool = new ComputePool(BUILTIN, { inline: true });
    services = await runServices(transport, preprocessServices({ transport, pool, queuePrefix: prefix }));
    await transport.consume(queueNames(prefix).results, (d) => void updates.push(StepUpdate.parse(d.body)));
  }, 60_000);
  afterAll(async () => {
    await services?.stop();
    await transport?.close();
    await pool?.close();
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const job = (name: string, moviePath: string): PreprocessJob => ({
    micrograph_id: randomUUID(),
    name,
    movie: moviePath,
    out_dir: join(dir, "project"),
    apix: 1.5,
    kv: 300,
    cs: 2.7,
    ac: 0.07,
    dose_total: 48,
    diameter: 120,
    applied_defocus: 15_000,
  });

  it("runs every step, reports running then done with real results, and keeps a RELION project", async () => {
    const j = job("FoilHole_1_Data_2_3_20260101_120000", movie);
    await startPreprocessing(transport, j, { queuePrefix: prefix });
    const done = () => updates.filter((u) => u.micrographId === j.micrograph_id && u.state === "done");
    await waitFor("five done steps", () => done().length === 5, 90_000);
    const mine = updates.filter((u) => u.micrographId === j.micrograph_id);
    for (const step of ["motion", "ctf", "pick", "ice", "thumbnails"] as const) {
      expect(mine.filter((u) => u.step === step).map((u) => u.state), step).toEqual(["running", "done"]);
    }
    const result = (step: string) => done().find((u) => u.step === step)!.result as Record<string, unknown>;

    const trajectory = result("motion").trajectory as Array<[number, number]>;
    expect(trajectory).toHaveLength(12);
    const rms = Math.sqrt(trajectory.reduce((s, [x, y], i) => s + (x - truth.trajectory[i]![0]) ** 2 + (y - truth.trajectory[i]![1]) ** 2, 0) / 12);
    expect(rms).toBeLessThan(1);
    expect(existsSync(result("motion").micrograph as string)).toBe(true);
    expect(result("motion").micrograph_dw).toMatch(/\.mrc$/);

    const mean = (Number(result("ctf").defocus_u) + Number(result("ctf").defocus_v)) / 2;
    expect(Math.abs(mean - 15_500) / 15_500).toBeLessThan(0.05);
    expect(existsSync(result("ctf").power_spectrum as string)).toBe(true);

    expect((result("pick").picks as unknown[]).length).toBeGreaterThan(3);
    const ice = result("ice");
    expect(Number(ice.min)).toBeLessThanOrEqual(Number(ice.median));
    expect(Number(ice.median)).toBeLessThanOrEqual(Number(ice.max));
    const thumb = result("thumbnails");
    expect(readFileSync(thumb.micrograph as string).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8])); // JPEG

    const star = join(dir, "project", "MotionCorr/job002/corrected_micrographs.star");
    await waitFor("the RELION motion table", () => existsSync(star) && parseStar(readFileSync(star, "utf8")).table("micrographs").rowCount === 1, 30_000);
    const picks = join(dir, "project", "AutoPick/job004/coords_suffix_autopick.star");
    await waitFor("the RELION coordinates", () => existsSync(picks), 30_000);
  }, 120_000);

  it("a truncated movie fails motion once with the file named, and is dead-lettered without retries", async () => {
    const broken = join(dir, "broken_fractions.tiff");
    await writeSyntheticMovie(broken, { width: 128, height: 128, frameCount: 6, seed: 2 });
    truncateSync(broken, Math.floor(statSync(broken).size * 0.6));
    const j = job("broken", broken);
    await startPreprocessing(transport, j, { queuePrefix: prefix });
    await waitFor("a dead letter", async () => (await transport.deadLetters(queueNames(prefix).motion)).length === 1, 30_000);
    const mine = updates.filter((u) => u.micrographId === j.micrograph_id);
    expect(mine.map((u) => u.state)).toEqual(["running", "failed"]);
    expect(mine[1]!.error).toMatch(/broken_fractions\.tiff/);
    const [dead] = await transport.deadLetters(queueNames(prefix).motion);
    expect(dead!.deliveryCount).toBe(1);
    expect(dead!.error).toMatch(/broken_fractions\.tiff/);
    // Nothing went on to the next steps.
    expect(updates.filter((u) => u.micrographId === j.micrograph_id && u.step !== "motion")).toEqual([]);
  }, 60_000);
});
