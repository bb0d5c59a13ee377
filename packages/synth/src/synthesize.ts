/**
 * synthesizeSession: write a realistic EPU session (atlas + session
 * directory) into a visit directory, in EPU's order and at EPU's pace, and
 * return its ground truth (also written as <dir>/synth-truth.json).
 */
import { basename, join, resolve } from "node:path";
import { EmflowError } from "@emflow/core";
import { nodeSynthFs, systemClock, type SynthClock, type SynthFs } from "./io.js";
import { sessionOperations, type SynthOp, type SynthPhase } from "./operations.js";
import { SynthPlanOptions, type SynthPlanInput } from "./options.js";
import { planSession } from "./plan.js";
import { loadPreviews } from "./previews.js";
import { placeholderTiff } from "./tiff.js";
import { buildTruth, type SynthTruth } from "./truth.js";

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
  const { dir: _dir, speed: _speed, signal: _signal, onProgress: _p, clock: _c, fs: _fs, movies: _m, ...plan } = opts;
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

/** Write a synthetic EPU session into `opts.dir`; rejects with the abort reason if `signal` fires. */
export async function synthesizeSession(opts: SynthesizeOptions): Promise<SynthResult> {
  const speed = opts.speed ?? 1;
  if (!Number.isFinite(speed) || speed < 0) throw new EmflowError("ValidationError", `speed must be a number ≥ 0, got ${speed}`);
  const dir = resolve(opts.dir);
  const fs = opts.fs ?? nodeSynthFs;
  const clock = opts.clock ?? systemClock;
  const { signal, onProgress } = opts;
  const input = planOptions(opts);
  const options = parsePlanOptions({ ...input, visit: input.visit ?? basename(dir) });
  signal?.throwIfAborted();
  const plan = planSession(options);
  const assets = { previews: await loadPreviews(), movies: opts.movies !== undefined && opts.movies.length > 0 ? opts.movies : [placeholderTiff(options.movieBytes)] };
  const ops: SynthOp[] = [...sessionOperations(plan, assets, { tmpRenameEvery: options.tmpRenameEvery, metadataRewriteEvery: options.metadataRewriteEvery })];
  const total = ops.filter((o) => o.kind !== "mkdir").length;

  await fs.mkdir(dir);
  const sizes = new Map<string, number>();
  const startWall = clock.now();
  const firstAt = ops[0]?.at ?? 0;
  let lastAt = firstAt;
  let written = 0;
  for (const op of ops) {
    signal?.throwIfAborted();
    lastAt = Math.max(lastAt, op.at);
    if (speed > 0) {
      const due = startWall + (lastAt - firstAt) / 10_000 / speed;
      const wait = due - clock.now();
      // Sub-millisecond waits are skipped: the next deadline absorbs them, so there is no drift.
      if (wait >= 1) await clock.sleep(wait, signal);
    }
    const abs = join(dir, op.path);
    switch (op.kind) {
      case "mkdir":
        await fs.mkdir(abs);
        continue;
      case "write": {
        const data = op.data();
        await fs.writeFile(abs, data);
        sizes.set(op.path, byteLength(data));
        break;
      }
      case "append": {
        const data = op.data();
        await fs.appendFile(abs, data);
        sizes.set(op.path, (sizes.get(op.path) ?? 0) + byteLength(data));
        break;
      }
      case "rename":
        await fs.rename(join(dir, op.from), abs);
        sizes.set(op.path, sizes.get(op.from) ?? 0);
        sizes.delete(op.from);
        break;
    }
    written += 1;
    onProgress?.({ written, total, phase: op.phase, path: op.path });
  }
  let bytes = 0;
  for (const n of sizes.values()) bytes += n;
  const truth = buildTruth(plan, options.seed, sizes.size, bytes);
  await fs.writeFile(join(dir, TRUTH_FILE), `${JSON.stringify(truth, null, 1)}\n`);
  return { ...truth, dir, sessionPath: join(dir, truth.sessionDir), atlasFile: join(dir, truth.atlasPath) };
}

function byteLength(data: string | Uint8Array): number {
  return typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
}
