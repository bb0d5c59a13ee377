/**
 * The one way external programs are started: argv without a shell, a working
 * directory, an environment, a time limit, an abort signal, and stdout/stderr
 * kept up to a bound (the tail, where errors are). Every failure is an
 * ExternalToolError that says which program, what happened and what it printed.
 */
import { spawn } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { ExternalToolError } from "@emflow/core";
import type { ExternalTool } from "./tools.js";

/** What to run and how. */
export interface RunOptions {
  readonly tool: ExternalTool;
  readonly args: readonly string[];
  /** Working directory (must exist). */
  readonly cwd?: string;
  /** Variables set over (or, with undefined, removed from) the current environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Text written to the program's standard input, which is then closed. */
  readonly stdin?: string;
  /** Wall-clock limit in ms; the process group is killed after it. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Bytes of each of stdout and stderr to keep (the last ones). Default 4 MiB. */
  readonly maxOutputBytes?: number;
  /** A log file the program writes; its tail goes into the error when the run fails. */
  readonly logFile?: string;
  /** Grace in ms between SIGTERM and SIGKILL. Default 2000. */
  readonly killGraceMs?: number;
}

/** A finished run that exited with code 0. */
export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  /** True when output beyond `maxOutputBytes` was dropped (from the front). */
  readonly truncated: boolean;
  readonly durationMs: number;
}

/** Keeps the last `max` bytes written to it. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  dropped = false;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.max && this.chunks.length > 0) {
      const first = this.chunks[0] as Buffer;
      const excess = this.size - this.max;
      this.dropped = true;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
      }
    }
  }
  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

/** The last `lines` non-empty lines of `text`, for error messages. */
export function tailLines(text: string, lines = 15): string {
  const all = text.split(/\r?\n|\r/).filter((l) => l.trim().length > 0);
  return all.slice(-lines).join("\n");
}

async function readTail(file: string | undefined): Promise<string> {
  if (file === undefined) return "";
  try {
    return tailLines(await readFile(file, "utf8"));
  } catch {
    return "";
  }
}

function describeOutput(stderr: string, stdout: string, log: string, logFile: string | undefined): string {
  const parts: string[] = [];
  if (stderr.trim()) parts.push(`stderr:\n${tailLines(stderr)}`);
  if (log) parts.push(`${logFile}:\n${log}`);
  if (!stderr.trim() && !log && stdout.trim()) parts.push(`stdout:\n${tailLines(stdout)}`);
  return parts.length === 0 ? "" : `\n${parts.join("\n")}`;
}

/** Run a program to completion. Resolves on exit code 0; throws ExternalToolError otherwise, or the abort reason. */
export async function runProgram(opts: RunOptions): Promise<RunResult> {
  const { tool } = opts;
  opts.signal?.throwIfAborted();
  if (opts.cwd !== undefined) {
    const s = await stat(opts.cwd).catch(() => undefined);
    if (s === undefined || !s.isDirectory()) throw new ExternalToolError(`${tool.name}: working directory ${opts.cwd} does not exist`);
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...opts.env })) if (v !== undefined) env[k] = v;
  const max = opts.maxOutputBytes ?? 4 * 1024 * 1024;
  const out = new TailBuffer(max);
  const err = new TailBuffer(max);
  const started = performance.now();

  return new Promise<RunResult>((resolve, reject) => {
    // A process group of its own, so a timeout or abort also stops what the program started (RELION runs helpers through system()).
    const child = spawn(tool.executable, [...opts.args], {
      cwd: opts.cwd,
      env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    let settled = false;
    let why: "timeout" | "abort" | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (sig: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // Already gone.
      }
    };
    const stop = (reason: "timeout" | "abort") => {
      if (why !== undefined || settled) return;
      why = reason;
      killGroup("SIGTERM");
      killTimer = setTimeout(() => killGroup("SIGKILL"), opts.killGraceMs ?? 2000);
      killTimer.unref();
    };
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => stop("timeout"), opts.timeoutMs);
    const onAbort = () => stop("abort");
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    const cleanup = () => {
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
    };

    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.stdin.on("error", () => {
      // The program may exit without reading its input (EPIPE); its exit code tells what happened.
    });
    child.stdin.end(opts.stdin ?? "");

    child.on("error", (e: NodeJS.ErrnoException) => {
      cleanup();
      if (e.code === "ENOENT") {
        reject(new ExternalToolError(`${tool.executable} not found: install ${tool.name} or set ${tool.configKey} to its path`, { cause: e }));
      } else if (e.code === "EACCES") {
        reject(new ExternalToolError(`${tool.executable} is not executable (check ${tool.configKey})`, { cause: e }));
      } else {
        reject(new ExternalToolError(`${tool.name}: could not start ${tool.executable}: ${e.message}`, { cause: e }));
      }
    });
    child.on("close", (code, sig) => {
      if (settled) return;
      cleanup();
      if (killTimer !== undefined) {
        // The leader is gone; make sure nothing it started outlives it.
        clearTimeout(killTimer);
        killGroup("SIGKILL");
      }
      const stdout = out.text();
      const stderr = err.text();
      const durationMs = performance.now() - started;
      if (why === "abort") {
        reject(opts.signal?.reason ?? new Error("aborted"));
        return;
      }
      void readTail(opts.logFile).then((log) => {
        const detail = describeOutput(stderr, stdout, log, opts.logFile);
        if (why === "timeout") {
          reject(new ExternalToolError(`${tool.name} timed out after ${((opts.timeoutMs ?? 0) / 1000).toFixed(1)} s${detail}`));
        } else if (code !== 0) {
          const how = code === null ? `was killed by ${sig}` : `exited with code ${code}`;
          reject(new ExternalToolError(`${tool.name} ${how}${detail}`));
        } else {
          resolve({ stdout, stderr, truncated: out.dropped || err.dropped, durationMs });
        }
      });
    });
  });
}
