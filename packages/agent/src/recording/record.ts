/**
 * recordDirectory: capture a directory's initial state, then watch it with
 * chokidar and record every change in epuplayer's format until the signal
 * aborts; then write the .tar.gz (recording.json + binary chunks).
 */
import { mkdtemp, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve, sep } from "node:path";
import { watch } from "chokidar";
import { EmflowError } from "@emflow/core";
import { writeArchive } from "./archive.js";
import { Recorder } from "./recorder.js";
import { posixRelative } from "./safe-path.js";
import type { RecordingEvent } from "./schema.js";
import { ChunkStore } from "./snapshot.js";

/** Longer than chokidar's 50 ms change throttle. */
const RECHECK_MS = 100;

export interface RecordOptions {
  /** Recording stops, and the archive is written, when this aborts. */
  signal: AbortSignal;
  /** Replace binary files (images, movies) by size-only placeholders (default true, as epuplayer). */
  skipBinaryContent?: boolean;
  onEvent?: (e: RecordingEvent) => void;
  /** Called once the initial state is captured and the watcher is live. */
  onReady?: () => void;
  /** How long an unlink waits for an add of the same content to call it a move (ms, default 250). */
  moveWindowMs?: number;
  /** Poll instead of native events (network shares); chokidar's interval in ms. */
  pollIntervalMs?: number;
}

export interface RecordResult {
  outFile: string;
  events: number;
  chunks: number;
  /** Problems that did not stop recording (unreadable files, watcher errors). */
  warnings: string[];
}

/** Record `dir` into `outFile` (.tar.gz) until `opts.signal` aborts; resolves once the archive is written. */
export async function recordDirectory(dir: string, outFile: string, opts: RecordOptions): Promise<RecordResult> {
  const root = resolve(dir);
  const out = resolve(outFile);
  const partial = `${out}.partial`;
  const isDir = await stat(root).then((s) => s.isDirectory(), () => false);
  if (!isDir) throw new EmflowError("NotFoundError", "no such directory to record", { file: root });
  const chunkDir = await mkdtemp(join(tmpdir(), "emflow-recording-"));
  try {
    return await recordInto(root, out, partial, chunkDir, opts);
  } finally {
    await rm(chunkDir, { recursive: true, force: true });
  }
}

async function recordInto(root: string, out: string, partial: string, chunkDir: string, opts: RecordOptions): Promise<RecordResult> {
  const ignore = (abs: string): boolean => abs === out || abs === partial || abs === chunkDir || abs.startsWith(chunkDir + sep);
  const store = new ChunkStore(chunkDir);
  const recorder = new Recorder(root, store, {
    skipBinaryContent: opts.skipBinaryContent ?? true,
    moveWindowMs: opts.moveWindowMs ?? 250,
    onEvent: opts.onEvent,
    ignore,
  });
  // Watcher events queue behind the initial capture, then run one at a time, in order.
  let open!: () => void;
  let chain: Promise<void> = new Promise((r) => (open = r));
  const enqueue = (task: () => Promise<void> | void): void => {
    chain = chain.then(task).catch((err: unknown) => {
      recorder.warnings.push((err as Error).message);
    });
  };
  const rel = (p: string): string => posixRelative(root, p);
  const rechecks = new Map<string, NodeJS.Timeout>();
  const watcher = watch(root, {
    ignoreInitial: true,
    // Report unlink and add as they happen: moves are recognised by content, not merged by chokidar.
    atomic: false,
    ignored: (p: string) => ignore(resolve(p)),
    ...(opts.pollIntervalMs === undefined ? {} : { usePolling: true, interval: opts.pollIntervalMs, binaryInterval: opts.pollIntervalMs }),
  });
  try {
    const ready = new Promise<void>((res, rej) => {
      watcher.once("ready", () => res());
      watcher.once("error", (err) => rej(err));
    });
    // chokidar drops a file's changes that come within 50 ms of the previous one; look again a
    // little later so the last state of a busy file is always recorded.
    const recheck = (r: string): void => {
      clearTimeout(rechecks.get(r));
      rechecks.set(
        r,
        setTimeout(() => {
          rechecks.delete(r);
          enqueue(() => recorder.changed(r));
        }, RECHECK_MS),
      );
    };
    watcher.on("add", (p: string) => {
      enqueue(() => recorder.added(rel(p)));
      recheck(rel(p));
    });
    watcher.on("change", (p: string) => {
      enqueue(() => recorder.changed(rel(p)));
      recheck(rel(p));
    });
    watcher.on("unlink", (p: string) => enqueue(() => recorder.removed(rel(p), (run) => enqueue(run))));
    watcher.on("addDir", (p: string) => enqueue(() => recorder.dirAdded(rel(p))));
    watcher.on("unlinkDir", (p: string) => enqueue(() => recorder.dirRemoved(rel(p))));
    watcher.on("error", (err: unknown) => recorder.warnings.push(`watcher: ${(err as Error).message}`));
    // Listeners are attached before the watcher is ready, so nothing between the two is lost.
    await ready;
    await recorder.captureInitial();
    open();
    opts.onReady?.();
    await new Promise<void>((res) => {
      if (opts.signal.aborted) res();
      else opts.signal.addEventListener("abort", () => res(), { once: true });
    });
  } finally {
    await watcher.close();
    for (const t of rechecks.values()) clearTimeout(t);
  }
  open();
  // Let queued events run, decide pending unlinks, then catch anything the watcher missed.
  await chain;
  enqueue(() => recorder.settleAll());
  enqueue(() => recorder.reconcile());
  await chain;
  const recording = {
    metadata: { recorded_at: new Date().toISOString(), watch_dir: root, total_events: recorder.events.length, version: "2.0", platform: process.platform },
    events: recorder.events,
  };
  await writeArchive(partial, JSON.stringify(recording, null, 2), store.files);
  await rename(partial, out);
  return { outFile: out, events: recorder.events.length, chunks: store.files.size, warnings: recorder.warnings };
}
