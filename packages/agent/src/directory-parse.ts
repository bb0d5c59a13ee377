/**
 * One-shot parse of a whole session directory, through the same pipeline the
 * live agent uses, so `emflow epu parse` and a finished live run agree.
 */
import path from "node:path";
import type { Logger } from "pino";
import {
  classifyEpuPath,
  itemKey,
  type EpuPathInfo,
  type EmflowError,
  type IngestItem,
  type ParsedEpuFile,
  type IngestKind,
  type SessionKey,
} from "@emflow/core";
import { syncFileSource, type FileSource } from "./fs-source.js";
import { listTree } from "./scan.js";
import { ParsePool, parsePoolAvailable, type MicrographExtras, type ParseOutcome } from "./parse-pool.js";
import { SessionPipeline, sortClassified, type ClassifiedPath } from "./session/pipeline.js";
import { readAndParse } from "./session/read-parse.js";

/** Entity counts per kind. */
export type KindCounts = Record<IngestKind, number>;

/** The merged model of one session directory. */
export interface SessionModel {
  readonly sessionDir: string;
  readonly session: SessionKey | undefined;
  /** Every entity with all its fields merged, parents before children. */
  readonly entities: IngestItem[];
  readonly counts: KindCounts;
  /** Files that could not be parsed, with a one-line reason naming the file. */
  readonly errors: Array<{ file: string; message: string }>;
  /** Files seen / files read. */
  readonly files: { seen: number; parsed: number };
  /** Parents created from their children's paths because their own file was missing. */
  readonly implied: number;
}

export interface ParseDirOptions {
  readonly files?: FileSource;
  readonly log?: Logger;
  readonly signal?: AbortSignal;
  /** Called after each file with (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Parse on worker threads (default: for more than 2000 files, when the build is present). */
  readonly parallel?: boolean;
}

/** A listed path, with where its parse result will come from once it is sent to the workers. */
interface Listed extends ClassifiedPath {
  batch: Promise<ParseOutcome[]> | undefined;
  index: number;
}

function isParsedKind(info: EpuPathInfo | null): boolean {
  const k = info?.kind;
  return k !== undefined && k !== "movie" && k !== "preview" && k !== "atlas";
}

/**
 * Merge upserts by natural key (absent fields keep their value), keeping first-seen order.
 * Takes ownership of the items it is given (it merges later fields into them).
 */
export class ModelBuilder {
  private readonly byKey = new Map<string, IngestItem>();

  add(items: readonly IngestItem[]): void {
    for (const item of items) {
      const key = itemKey(item);
      const prev = this.byKey.get(key);
      if (prev === undefined) this.byKey.set(key, item);
      else Object.assign(prev.data, item.data);
    }
  }

  entities(): IngestItem[] {
    return [...this.byKey.values()];
  }

  counts(): KindCounts {
    const c: KindCounts = { acquisition: 0, grid: 0, atlas: 0, atlasTile: 0, gridSquare: 0, foilHole: 0, micrograph: 0 };
    for (const item of this.byKey.values()) c[item.kind]++;
    return c;
  }
}

/** Parse every file of the session directory `dir`. Bad files are reported, never fatal. */
export async function parseSessionDirectory(dir: string, opts: ParseDirOptions = {}): Promise<SessionModel> {
  const model = new ModelBuilder();
  const wantPool = opts.parallel !== false && opts.files === undefined && parsePoolAvailable();
  let pool: ParsePool | undefined;
  try {
    return await parseWith(dir, opts, model, (files) => {
      if (wantPool && (opts.parallel === true || files > 2000)) pool = new ParsePool();
      return pool;
    });
  } finally {
    await pool?.close();
  }
}

async function parseWith(
  dir: string,
  opts: ParseDirOptions,
  model: ModelBuilder,
  poolFor: (files: number) => ParsePool | undefined,
): Promise<SessionModel> {
  // Parsing starts while the rest of the tree is still being listed: each directory's XML goes to the
  // workers as soon as it is listed (files the pipeline applies first ahead of the micrographs), and the
  // pipeline then applies all results in ingest order.
  const classified: Listed[] = [];
  let pool: ParsePool | undefined;
  const submit = (batch: Listed[], first: boolean, extras?: Array<MicrographExtras | undefined>): void => {
    const p = pool!.parseBatch(
      dir,
      batch.map((e) => e.path),
      { first, ...(extras === undefined ? {} : { extras }) },
    );
    for (let k = 0; k < batch.length; k++) {
      batch[k]!.batch = p;
      batch[k]!.index = k;
    }
  };
  // Movies and previews listed so far, by micrograph name (the last path in ingest order wins, as below).
  const movieOf = new Map<string, string>();
  const previewOf = new Map<string, string>();
  const latest = (m: Map<string, string>, name: string, p: string): void => {
    const had = m.get(name);
    if (had === undefined || p > had) m.set(name, p);
  };
  const extrasOf = (name: string): MicrographExtras | undefined => {
    const movieFile = movieOf.get(name);
    const previewFile = previewOf.get(name);
    if (movieFile === undefined && previewFile === undefined) return undefined;
    const x: MicrographExtras = {};
    if (movieFile !== undefined) x.movieFile = movieFile;
    if (previewFile !== undefined) x.previewFile = previewFile;
    return x;
  };
  const unsent: Listed[] = [];
  const flush = (): void => {
    const first = unsent.filter((e) => e.info?.kind !== "micrograph");
    const later = unsent.filter((e) => e.info?.kind === "micrograph");
    if (first.length > 0) submit(first, true);
    if (later.length > 0) {
      const extras = later.map((e) => (e.info?.kind === "micrograph" ? extrasOf(e.info.name) : undefined));
      submit(later, false, extras);
    }
    unsent.length = 0;
  };
  await listTree(dir, opts.signal, (batch) => {
    for (const p of batch) {
      const e: Listed = { path: p, info: classifyEpuPath(p) ?? null, batch: undefined, index: -1 };
      classified.push(e);
      if (isParsedKind(e.info)) unsent.push(e);
      else if (e.info?.kind === "movie") latest(movieOf, e.info.name, p);
      else if (e.info?.kind === "preview" && e.info.of === "micrograph") latest(previewOf, e.info.base, p);
    }
    pool ??= poolFor(classified.length);
    if (pool !== undefined) flush();
  });
  const entries = sortClassified(classified);
  const rels = entries.map((e) => e.path);
  const pipeline = new SessionPipeline({
    sessionDir: dir,
    files: opts.files ?? syncFileSource,
    sink: (_session, items) => model.add(items),
    noDiff: true,
    ...(opts.log === undefined ? {} : { log: opts.log }),
  });
  let done = 0;
  let parsed = 0;
  const errors: Array<{ file: string; message: string }> = [];

  // A micrograph's preview and movie only add a path to it: fold them into its XML's result instead of
  // sending 60,000 one-field updates through the pipeline (they are processed alone only when the XML is
  // missing or broken).
  // movieOf/previewOf hold every movie and preview by now (listing is over).
  const folded = new Set<string>();
  const withExtras = (result: ParsedEpuFile | EmflowError): ParsedEpuFile | EmflowError => {
    if (!("kind" in result) || result.kind !== "micrograph") return result;
    const movieFile = movieOf.get(result.name);
    const previewFile = previewOf.get(result.name);
    if (movieFile === undefined && previewFile === undefined) return result;
    folded.add(result.name);
    // Workers add the paths they knew of when the file was sent (almost always all of them); otherwise
    // add them here, in place (the result is ours, fresh from a parse or a worker message).
    const m = result.micrograph;
    if (m.movieFile !== movieFile || m.previewFile !== previewFile) Object.assign(m, extrasOf(result.name));
    return result;
  };
  const isFolded = (e: ClassifiedPath): boolean =>
    (e.info?.kind === "movie" && folded.has(e.info.name)) || (e.info?.kind === "preview" && folded.has(e.info.base));
  const step = async (e: ClassifiedPath, result?: ParsedEpuFile | EmflowError): Promise<void> => {
    opts.signal?.throwIfAborted();
    const outcome = result === undefined ? await pipeline.process(e.path, e.info) : await pipeline.apply(e.path, withExtras(result), e.info);
    if (outcome === "sent") parsed++;
    opts.onProgress?.(++done, rels.length);
  };
  const xml = entries.filter((e) => isParsedKind(e.info));
  const others = entries.filter((e) => !isParsedKind(e.info));
  pool ??= poolFor(rels.length);
  if (pool === undefined) {
    const files = opts.files ?? syncFileSource;
    for (const e of xml) await step(e, await readAndParse(e.path, (rel) => files.readText(path.join(dir, rel))));
  } else {
    // XML is read and parsed on worker threads; the pipeline applies the results here, in order.
    flush();
    for (const e of xml) await step(e, (await e.batch!)[e.index]!);
  }
  for (const e of others) {
    if (isFolded(e)) {
      parsed++;
      opts.onProgress?.(++done, rels.length);
    } else {
      await step(e);
    }
  }
  const implied = await pipeline.promoteOrphans(Infinity);
  for (const [file, message] of pipeline.errors) errors.push({ file, message });
  const waiting = pipeline.stats().waitingForSession;
  if (pipeline.sessionKey === undefined && waiting > 0) {
    errors.push({ file: "EpuSession.dm", message: `${dir}: no readable EpuSession.dm; ${waiting} files could not be placed` });
  }
  return {
    sessionDir: dir,
    session: pipeline.sessionKey,
    entities: model.entities(),
    counts: model.counts(),
    errors,
    files: { seen: rels.length, parsed },
    implied,
  };
}
