/**
 * synthesizeSession: write a realistic EPU session (atlas + session
 * directory) into a visit directory, in EPU's order and at EPU's pace, and
 * return its ground truth (also written as <dir>/synth-truth.json).
 */
import { basename, join, resolve } from "node:path";
import { EmflowError } from "@emflow/core";
import { TimeBase } from "./format.js";
import { nodeSynthFs, systemClock, type SynthClock, type SynthFs } from "./io.js";
import { sessionOperations, type SynthOp, type SynthPhase } from "./operations.js";
import { SynthPlanOptions, type SynthPlanInput } from "./options.js";
import { planSession } from "./plan.js";
import { loadPreviews } from "./previews.js";
import { writeSteeredSession, type NextSquareChooser } from "./steer.js";
import { placeholderTiff } from "./tiff.js";
import { buildTruth, type SynthTruth } from "./truth.js";
import { OpWriter } from "./writer.js";

export const TRUTH_FILE = "synth-truth.json";

export interface SynthProgress {
  /** File operations done (writes, appends, renames) out of `total`. */
  written: number;
  total: number;
  phase: SynthPhase;
  /** The file just written, relative to the output directory. */
  path: string;
}

export interface SynthesizeOptions extends SynthPlanInput {
  /** Output (visit) directory; created if missing. */
  dir: string;
  /** 1 = EPU's real pace, 10 = ten times faster, 0 = no delays at all. */
  speed?: number;
  signal?: AbortSignal;
  onProgress?: (p: SynthProgress) => void;
  /**
   * Real movie files (bytes of `*_fractions.tiff`) to write instead of placeholders, used in turn:
   * the k-th exposure in the order written (squares, holes, shots as in the truth) gets movies[k % n].
   */
  movies?: readonly Uint8Array[];
  /**
   * Steer the acquisition order (a microscope following emflow's decisions). Called once per grid
   * square, when the square is due to start (after the previous square's final Metadata .dm, before
   * any of its files): `remaining` are the EPU grid-square ids (`sq.atlas.id`) not yet acquired, in
   * planned order, `done` the acquired ones in acquisition order. Return one of `remaining` to
   * acquire it next; `undefined` or an id not in `remaining` takes the next in planned order. May
   * be async: time spent deciding delays the session without a burst of catch-up writes; `signal`
   * aborts a pending decision. The chosen square keeps its content but moves in time (it starts 5 s
   * after the previous one ended; file stamps, names and XML times follow), its `index` becomes its
   * acquisition rank, and the truth and final EpuSession.dm list squares in the order acquired.
   * A throwing chooser rejects the session. Without this option the planned order is written
   * unchanged.
   */
  nextSquare?: NextSquareChooser;
  clock?: SynthClock;
  fs?: SynthFs;
}

/** The truth plus absolute locations of what was written. */
export interface SynthResult extends SynthTruth {
  dir: string;
  sessionPath: string;
  atlasFile: string;
}

function planOptions(opts: SynthesizeOptions): SynthPlanInput {
  const { dir: _dir, speed: _speed, signal: _signal, onProgress: _p, clock: _c, fs: _fs, movies: _m, nextSquare: _n, ...plan } = opts;
  return plan;
}

/** Validate the plan options, turning zod's report into one tagged error. */
function parsePlanOptions(input: SynthPlanInput) {
  const r = SynthPlanOptions.safeParse(input);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join(".") || "options"}: ${i.message}`).join("; ");
    throw new EmflowError("ValidationError", `invalid synthetic session options: ${msg}`);
  }
  return r.data;
}

const countFileOps = (ops: Iterable<SynthOp>): number => {
  let n = 0;
  for (const op of ops) if (op.kind !== "mkdir") n++;
  return n;
};

/** Write a synthetic EPU session into `opts.dir`; rejects with the abort reason if `signal` fires. */
export async function synthesizeSession(opts: SynthesizeOptions): Promise<SynthResult> {
  const speed = opts.speed ?? 1;
  if (!Number.isFinite(speed) || speed < 0) throw new EmflowError("ValidationError", `speed must be a number ≥ 0, got ${speed}`);
  const dir = resolve(opts.dir);
  const fs = opts.fs ?? nodeSynthFs;
  const clock = opts.clock ?? systemClock;
  const { signal, onProgress, nextSquare } = opts;
  const input = planOptions(opts);
  const options = parsePlanOptions({ ...input, visit: input.visit ?? basename(dir) });
  signal?.throwIfAborted();
  const plan = planSession(options);
  const assets = { previews: await loadPreviews(), movies: opts.movies !== undefined && opts.movies.length > 0 ? opts.movies : [placeholderTiff(options.movieBytes)] };
  const opOptions = { tmpRenameEvery: options.tmpRenameEvery, metadataRewriteEvery: options.metadataRewriteEvery };

  await fs.mkdir(dir);
  if (nextSquare === undefined) {
    const ops: SynthOp[] = [...sessionOperations(plan, assets, opOptions)];
    const writer = new OpWriter({ dir, fs, clock, speed, signal, onProgress, total: countFileOps(ops) });
    for (const op of ops) await writer.run(op);
    return finish(writer, plan, options.seed, dir, fs);
  }
  // Steered: the same operations square by square in the chosen order (the count does not depend on it).
  const writer = new OpWriter({ dir, fs, clock, speed, signal, onProgress, total: countFileOps(sessionOperations(plan, assets, opOptions)) });
  await writeSteeredSession({ plan, tb: new TimeBase(plan.startMs), assets, ops: opOptions, writer, now: () => clock.now(), signal }, nextSquare);
  return finish(writer, plan, options.seed, dir, fs);
}

async function finish(writer: OpWriter, plan: ReturnType<typeof planSession>, seed: number, dir: string, fs: SynthFs): Promise<SynthResult> {
  const { files, bytes } = writer.totals();
  const truth = buildTruth(plan, seed, files, bytes);
  await fs.writeFile(join(dir, TRUTH_FILE), `${JSON.stringify(truth, null, 1)}\n`);
  return { ...truth, dir, sessionPath: join(dir, truth.sessionDir), atlasFile: join(dir, truth.atlasPath) };
}
