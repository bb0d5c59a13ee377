/**
 * The two things synthesis injects: where bytes go (SynthFs, the real file
 * system by default) and how time passes (SynthClock), so tests can record
 * write order and never really wait.
 */
import { appendFile, mkdir, rename, writeFile } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";

/** File operations on absolute paths. */
export interface SynthFs {
  mkdir(path: string): Promise<void>;
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  appendFile(path: string, data: string | Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
}

/** Monotonic milliseconds and an abortable sleep. */
export interface SynthClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real file system (node:fs/promises). */
export const nodeSynthFs: SynthFs = {
  mkdir: async (path) => {
    await mkdir(path, { recursive: true });
  },
  writeFile: (path, data) => writeFile(path, data),
  appendFile: (path, data) => appendFile(path, data),
  rename: (from, to) => rename(from, to),
};

/** Wall-clock time and real timers. */
export const systemClock: SynthClock = {
  now: () => performance.now(),
  sleep: async (ms, signal) => {
    try {
      await delay(ms, undefined, signal === undefined ? undefined : { signal });
    } catch (err) {
      // Surface the caller's abort reason rather than the timer's generic AbortError.
      signal?.throwIfAborted();
      throw err;
    }
  },
};

/** A clock whose time only moves when someone sleeps: for tests. Records every sleep. */
export function virtualClock(): SynthClock & { readonly sleeps: number[] } {
  let t = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
      t += ms;
      await Promise.resolve();
      signal?.throwIfAborted();
    },
  };
}
