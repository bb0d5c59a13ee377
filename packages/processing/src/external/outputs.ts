/**
 * Checking what an external program left behind: programs such as RELION exit
 * 0 even when a movie failed, so a missing or unreadable output file is an
 * ExternalToolError that names the file and quotes the program's log.
 */
import { access, readFile } from "node:fs/promises";
import { ExternalToolError, isEmflowError } from "@emflow/core";
import { tailLines } from "./run.js";
import type { ExternalTool } from "./tools.js";

/** True when `path` exists. */
export function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Throw ExternalToolError for the first of `files` that does not exist, with the tail of `logFile`. */
export async function requireFiles(tool: ExternalTool, files: readonly string[], logFile?: string): Promise<void> {
  for (const file of files) {
    if (await exists(file)) continue;
    const log = logFile === undefined ? "" : await readFile(logFile, "utf8").then((t) => `\n${logFile}:\n${tailLines(t)}`, () => "");
    throw new ExternalToolError(`${tool.name} finished but did not write ${file}${log}`, { file });
  }
}

/** Run `read`; a FormatError from it becomes an ExternalToolError saying the tool's output cannot be read. */
export async function readOutput<T>(tool: ExternalTool, read: () => Promise<T> | T): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (isEmflowError(err, "FormatError")) {
      throw new ExternalToolError(`${tool.name} wrote output we cannot read: ${err.toLine()}`, { cause: err, ...(err.file === undefined ? {} : { file: err.file }) });
    }
    throw err;
  }
}
