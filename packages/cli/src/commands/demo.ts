/**
 * The demo: start the server on a fresh embedded database in a temporary
 * directory, write a synthetic session there at EPU's pace (sped up), run the
 * agent on it, print the URLs and a status line, stop cleanly on Ctrl-C.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import { startAgent } from "@emflow/agent";
import { parseAcquisitionOrder, startAthenaSimulator, type AthenaSimulator } from "@emflow/decisions";
import { createServer, loadConfig, type EmflowServer } from "@emflow/server";
import { synthesizeSession } from "@emflow/synth";
import { untilInterrupted } from "../ui/signals.js";
import { makeMoviePool } from "./movie-pool.js";

export interface DemoOptions {
  readonly port: number;
  readonly squares: number;
  readonly holesPerSquare: number;
  readonly shotsPerHole: number;
  readonly speed: number;
  readonly keep: boolean;
  /** Write real simulated movies and process them live (default true). */
  readonly process: boolean;
}

/** Listen on `port`, or on a free port when it is taken. */
async function listenSomewhere(server: EmflowServer, log: Logger): Promise<string> {
  try {
    return await server.listen();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
    log.warn({ port: server.config.port }, "port taken; using a free one");
    return server.app.listen({ port: 0, host: server.config.host });
  }
}

/** Run the demo until Ctrl-C; returns the exit code. */
export async function runDemo(o: DemoOptions, log: Logger): Promise<number> {
  const home = await mkdtemp(path.join(tmpdir(), "emflow-demo-"));
  const visit = path.join(home, "visit");
  await mkdir(visit);
  const env = { ...process.env, DATABASE_URL: undefined, EMFLOW_TOKENS: undefined };
  // No write tokens: the server listens on 127.0.0.1 only, and loopback clients (the agent, the dashboard's
  // start/stop buttons in a local browser) may write without one.
  const loaded = loadConfig({ env, overrides: { port: o.port, host: "127.0.0.1", dataDir: path.join(home, "db"), tokens: [], logLevel: "warn" } });
  // A Smart EPU Decision Service simulator stands in for the microscope's: accepted decisions go to it.
  const athena = await startAthenaSimulator();
  const config = {
    ...loaded,
    processing: { ...loaded.processing, enabled: o.process, transport: "sql" as const, root: path.join(home, "processing"), concurrency: 1 },
    decisions: { ...loaded.decisions, athenaUrl: athena.url },
  };
  let movies: Uint8Array[] | undefined;
  if (o.process) {
    process.stdout.write("simulating a few movies for the demo to process...\n");
    movies = (await makeMoviePool({ count: 6, size: 384, frames: 12, seed: 1 })).bytes;
  }
  const server = await createServer(config, { logger: log.child({ component: "server" }, { level: "warn" }) });
  const url = await listenSomewhere(server, log);
  const agent = await startAgent({
    root: visit,
    server: url,
    outboxDir: path.join(home, "outbox"),
    settleMs: 200,
    rescanMs: 10_000,
    orphanTimeoutMs: 10_000,
    log: log.child({ component: "agent" }),
  });
  const stop = new AbortController();
  const total = o.squares * o.holesPerSquare * o.shotsPerHole;
  process.stdout.write(
    [
      "",
      "emflow demo is running",
      `  dashboard    ${url}/`,
      `  API          ${url}/api/v1/acquisitions`,
      `  API docs     ${url}/docs`,
      `  live events  ${url}/api/v1/events`,
      `  a synthetic session (${o.squares} squares × ${o.holesPerSquare} holes × ${o.shotsPerHole} shots = ${total} micrographs)`,
      `  is being written to ${visit} at ${o.speed}× EPU's pace; the agent follows it.`,
      ...(o.process ? [`  every movie is processed live (motion, CTF, picking, ice, thumbnails): ${url}/api/v1/queues`] : []),
      `  decisions are made from the results (auto mode; switch to advise or override in the dashboard) and sent to`,
      `  a Smart EPU Decision Service simulator at ${athena.url}/api/v1/Sessions; the simulated microscope follows them`,
      `  (quality rule sized to the demo's small movies: CTF fit ≤ ${DEMO_RULE.maxCtfFitResolutionA} Å)`,
      "Press Ctrl-C to stop.",
      "",
    ].join("\n"),
  );
  const follower = new OrderFollower(server, athena, log);
  let written = 0;
  let fileTotal = 0;
  const writing = synthesizeSession({
    dir: visit,
    squares: o.squares,
    holesPerSquare: o.holesPerSquare,
    shotsPerHole: o.shotsPerHole,
    speed: o.speed,
    ...(movies === undefined ? {} : { movies }),
    // The simulated microscope takes the next square from emflow's newest acquisition order, if any.
    nextSquare: (remaining) => follower.next(remaining),
    signal: stop.signal,
    onProgress: (p) => {
      written = p.written;
      fileTotal = p.total;
    },
  }).then(
    () => log.info("synthetic session complete; still serving (Ctrl-C to stop)"),
    (err: unknown) => {
      if (!stop.signal.aborted) log.error({ err }, "synthetic session writer failed");
    },
  );
  const started = new Set<string>();
  const status = setInterval(() => void printStatus(server, written, fileTotal, started, log), 2000);
  const why = await untilInterrupted();
  log.info({ signal: why }, "stopping the demo");
  clearInterval(status);
  stop.abort();
  await writing;
  await agent.stop();
  await server.close();
  await athena.close();
  if (o.keep) process.stdout.write(`kept ${home}\n`);
  else await rm(home, { recursive: true, force: true });
  return 0;
}

let ticks = 0;
async function printStatus(server: EmflowServer, written: number, total: number, started: Set<string>, log: Logger): Promise<void> {
  const page = await server.store.listAcquisitions({ limit: 1 });
  const acq = page.items[0];
  // Processing starts by itself in the demo, as soon as the session appears (an operator would press start).
  if (acq !== undefined && server.processing !== undefined && !started.has(acq.id)) {
    started.add(acq.id);
    await server.processing.start(acq.id, { diameter: 150 }).catch((err: unknown) => log.error({ err }, "could not start processing"));
  }
  if (acq !== undefined && !started.has(`${acq.id}:athena`)) {
    started.add(`${acq.id}:athena`);
    await server.app.inject({ method: "PUT", url: `/api/v1/acquisitions/${acq.id}/decision-settings`, payload: { mode: "auto", link: "athena", params: { qualityRule: DEMO_RULE } } });
  }
  if (ticks++ % 3 !== 0) return;
  const s = acq === undefined ? undefined : await server.store.summary(acq.id);
  const p = acq === undefined || server.processing === undefined ? undefined : await server.store.processingSummary(acq.id);
  log.info(
    `files written ${written}/${total}; API: ${s?.gridSquares ?? 0} grid squares, ${s?.foilHoles ?? 0} foil holes, ${s?.micrographs ?? 0} micrographs` +
      (p === undefined ? "" : `; processed ${p.processed}, failed ${p.failed}, CTF fit ${p.means.ctfFitResolutionA?.toFixed(1) ?? "-"} Å`),
  );
}

/**
 * The demo's movies are small (384 px, 12 frames) so they process in a second on a laptop; their CTF
 * fits reach only ~30 Å and they hold a particle or two. Judged by the default rule (≤ 5 Å, ≥ 20
 * particles) every one is bad and the policy rightly stops the grid, so the demo sessions use a rule
 * sized to these movies (shown in the decision settings).
 */
const DEMO_RULE = { maxCtfFitResolutionA: 31, minParticleCount: 0 };

/** The simulated microscope's side of the loop: it follows the newest acquisition order Athena received. */
class OrderFollower {
  private order: string[] = [];
  constructor(
    private readonly server: EmflowServer,
    private readonly athena: AthenaSimulator,
    private readonly log: Logger,
  ) {}

  /** The square to acquire next among `remaining` (EPU ids), or undefined for EPU's own order. */
  async next(remaining: readonly string[]): Promise<string | undefined> {
    const acq = (await this.server.store.listAcquisitions({ limit: 1 })).items[0];
    if (acq === undefined) return undefined;
    // Nothing reached the microscope yet (the session is registered with the first decision sent).
    if (!this.athena.state.sessions.has(acq.id.toLowerCase())) return undefined;
    for (let d = this.athena.consume(acq.id); d !== undefined; d = this.athena.consume(acq.id)) {
      if (d.decisionType !== "acquisitionOrder") continue;
      this.order = parseAcquisitionOrder(d).map(String);
      this.log.info(`microscope (Athena simulator) received an acquisition order from ${d.decidedBy}: ${this.order.slice(0, 5).join(", ")}${this.order.length > 5 ? ", ..." : ""}`);
    }
    const pick = this.order.find((id) => remaining.includes(id));
    this.log.info(pick === undefined ? `microscope: no order for the remaining squares; EPU's own order (${remaining[0] ?? "none"})` : `microscope follows emflow: grid square ${pick} next`);
    return pick;
  }
}
