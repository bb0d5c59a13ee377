/**
 * The preprocessing recipe end to end on production adapters: a server on
 * PostgreSQL with its work on RabbitMQ (no local workers), a separate
 * `emflow worker` process doing every step, an agent following a synthetic
 * session with real simulated movies. Runs when DATABASE_URL and AMQP_URL
 * are set (CI sets both).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import amqp from "amqplib";
import pg from "pg";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { parseStar } from "@emflow/formats";
import { writeSyntheticMovie } from "@emflow/processing";
import { createServer, loadConfig, openPostgresStore, startLiveProcessing, type ProcessingSummary } from "@emflow/server";
import { synthesizeSession } from "@emflow/synth";
import { tempDir, testAgent, TOKEN, waitFor } from "./harness.js";

const DATABASE_URL = process.env.DATABASE_URL;
const AMQP_URL = process.env.AMQP_URL;
const BIN = fileURLToPath(new URL("../../packages/cli/dist/bin.js", import.meta.url));

describe.skipIf(!DATABASE_URL || !AMQP_URL)("processing on PostgreSQL + RabbitMQ with a separate worker process", () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it("processes every movie of a live session; results in the API and a RELION project RELION reads", async () => {
    const home = tempDir("dist", cleanup);
    const prefix = `e2e${randomBytes(4).toString("hex")}`;
    const schema = `emflow_e2e_${randomBytes(4).toString("hex")}`;

    // Two distinct movies, used in turn by the 8 exposures of the session.
    const movies: Uint8Array[] = [];
    for (const seed of [1, 2]) {
      const f = path.join(home, `pool${seed}.tiff`);
      await writeSyntheticMovie(f, { width: 256, height: 256, frameCount: 8, pixelSize: 1.0559, dosePerFrame: 5, seed, particles: { diameter: 120, count: 6, contrast: 1 }, ice: { contrast: 0.2 } });
      movies.push(readFileSync(f));
    }

    const store = await openPostgresStore({ connectionString: DATABASE_URL!, schema });
    cleanup.push(async () => {
      await store.close();
      const admin = new pg.Client({ connectionString: DATABASE_URL });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    });
    cleanup.push(async () => {
      const conn = await amqp.connect(AMQP_URL!);
      const ch = await conn.createChannel();
      for (const q of ["motion", "ctf", "pick", "ice", "thumbnails", "relion", "results"]) {
        await ch.deleteQueue(`${prefix}.${q}`).catch(() => undefined);
        await ch.deleteQueue(`${prefix}.${q}.dlq`).catch(() => undefined);
      }
      await conn.close();
    });
    const config = loadConfig({ env: {}, overrides: { port: 0, host: "127.0.0.1", tokens: [{ user: "agent", token: TOKEN }] } });
    const root = path.join(home, "processing");
    const server = await createServer(config, {
      store,
      logger: pino({ level: "silent" }),
      closeGraceMs: 100,
      processing: (s, hub, logger) =>
        startLiveProcessing({ store: s, hub, logger, queuePrefix: prefix, config: { ...config.processing, enabled: true, transport: "amqp", amqpUrl: AMQP_URL, localWorkers: false, root } }),
    });
    cleanup.push(() => server.close());
    const url = await server.listen();

    const worker: ChildProcess = spawn(process.execPath, [BIN, "worker", "--queue-prefix", prefix, "--concurrency", "1", "--services", "motion,ctf,pick,ice,thumbnails,relion"], {
      env: { ...process.env, AMQP_URL, DATABASE_URL: "", CI: "true" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    worker.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    cleanup.push(
      () =>
        new Promise<void>((resolve) => {
          if (worker.exitCode !== null) return resolve();
          worker.once("exit", () => resolve());
          worker.kill("SIGINT");
        }),
    );

    const visit = tempDir("dist-visit", cleanup);
    await synthesizeSession({ dir: visit, squares: 2, holesPerSquare: 2, shotsPerHole: 2, speed: 0, seed: 5, movies });
    const agent = await testAgent(visit, url, path.join(home, "outbox"));
    cleanup.push(() => agent.stop());

    const acquisitionId = await waitFor(
      async () => ((await (await fetch(`${url}/api/v1/acquisitions`)).json()) as { items: Array<{ id: string }> }).items[0]?.id,
      (id) => id !== undefined,
      30_000,
      "the session in the API",
    );
    const start = await fetch(`${url}/api/v1/acquisitions/${acquisitionId}/processing/start`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ diameter: 120 }),
    });
    expect(start.status).toBe(200);
    const summary = await waitFor(
      async () => (await (await fetch(`${url}/api/v1/acquisitions/${acquisitionId}/processing`)).json()) as ProcessingSummary,
      (s) => s.micrographs === 8 && s.processed === 8,
      180_000,
      `8 processed micrographs (worker stderr: ${stderr.slice(-500)})`,
    );
    expect(summary.failed).toBe(0);
    expect(summary.steps.ctf.done).toBe(8);
    const queues = (await (await fetch(`${url}/api/v1/queues`)).json()) as { transport: string; queues: Array<{ queue: string; dead: number }> };
    expect(queues.transport).toBe("amqp");
    expect(queues.queues.every((q) => q.dead === 0)).toBe(true);

    const star = path.join(root, acquisitionId, "MotionCorr/job002/corrected_micrographs.star");
    await waitFor(async () => existsSync(star) && parseStar(readFileSync(star, "utf8")).table("micrographs").rowCount, (n) => n === 8, 30_000, "8 rows in corrected_micrographs.star");
    expect(existsSync(path.join(root, acquisitionId, "default_pipeline.star"))).toBe(true);
    // RELION's own STAR reader accepts what we wrote (when RELION is installed, as in CI).
    const relion = spawnSync("relion_star_handler", ["--version"], { encoding: "utf8" });
    if (relion.error === undefined) {
      for (const f of ["MotionCorr/job002/corrected_micrographs.star", "CtfFind/job003/micrographs_ctf.star"]) {
        const r = spawnSync("relion_star_handler", ["--i", f, "--o", path.join(home, "check.star")], { cwd: path.join(root, acquisitionId), encoding: "utf8" });
        expect(r.status, `${f}: ${r.stderr}`).toBe(0);
        expect(parseStar(readFileSync(path.join(home, "check.star"), "utf8")).table("micrographs").rowCount).toBe(8);
      }
    }
  }, 300_000);
});
