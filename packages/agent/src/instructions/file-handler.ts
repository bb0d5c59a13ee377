/**
 * The default instruction handler: each instruction becomes a JSON file in a
 * directory that site scripts and EPU integrations watch (written to a hidden
 * temporary name, then renamed, so a watcher never reads half a file), and
 * optionally a command is run on it. A failing command means "not applied":
 * no ack, and the server sends the instruction again.
 */
import { spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { ExternalToolError, type Instruction } from "@emflow/core";
import { atomicWrite } from "./ledger.js";

/** Applies one instruction; resolves when applied, rejects when it was not (it will come again). */
export type InstructionHandler = (instruction: Instruction, signal: AbortSignal) => Promise<void>;

/** Options of `fileInstructionHandler`. */
export interface FileHandlerOptions {
  readonly dir: string;
  /** Run through the shell after the file is written, with EMFLOW_INSTRUCTION_FILE, _ID and _KIND set. */
  readonly command?: string;
  /** The command's time limit (default 60 s). */
  readonly commandTimeoutMs?: number;
  readonly fsync?: boolean;
}

/** The file an instruction is written to: ordered by seq, unique by id. */
export function instructionFileName(i: Instruction): string {
  const kind = i.kind.replace(/[^\w-]/g, "_");
  return `${String(i.seq).padStart(12, "0")}-${kind}-${i.id}.json`;
}

/** A handler that writes `<dir>/<seq>-<kind>-<id>.json` (and runs `command`, if given). */
export function fileInstructionHandler(opts: FileHandlerOptions): InstructionHandler {
  let made: Promise<unknown> | undefined;
  return async (instruction, signal) => {
    made ??= mkdir(opts.dir, { recursive: true });
    await made;
    const file = path.join(opts.dir, instructionFileName(instruction));
    await atomicWrite(file, `${JSON.stringify(instruction, null, 2)}\n`, opts.fsync ?? true);
    if (opts.command !== undefined) await runHook(opts.command, file, instruction, opts.commandTimeoutMs ?? 60_000, signal);
  };
}

function runHook(command: string, file: string, i: Instruction, timeoutMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, {
      shell: true,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, EMFLOW_INSTRUCTION_FILE: file, EMFLOW_INSTRUCTION_ID: i.id, EMFLOW_INSTRUCTION_KIND: i.kind },
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => {
      stderr = (stderr + b.toString("utf8")).slice(-500);
    });
    child.on("error", (err) => reject(new ExternalToolError(`--on-instruction ${command}: ${err.message}`, { file, cause: err })));
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new ExternalToolError(`--on-instruction ${command}: exit ${code ?? "(killed)"}${stderr.trim() === "" ? "" : `: ${stderr.trim()}`}`, { file }));
    });
  });
}
