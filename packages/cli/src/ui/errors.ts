/**
 * How the CLI fails: one clean line naming the file and the problem, with the
 * stack only under --verbose. Usage errors exit 2, everything else 1.
 */
import { isEmflowError } from "@emflow/core";

/** An error meant for the user as-is (bad flag value, missing directory). */
export class UsageError extends Error {
  readonly _tag = "UsageError";
}

/** Print `err` as one line (or with its stack when verbose) and return the exit code. */
export function reportError(err: unknown, verbose: boolean): number {
  if (verbose && err instanceof Error && err.stack !== undefined) process.stderr.write(`${err.stack}\n`);
  const message = isEmflowError(err)
    ? err.toLine()
    : err instanceof Error
      ? err.message
      : String(err);
  if (!verbose || !(err instanceof Error)) process.stderr.write(`emflow: ${message}\n`);
  return err instanceof UsageError ? 2 : 1;
}
