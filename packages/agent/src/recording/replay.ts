/**
 * Replay a recording into a directory: every event applied as epuplayer's
 * format means it, paced by the recorded timestamps divided by `speed`, each
 * file checked against its recorded sha256 afterwards (mismatches are
 * collected, never thrown).
 */
import { mkdir, open, realpath, rename, rm, truncate, utimes, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { sha256File } from "./hash.js";
import { assertInsideReal, targetPath } from "./safe-path.js";
import type { Recording, RecordingEvent } from "./schema.js";

export interface ReplayProgress {
  /** Events processed so far (applied or reported as issues). */
  done: number;
  total: number;
  event: RecordingEvent;
}

export interface ReplayOptions {
  /** 1 = recorded pace, 10 = ten times faster, 0 = no delays. */
  speed?: number;
  /** Longest wait between two events, in seconds (after dividing by speed). */
  maxDelay?: number;
  signal?: AbortSignal;
  onProgress?: (p: ReplayProgress) => void;
  /** Injected for tests; defaults to a real abortable timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Check content_hash after each file event (default true). */
  verify?: boolean;
}

export interface HashMismatch {
  index: number;
  path: string;
  expected: string;
  /** Undefined when the file is missing. */
  actual: string | undefined;
}

export interface ReplayIssue {
  index: number;
  eventType: string;
  path: string;
  message: string;
}

export interface ReplayResult {
  total: number;
  applied: number;
  /** Binary files recreated as zeros of the recorded size (their hash cannot match). */
  placeholders: number;
  mismatches: HashMismatch[];
  /** Events that could not be applied (e.g. a move whose source is missing). */
  issues: ReplayIssue[];
}

const realSleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
  try {
    await delay(ms, undefined, signal === undefined ? undefined : { signal });
  } catch (err) {
    signal?.throwIfAborted();
    throw err;
  }
};

class Skip extends Error {}

async function writeWhole(e: RecordingEvent, abs: string, chunks: Recording["chunks"]): Promise<void> {
  if (e.is_placeholder) {
    // Zeros of the recorded size; truncate makes them sparse, so a 4 GB movie costs nothing.
    await writeFile(abs, "");
    await truncate(abs, e.size ?? 0);
  } else if (e.content !== null) {
    await writeFile(abs, e.content, "utf8");
  } else if (e.binary_chunk_id !== null) {
    await writeFile(abs, chunks.get(e.binary_chunk_id)!);
  } else if (e.event_type === "modified") {
    throw new Skip("modified event without content");
  } else {
    await writeFile(abs, "");
    await truncate(abs, e.size ?? 0);
  }
}

async function writeAt(abs: string, data: Uint8Array, position: number, size: number | null): Promise<void> {
  // r+ writes at a position without truncating; create the file first if an append finds none.
  const fh = await open(abs, "r+").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return open(abs, "w+");
    throw err;
  });
  try {
    if (data.byteLength > 0) await fh.write(data, 0, data.byteLength, position);
    // The file after the event has exactly the recorded size.
    await fh.truncate(size ?? position + data.byteLength);
  } finally {
    await fh.close();
  }
}

async function apply(e: RecordingEvent, root: string, rootReal: string, chunks: Recording["chunks"]): Promise<void> {
  const abs = targetPath(root, e.src_path);
  if (e.src_path !== ".") await assertInsideReal(rootReal, abs);
  const parent = async (): Promise<void> => {
    await mkdir(dirname(abs), { recursive: true });
  };
  switch (e.event_type) {
    case "initial_dir":
      await mkdir(abs, { recursive: true });
      return;
    case "created":
    case "initial_file":
      if (e.is_directory) {
        await mkdir(abs, { recursive: true });
        return;
      }
      await parent();
      await writeWhole(e, abs, chunks);
      if (e.operation_data !== null && typeof e.operation_data["mtime"] === "number") {
        const mtime = e.operation_data["mtime"];
        const atime = typeof e.operation_data["atime"] === "number" ? e.operation_data["atime"] : mtime;
        await utimes(abs, atime, mtime);
      }
      return;
    case "modified":
      // A directory's mtime changed: nothing to replay.
      if (e.is_directory) return;
      await parent();
      await writeWhole(e, abs, chunks);
      return;
    case "appended": {
      const data = e.content !== null ? Buffer.from(e.content, "utf8") : e.binary_chunk_id !== null ? chunks.get(e.binary_chunk_id)! : new Uint8Array(0);
      await parent();
      await writeAt(abs, data, e.file_position ?? 0, e.size);
      return;
    }
    case "truncated": {
      const size = typeof e.operation_data?.["new_size"] === "number" ? e.operation_data["new_size"] : (e.size ?? 0);
      await truncate(abs, size);
      return;
    }
    case "deleted":
      await rm(abs, { recursive: true, force: true });
      return;
    case "moved": {
      const dest = targetPath(root, e.dest_path!);
      await assertInsideReal(rootReal, dest);
      await mkdir(dirname(dest), { recursive: true });
      await rename(abs, dest);
      return;
    }
  }
}

/** Replay `rec` into `targetDir` (created if missing). Rejects only on abort or if the target cannot be created. */
export async function replayRecording(rec: Recording, targetDir: string, opts: ReplayOptions = {}): Promise<ReplayResult> {
  const speed = opts.speed ?? 1;
  if (!Number.isFinite(speed) || speed < 0) throw new RangeError(`speed must be a number ≥ 0, got ${speed}`);
  const sleep = opts.sleep ?? realSleep;
  const verify = opts.verify ?? true;
  const { signal } = opts;
  await mkdir(targetDir, { recursive: true });
  const rootReal = await realpath(targetDir);
  const result: ReplayResult = { total: rec.events.length, applied: 0, placeholders: 0, mismatches: [], issues: [] };
  let previous: number | undefined;
  for (const [index, e] of rec.events.entries()) {
    signal?.throwIfAborted();
    if (previous !== undefined && speed > 0) {
      let wait = Math.max(0, e.timestamp - previous) / speed;
      if (opts.maxDelay !== undefined) wait = Math.min(wait, opts.maxDelay);
      if (wait > 0.001) await sleep(wait * 1000, signal);
    }
    previous = e.timestamp;
    try {
      await apply(e, targetDir, rootReal, rec.chunks);
      result.applied += 1;
    } catch (err) {
      const message = err instanceof Skip ? err.message : (err as Error).message;
      result.issues.push({ index, eventType: e.event_type, path: e.src_path, message });
    }
    if (e.is_placeholder) result.placeholders += 1;
    else if (verify && !e.is_directory && e.content_hash !== null && !e.content_hash.startsWith("unreadable_") && e.event_type !== "deleted") {
      const actual = await sha256File(targetPath(targetDir, e.src_path));
      if (actual !== e.content_hash) result.mismatches.push({ index, path: e.src_path, expected: e.content_hash, actual });
    }
    opts.onProgress?.({ done: index + 1, total: rec.events.length, event: e });
  }
  return result;
}
