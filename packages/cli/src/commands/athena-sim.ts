/**
 * `emflow athena-sim`: a Smart EPU Decision Service ("Athena") simulator in the foreground, so the
 * decision link and the demo have a microscope to talk to. One line per request; Ctrl-C stops it.
 */
import { InvalidArgumentError, type Command } from "commander";
import { positiveInt } from "../ui/flags.js";
import { untilInterrupted } from "../ui/signals.js";

type Run = (work: () => Promise<number>) => void;

/** Flags of `emflow athena-sim`. */
export interface AthenaSimFlags {
  port: number;
  host: string;
  token?: string;
  microscopeMs?: number;
}

/** The default port (the real service's port is site-specific; pass --port to match it). */
export const ATHENA_SIM_PORT = 5100;

const time = (iso: string) => iso.slice(11, 23);

/** Run the simulator until `stop` resolves (Ctrl-C by default), writing its log to `out`. */
export async function athenaSim(o: AthenaSimFlags, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`), stop: Promise<unknown> = untilInterrupted()): Promise<number> {
  const { startAthenaSimulator } = await import("@emflow/decisions");
  let requests = 0;
  const sim = await startAthenaSimulator({
    port: o.port,
    host: o.host,
    ...(o.token === undefined ? {} : { token: o.token }),
    onRequest: (e) => {
      requests++;
      out(`${time(e.at)} ${e.method} ${e.path} ${e.status} ${e.ms} ms${e.error === undefined ? "" : ` - ${e.error}`}`);
    },
  }).catch((err: unknown) => {
    const code = (err as { code?: unknown }).code;
    throw code === "EADDRINUSE" ? new Error(`athena-sim: ${o.host}:${o.port} is already in use (try --port 0 for a free one)`) : err;
  });
  out(`athena-sim: Decision Service simulator at ${sim.url} (API under /api/v1)${o.token === undefined ? "" : ", bearer token required"}; Ctrl-C stops it`);
  // The simulated microscope: act on the newest decision of each session it has not acted on yet.
  const timer =
    o.microscopeMs === undefined
      ? undefined
      : setInterval(() => {
          for (const s of sim.state.sessions.values()) {
            const d = sim.consume(s.session.sessionId);
            if (d !== undefined) out(`microscope: ${s.session.sessionName ?? s.session.sessionId} acts on ${d.decisionType} for area ${d.areaId}: ${d.decisionValue ?? ""}`);
          }
        }, o.microscopeMs);
  await stop;
  if (timer !== undefined) clearInterval(timer);
  await sim.close();
  out(`athena-sim: stopped after ${requests} request${requests === 1 ? "" : "s"}, ${sim.state.events.length} event${sim.state.events.length === 1 ? "" : "s"}`);
  return 0;
}

/** Add `athena-sim` to the program. */
export function registerAthenaSim(program: Command, run: Run): void {
  program
    .command("athena-sim")
    .description("run a Smart EPU Decision Service (Athena) simulator: sessions, areas, states, decisions, runs in memory")
    .option("--port <port>", `port to listen on (0: any free port)`, portNumber, ATHENA_SIM_PORT)
    .option("--host <host>", "address to listen on (0.0.0.0 for other machines)", "127.0.0.1")
    .option("--token <token>", "require Authorization: Bearer <token>")
    .option("--microscope-ms <ms>", "act like the microscope: every <ms>, take each session's newest decision and print it", positiveInt("--microscope-ms"))
    .addHelpText(
      "after",
      `
Point the Athena client (or emflow's decision link) at the printed URL. Each request is logged as
"time method path status duration"; errors add the problem's detail. Ctrl-C closes it cleanly.
Example:  emflow athena-sim --port 5100 --microscope-ms 1000`,
    )
    .action((o: AthenaSimFlags) => run(() => athenaSim(o)));
}

function portNumber(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("--port must be an integer from 0 to 65535");
  return n;
}
