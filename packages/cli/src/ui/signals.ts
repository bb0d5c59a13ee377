/** Ctrl-C and SIGTERM for long-running commands. */

/** Resolves with the signal's name on the first SIGINT or SIGTERM. */
export function untilInterrupted(): Promise<string> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
}

/** An AbortSignal that fires on the first SIGINT or SIGTERM. */
export function interruptSignal(): AbortSignal {
  const ac = new AbortController();
  void untilInterrupted().then(() => ac.abort(new Error("interrupted")));
  return ac.signal;
}
