/**
 * One EPU session directory, file by file: classify, parse, translate to
 * upserts, drop what was already sent, park orphans, and hand the rest to
 * the sink in parent-before-child order. Used both live (agent) and one-shot
 * (`emflow epu parse`), so both always agree.
 */
import path from "node:path";
import type { Logger } from "pino";
import {
  classifyEpuPath,
  isEmflowError,
  itemKey,
  parentKey,
  parseAtlas,
  resolveWindowsPath,
  type EpuPathInfo,
  type IngestItem,
  type ParsedEpuFile,
  type ParsedSession,
  type SessionKey,
} from "@emflow/core";
import type { FileSource, FileStamp } from "../fs-source.js";
import { sameStamp } from "../fs-source.js";
import { SentState } from "./entity-state.js";
import { impliedParent, OrphanPark } from "./park.js";
import { readAndParse } from "./read-parse.js";
import { translateAtlas, translateFile } from "./translate.js";

/** What happened to a file handed to `process`. */
export type ProcessOutcome =
  | "sent" // parsed; its changes (maybe none) went to the sink
  | "waiting" // needs EpuSession.dm first; kept and retried when the session arrives
  | "incomplete" // not well-formed yet (still being written): try again later
  | "failed" // a real error, recorded in `errors`
  | "ignored"; // not a file emflow reads

/** Receives ordered upserts for one session. */
export type ItemSink = (session: SessionKey, items: IngestItem[]) => void | Promise<void>;

/** Order in which an initial scan feeds files, so parents usually come first. */
export const KIND_RANK: Record<string, number> = {
  session: 0,
  gridSquareMetadata: 1,
  gridSquareImage: 2,
  foilHoleImage: 3,
  micrograph: 4,
  movie: 5,
  preview: 6,
};

export interface PipelineOptions {
  readonly sessionDir: string;
  readonly files: FileSource;
  readonly sink: ItemSink;
  readonly now?: () => number;
  readonly log?: Logger;
  /**
   * Send every item in full instead of only what changed (one-shot parses, whose model
   * builder merges anyway); parking and parent order are unchanged.
   */
  readonly noDiff?: boolean;
}

/** Status counters, for `agent status`, progress lines and tests. */
export interface PipelineStats {
  filesSent: number;
  itemsEmitted: number;
  parked: number;
  waitingForSession: number;
  errors: number;
}

/** The per-session state machine described above. */
export class SessionPipeline {
  readonly sessionDir: string;
  private readonly files: FileSource;
  private readonly sink: ItemSink;
  private readonly now: () => number;
  private readonly log: Logger | undefined;
  private readonly sent: SentState;
  private readonly park = new OrphanPark();
  private readonly waiting = new Set<string>();
  private readonly atlasStamps = new Map<string, FileStamp>();
  private readonly atlasWarned = new Set<string>();
  /** Files that failed, with the one-line reason; cleared when the file later parses. */
  readonly errors = new Map<string, string>();
  private session: { key: SessionKey; gridId: string; parsed: ParsedSession } | undefined;
  private filesSent = 0;
  private itemsEmitted = 0;

  constructor(opts: PipelineOptions) {
    this.sessionDir = opts.sessionDir;
    this.files = opts.files;
    this.sink = opts.sink;
    this.now = opts.now ?? Date.now;
    this.log = opts.log;
    this.sent = new SentState(opts.noDiff ?? false);
  }

  /** The session's natural key, once EpuSession.dm has been read. */
  get sessionKey(): SessionKey | undefined {
    return this.session?.key;
  }

  stats(): PipelineStats {
    return {
      filesSent: this.filesSent,
      itemsEmitted: this.itemsEmitted,
      parked: this.park.size,
      waitingForSession: this.waiting.size,
      errors: this.errors.size,
    };
  }

  /** A few orphans and what they wait for. */
  parkedSample(limit = 5): Array<{ key: string; waitingFor: string }> {
    return this.park.sample(limit);
  }

  /** Read and apply one file, given relative to the session directory. */
  async process(relPath: string, classified?: EpuPathInfo | null): Promise<ProcessOutcome> {
    const info = classified === undefined ? (classifyEpuPath(relPath) ?? null) : classified;
    // Only files apply() will use are read: not previews/movies, nor anything while waiting for the session.
    const read =
      info !== null && info.kind !== "atlas" && info.kind !== "movie" && info.kind !== "preview" && (info.kind === "session" || this.session !== undefined);
    const result = read ? await readAndParse(relPath, (rel) => this.files.readText(path.join(this.sessionDir, rel))) : undefined;
    return this.apply(relPath, result, info);
  }

  /**
   * Apply a file already read and parsed elsewhere (a worker thread): its parse
   * result, or the error its parse threw. Same semantics as `process`.
   */
  async apply(relPath: string, result: ParsedEpuFile | unknown, classified?: EpuPathInfo | null): Promise<ProcessOutcome> {
    const info = classified === undefined ? classifyEpuPath(relPath) : (classified ?? undefined);
    if (info === undefined || info.kind === "atlas") return "ignored";
    if (info.kind !== "session" && this.session === undefined) {
      this.waiting.add(relPath);
      return "waiting";
    }
    if (info.kind === "movie" || info.kind === "preview") {
      if (info.kind === "preview" && info.of !== "micrograph") return "ignored";
      const { gridSquareId, foilHoleId, name } =
        info.kind === "movie" ? info : { ...info, foilHoleId: /^FoilHole_(\d+)_/.exec(info.base)![1]!, name: info.base };
      const data = info.kind === "movie" ? { movieFile: relPath } : { previewFile: relPath };
      await this.emit([{ kind: "micrograph", gridId: this.session!.gridId, gridSquareId, foilHoleId, name, data }]);
      this.filesSent++;
      return "sent";
    }
    if (!isParsed(result)) {
      const line = isEmflowError(result) ? result.toLine() : `${relPath}: ${String(result)}`;
      if (isEmflowError(result, "XmlSyntaxError")) {
        this.errors.set(relPath, line);
        return "incomplete";
      }
      return this.fail(relPath, line);
    }
    this.errors.delete(relPath);
    if (result.kind === "session") {
      await this.applySession(result);
    } else {
      await this.emit(translateFile(result, { gridId: this.session!.gridId, sessionDir: this.sessionDir }));
    }
    this.filesSent++;
    return "sent";
  }

  /** Record a permanent failure for a file. The rest of the session carries on. */
  private fail(relPath: string, message: string): ProcessOutcome {
    this.errors.set(relPath, message);
    this.log?.warn({ file: relPath }, message);
    return "failed";
  }

  private async applySession(parsed: ParsedSession): Promise<void> {
    const sample = parsed.samples[0];
    if (sample === undefined) throw new Error(`${this.sessionDir}: EpuSession.dm lists no grid`);
    if (this.session !== undefined && this.session.gridId !== sample.gridId) {
      this.log?.warn({ was: this.session.gridId, now: sample.gridId }, "EpuSession.dm now names another grid; keeping the first");
    }
    const key = { epuId: parsed.epuId, name: parsed.name };
    const gridId = this.session?.gridId ?? sample.gridId;
    this.session = { key, gridId, parsed };
    const atlases = parsed.samples.map((s) => ({ gridId: s.gridId, file: this.locateAtlas(s.atlasWindowsPath) }));
    const items = translateFile(parsed, { gridId, sessionDir: this.sessionDir }).map((item) => {
      const atlas = item.kind === "grid" ? atlases.find((a) => a.gridId === item.gridId)?.file : undefined;
      return atlas === undefined || item.kind !== "grid" ? item : { ...item, data: { ...item.data, atlasDir: path.dirname(atlas) } };
    });
    await this.emit(items);
    for (const a of atlases) if (a.file !== undefined) await this.applyAtlas(a.gridId, a.file);
    // Files that arrived before the session can now be placed.
    const pending = sortForIngest([...this.waiting]);
    this.waiting.clear();
    for (const rel of pending) {
      const outcome = await this.process(rel);
      if (outcome === "incomplete") this.log?.debug({ file: rel }, "still incomplete after the session arrived");
    }
  }

  private locateAtlas(windowsPath: string | undefined): string | undefined {
    if (windowsPath === undefined) return undefined;
    const hit = resolveWindowsPath(windowsPath, this.sessionDir, (d) => this.files.list(d), { minParts: 3 });
    if (hit === undefined && !this.atlasWarned.has(windowsPath)) {
      this.atlasWarned.add(windowsPath);
      this.log?.warn({ atlas: windowsPath }, "atlas not found beside the session (rescans keep looking)");
    }
    return hit;
  }

  private async applyAtlas(gridId: string, file: string): Promise<void> {
    const stamp = await this.files.stat(file);
    if (stamp === undefined || sameStamp(stamp, this.atlasStamps.get(file))) return;
    try {
      const parsed = parseAtlas(await this.files.readText(file), file);
      this.atlasStamps.set(file, stamp);
      this.errors.delete(file);
      await this.emit(translateAtlas(parsed, gridId, file));
    } catch (err) {
      this.errors.set(file, isEmflowError(err) ? err.toLine() : `${file}: ${String(err)}`);
    }
  }

  /** Re-read the atlas files if they changed on disk (called by periodic rescans). */
  async refreshAtlases(): Promise<void> {
    if (this.session === undefined) return;
    for (const s of this.session.parsed.samples) {
      const file = this.locateAtlas(s.atlasWindowsPath);
      if (file !== undefined) await this.applyAtlas(s.gridId, file);
    }
  }

  /** Route items: known parent → diff and send; unknown parent → park. Released orphans follow their parent. */
  private async emit(items: IngestItem[]): Promise<void> {
    const out: IngestItem[] = [];
    const queue = [...items];
    const now = this.now();
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      const parent = parentKey(item);
      if (parent !== undefined && !this.sent.has(parent)) {
        this.park.park(parent, item, now);
        continue;
      }
      const key = itemKey(item);
      const isNew = !this.sent.has(key);
      const change = this.sent.diff(key, item);
      if (change !== undefined) out.push(change);
      if (isNew) queue.unshift(...this.park.release(key));
    }
    if (out.length === 0 || this.session === undefined) return;
    this.itemsEmitted += out.length;
    await this.sink(this.session.key, out);
  }

  /**
   * Promote orphans parked since before `cutoff` (ms): create the parent their
   * path implies (a foil hole, a grid square) so they are not hidden forever.
   * Called after the initial scan, periodically while live, and at the end of a one-shot parse.
   */
  async promoteOrphans(cutoff = Infinity): Promise<number> {
    let promoted = 0;
    for (let keys = this.park.overdue(cutoff); keys.length > 0; keys = this.park.overdue(cutoff)) {
      let progressed = false;
      for (const key of keys) {
        const child = this.park.first(key);
        const parent = child === undefined ? undefined : impliedParent(child);
        if (parent === undefined) continue;
        await this.emit([parent]);
        promoted++;
        progressed = true;
      }
      if (!progressed) break;
      cutoff = Infinity; // an implied parent may itself wait for an implied grandparent: resolve the chain now
    }
    return promoted;
  }

}

/** Sort paths into ingest order: EPU kind rank (parents first), then path. Classifies each path once. */
export function sortForIngest(paths: readonly string[]): string[] {
  return classifyForIngest(paths).map((x) => x.path);
}

/** A path with its classification (null: not a file emflow reads). */
export interface ClassifiedPath {
  readonly path: string;
  readonly info: EpuPathInfo | null;
}

/** `sortForIngest`, keeping each path's classification so it is computed only once. */
export function classifyForIngest(paths: readonly string[]): ClassifiedPath[] {
  return sortClassified(paths.map((p) => ({ path: p, info: classifyEpuPath(p) ?? null })));
}

/** Paths already classified, in ingest order (a new array). */
export function sortClassified<T extends ClassifiedPath>(entries: readonly T[]): T[] {
  return entries
    .map((e) => ({ e, r: KIND_RANK[e.info?.kind ?? ""] ?? 9 }))
    .sort((a, b) => a.r - b.r || (a.e.path < b.e.path ? -1 : a.e.path > b.e.path ? 1 : 0))
    .map(({ e }) => e);
}

function isParsed(r: unknown): r is ParsedEpuFile {
  return typeof r === "object" && r !== null && !(r instanceof Error) && "kind" in r;
}
