/**
 * `emflow agent watch <dir> --server URL [--token T]`: follow EPU sessions
 * under <dir> and send them to the server, until Ctrl-C.
 */
import path from "node:path";
import type { Logger } from "pino";
import { startAgent, type AgentStats } from "@emflow/agent";
import { UsageError } from "../ui/errors.js";
import { untilInterrupted } from "../ui/signals.js";

export interface WatchOptions {
  readonly server: string;
  readonly token?: string;
  readonly outbox: string;
  readonly settleMs: number;
  readonly movieSettleMs: number;
  readonly rescanS?: number;
  readonly orphanTimeoutS: number;
  readonly poll: boolean;
  readonly statusS: number;
  /** `--instructions [dir]`: true without a directory. */
  readonly instructions?: string | boolean;
  readonly onInstruction?: string;
  readonly agentId?: string;
}

/** One status line: what the agent has done and what is pending. */
export function statusLine(s: AgentStats): string {
  const parts = [
    `${s.sessions} session(s)`,
    `${s.filesSent} files read`,
    `${s.sender.itemsSent} entities sent`,
    `outbox ${s.outboxItems}`,
    s.parked > 0 ? `${s.parked} parked` : "",
    s.waitingForSession > 0 ? `${s.waitingForSession} waiting for EpuSession.dm` : "",
    s.errors > 0 ? `${s.errors} bad files` : "",
    s.sender.deadLettered > 0 ? `${s.sender.deadLettered} batches refused (see outbox dead/)` : "",
    s.sender.connected ? "" : s.sender.lastError === undefined ? "" : `server unreachable: ${s.sender.lastError}`,
    s.instructions === undefined ? "" : `${s.instructions.applied} instruction(s) applied${s.instructions.connected ? "" : " (instruction stream down)"}`,
  ];
  return parts.filter((p) => p.length > 0).join(", ");
}

/** `--instructions [dir]` and `--on-instruction` as the agent's option (the hook alone implies the default directory). */
function instructionOptions(opts: WatchOptions): { instructions?: { dir: string; command?: string } } {
  if ((opts.instructions === undefined || opts.instructions === false) && opts.onInstruction === undefined) return {};
  const dir = path.resolve(typeof opts.instructions === "string" ? opts.instructions : ".emflow/instructions");
  return { instructions: { dir, ...(opts.onInstruction === undefined ? {} : { command: opts.onInstruction }) } };
}

/** Run until SIGINT/SIGTERM; returns the exit code. */
export async function agentWatch(dir: string, opts: WatchOptions, log: Logger): Promise<number> {
  try {
    new URL(opts.server);
  } catch {
    throw new UsageError(`--server ${opts.server}: not a URL (e.g. http://127.0.0.1:8080)`);
  }
  const agent = await startAgent({
    root: path.resolve(dir),
    server: opts.server,
    ...(opts.token === undefined ? {} : { token: opts.token }),
    outboxDir: path.resolve(opts.outbox),
    settleMs: opts.settleMs,
    movieSettleMs: opts.movieSettleMs,
    ...(opts.rescanS === undefined ? {} : { rescanMs: opts.rescanS * 1000 }),
    orphanTimeoutMs: opts.orphanTimeoutS * 1000,
    poll: opts.poll,
    ...(opts.agentId === undefined ? {} : { agentId: opts.agentId }),
    ...instructionOptions(opts),
    log,
  });
  log.info({ dir: path.resolve(dir), server: opts.server, outbox: path.resolve(opts.outbox) }, "agent started");
  const timer = setInterval(() => log.info(statusLine(agent.stats())), opts.statusS * 1000);
  await untilInterrupted();
  clearInterval(timer);
  log.info("stopping: flushing the outbox");
  await agent.stop();
  log.info(statusLine(agent.stats()));
  return 0;
}
