/**
 * `emflow agent watch <dir>`: follow EPU sessions as they are written and
 * send their changes to the server. Works whether started before EPU writes
 * anything, mid-session, or after it finished: the watcher starts first, an
 * initial scan follows, and periodic rescans reconcile whatever events were
 * lost (network shares). Every change goes through the durable outbox.
 */
import path from "node:path";
import { hostname } from "node:os";
import { stat } from "node:fs/promises";
import type { Logger } from "pino";
import { IngestClient } from "./client/ingest-client.js";
import { abortableSleep, Sender, type SenderStats } from "./client/sender.js";
import { sessionDirOf } from "./discover.js";
import { adaptiveFileSource, type FileSource } from "./fs-source.js";
import { ReadAhead } from "./prefetch.js";
import { Outbox } from "./outbox/outbox.js";
import { scanTree } from "./scan.js";
import { sortForIngest, SessionPipeline, type PipelineStats } from "./session/pipeline.js";
import { ChangeDetector } from "./watch/change-detector.js";
import { HotDirs } from "./watch/hot-dirs.js";
import { DirWatcher } from "./watch/dir-watcher.js";
import { fileInstructionHandler, InstructionLedger, InstructionListener, type InstructionListenerStats } from "./instructions/index.js";

export interface AgentOptions {
  /** A session directory, or a directory that holds (or will hold) sessions. */
  readonly root: string;
  readonly server: string;
  readonly token?: string;
  /** Where the durable outbox lives (default `<cwd>/.emflow/agent-outbox`). */
  readonly outboxDir: string;
  readonly agentId?: string;
  /**
   * A metadata file must be unchanged this long before it is read (default 100 ms). Short on purpose:
   * parsing is the real completeness check (a half-written XML is retried), and it sets the latency.
   */
  readonly settleMs?: number;
  /** Movies are large and only their path is recorded, but they must be complete (default 1000 ms). */
  readonly movieSettleMs?: number;
  /** Re-list recently active directories this often (default 1 s), for events lost in bursts. */
  readonly hotScanMs?: number;
  /** Full rescan period (default 30 s, 5 s with `poll`); 0 disables it. */
  readonly rescanMs?: number;
  /** Orphans older than this get their implied parents (default 60 s). */
  readonly orphanTimeoutMs?: number;
  /**
   * Do not rely on OS file events (network shares that send none): find changes by rescanning,
   * every `rescanMs` (set it short, e.g. 2–5 s, with this option).
   */
  readonly poll?: boolean;
  readonly fsync?: boolean;
  readonly requestTimeoutMs?: number;
  readonly files?: FileSource;
  readonly log?: Logger;
  /**
   * Follow the server's instructions for this agent: each one is written as JSON into `dir` (and `command`
   * is run on it); the ledger of applied ones lives beside the outbox.
   */
  readonly instructions?: { readonly dir: string; readonly command?: string };
}

const MOVIE_EXT = /\.(mrc|mrcs|tiff?|eer)$/i;

/** Everything the agent knows about its progress. */
export interface AgentStats extends PipelineStats {
  sessions: number;
  filesTracked: number;
  initialScanDone: boolean;
  outboxRecords: number;
  outboxItems: number;
  sender: SenderStats;
  errorSamples: string[];
  instructions?: InstructionListenerStats;
}

/** A running agent. */
export interface AgentHandle {
  stats(): AgentStats;
  /** Resolves when the initial scan has been processed. */
  readonly ready: Promise<void>;
  /** Wait until everything seen so far is processed and acknowledged by the server. */
  settled(signal?: AbortSignal): Promise<void>;
  /** Stop watching, flush the outbox and close. */
  stop(): Promise<void>;
}

/** Start the agent. Throws only for unusable options; everything later is logged and retried. */
export async function startAgent(opts: AgentOptions): Promise<AgentHandle> {
  // Reads of queued metadata files start ahead of their turn (see ChangeDetector.prefetch).
  const files = new ReadAhead(
    opts.files ??
      adaptiveFileSource(20, (ms, file) => log?.info({ ms: Math.round(ms), file }, "slow disk: reading asynchronously from now on")),
    (p) => /\.(xml|dm)$/i.test(p),
  );
  const log = opts.log;
  const root = path.resolve(opts.root);
  const rootInfo = await stat(root).catch(() => undefined);
  if (rootInfo !== undefined && !rootInfo.isDirectory()) throw new Error(`${root} is not a directory`);
  const stopper = new AbortController();
  const signal = stopper.signal;
  const outbox = await Outbox.open(opts.outboxDir, { fsync: opts.fsync ?? true, ...(log === undefined ? {} : { log }) });
  const client = new IngestClient({
    server: opts.server,
    ...(opts.token === undefined ? {} : { token: opts.token }),
    ...(opts.requestTimeoutMs === undefined ? {} : { timeoutMs: opts.requestTimeoutMs }),
  });
  // The host name, stable across restarts: the server addresses instructions to this id.
  const agentId = opts.agentId ?? hostname();
  const sender = new Sender({ outbox, client, agentId, ...(log === undefined ? {} : { log }) });
  const sending = sender.run(signal);
  const listener =
    opts.instructions === undefined
      ? undefined
      : new InstructionListener({
          server: opts.server,
          agentId,
          ...(opts.token === undefined ? {} : { token: opts.token }),
          ledger: await InstructionLedger.open(path.join(opts.outboxDir, "instructions-ledger.json"), { fsync: opts.fsync ?? true }),
          handler: fileInstructionHandler({ dir: opts.instructions.dir, fsync: opts.fsync ?? true, ...(opts.instructions.command === undefined ? {} : { command: opts.instructions.command }) }),
          ...(log === undefined ? {} : { log: log.child({ component: "instructions", agentId }) }),
        });
  const listening = listener?.run(signal);
  const pipelines = new Map<string, SessionPipeline>();

  const pipelineFor = (sessionDir: string): SessionPipeline => {
    let p = pipelines.get(sessionDir);
    if (p === undefined) {
      p = new SessionPipeline({
        sessionDir,
        files,
        // Not awaited: durability is the outbox's job and must not slow the pipeline to one fsync per file.
        sink: (session, items) =>
          void outbox.append(session, items).catch((err: unknown) => log?.error({ err }, "outbox append failed")),
        ...(log === undefined ? {} : { log: log.child({ session: path.basename(sessionDir) }) }),
      });
      pipelines.set(sessionDir, p);
      log?.info({ sessionDir }, "following a new session");
    }
    return p;
  };

  const detector = new ChangeDetector({
    files,
    ...(log === undefined ? {} : { log: log.child({ component: "detector" }) }),
    settleMs: opts.settleMs ?? 100,
    prefetch: (paths) => files.prefetch(paths),
    settleFor: (p) => (MOVIE_EXT.test(p) ? (opts.movieSettleMs ?? 1000) : (opts.settleMs ?? 100)),
    onReady: async (abs) => {
      const sessionDir = sessionDirOf(root, abs);
      if (sessionDir === undefined) return "done";
      const outcome = await pipelineFor(sessionDir).process(path.relative(sessionDir, abs).split(path.sep).join("/"));
      return outcome === "incomplete" ? "incomplete" : "done";
    },
  });

  const hot = new HotDirs({
    candidate: (file, stamp) => void detector.candidate(file, stamp),
    watch: (dir) => watchDir(dir),
    known: (file) => detector.has(file),
    ...(log === undefined ? {} : { log: log.child({ component: "hot-dirs" }) }),
  });
  const sweeping = setInterval(() => void hot.sweep(signal), opts.hotScanMs ?? 1000);
  sweeping.unref();
  let initialScanDone = false;
  const rescan = async (initial: boolean): Promise<void> => {
    const tree = await scanTree(root, signal, watchDir);
    const rels = sortForIngest([...tree.keys()]);
    for (const rel of rels) {
      const abs = path.join(root, rel);
      hot.noteFile(abs, tree.get(rel));
      await detector.candidate(abs, tree.get(rel));
    }
    await detector.idle();
    for (const p of pipelines.values()) await p.refreshAtlases();
    const cutoff = initial ? Infinity : Date.now() - (opts.orphanTimeoutMs ?? 60_000);
    for (const p of pipelines.values()) {
      const n = await p.promoteOrphans(cutoff);
      if (n > 0) log?.info({ session: p.sessionDir, implied: n }, "created parents for orphans whose own files never arrived");
    }
  };
  const watcher = new DirWatcher({
    onPath: (file) => {
      hot.touch(path.dirname(file));
      void detector.candidate(file);
    },
    // A new directory: scan it now (files may predate its watch) and keep it hot for a while.
    onDir: (dir) => {
      hot.touch(dir);
      hot.touch(path.dirname(dir));
      // Every directory inside is watched, empty ones too: EPU creates Data/ before it writes into it.
      void scanTree(dir, signal, watchDir).then(
        (tree) => {
          for (const [rel, stamp] of tree) void detector.candidate(path.join(dir, rel), stamp);
        },
        () => undefined,
      );
    },
    onError: (err, dir) => log?.debug({ err, dir }, "stopped watching a directory"),
  });
  // Every directory a scan finds is watched (cheap: one inotify watch each), unless polling.
  const watchDir = (dir: string): void => {
    if (opts.poll !== true) watcher.add(dir);
  };
  // Watch first, then scan: anything written between the two is seen by one or the other (or both: harmless).
  // (Failures here are logged: a caller that never awaits `ready` must not crash on an unhandled rejection.)
  const ready = (async () => {
    await waitForDirectory(root, signal, log);
    if (signal.aborted) return;
    if (opts.poll !== true) watcher.add(root);
    await rescan(true);
    initialScanDone = true;
    log?.info({ sessions: pipelines.size, files: detector.size, watched: watcher.size }, "initial scan done; watching for changes");
  })();
  ready.catch((err: unknown) => log?.error({ err }, "initial scan failed; rescans will retry"));
  const rescanning = (async () => {
    await ready.catch(() => undefined);
    const every = opts.rescanMs ?? (opts.poll === true ? 5_000 : 30_000);
    while (every > 0 && !signal.aborted) {
      await abortableSleep(every, signal).catch(() => undefined);
      if (!signal.aborted) await rescan(false).catch((err) => log?.warn({ err }, "rescan failed; will try again"));
    }
  })();

  const stats = (): AgentStats => {
    const sum: PipelineStats = { filesSent: 0, itemsEmitted: 0, parked: 0, waitingForSession: 0, errors: 0 };
    const errorSamples: string[] = [];
    for (const p of pipelines.values()) {
      const s = p.stats();
      for (const k of Object.keys(sum) as Array<keyof PipelineStats>) sum[k] += s[k];
      for (const m of p.errors.values()) if (errorSamples.length < 5) errorSamples.push(m);
    }
    return {
      ...sum,
      sessions: pipelines.size,
      filesTracked: detector.size,
      initialScanDone,
      outboxRecords: outbox.pendingRecords,
      outboxItems: outbox.pendingItems,
      sender: { ...sender.stats },
      errorSamples,
      ...(listener === undefined ? {} : { instructions: { ...listener.stats } }),
    };
  };

  return {
    stats,
    ready,
    async settled(s) {
      await ready;
      await detector.idle();
      await outbox.flush();
      await sender.drained(s ?? signal);
    },
    async stop() {
      stopper.abort();
      clearInterval(sweeping);
      watcher.close();
      detector.stop();
      // Let the file being handled finish (its changes reach the outbox) before closing the outbox.
      await detector.idle();
      await Promise.allSettled([sending, rescanning, ready, listening]);
      await outbox.close();
    },
  };
}

/** If the directory does not exist yet (EPU has not created it), wait for it. */
async function waitForDirectory(dir: string, signal: AbortSignal, log?: Logger): Promise<void> {
  let told = false;
  while (!signal.aborted) {
    const s = await stat(dir).catch(() => undefined);
    if (s?.isDirectory()) return;
    if (s !== undefined) throw new Error(`${dir} is not a directory`);
    if (!told) log?.info({ dir }, "waiting for the directory to appear");
    told = true;
    await abortableSleep(1000, signal).catch(() => undefined);
  }
}
