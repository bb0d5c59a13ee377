/**
 * The file-system operations of a session in EPU's order and at EPU's pace:
 * atlas first, EpuSession.dm in two pieces, then square by square the image,
 * the Metadata .dm (rewritten as holes complete), hole images and exposures.
 * Content is rendered lazily, when an operation runs.
 */
import { seconds, TimeBase } from "./format.js";
import type { PreviewKind } from "./previews.js";
import type { SessionPlan, SquarePlan } from "./plan-types.js";
import { atlasRelPath, epuSessionXml } from "./templates/session.js";
import { atlasXml, tileBaseName } from "./templates/atlas.js";
import { gridSquareMetadataXml } from "./templates/grid-square.js";
import { foilHoleImageXml, gridSquareImageXml, micrographXml } from "./templates/images.js";

export type SynthPhase = "atlas" | "session" | "squares" | "finish";

type Data = () => string | Uint8Array;
/** One step; `path` is POSIX, relative to the output (visit) directory; `at` is in ticks since the session start. */
export type SynthOp =
  | { kind: "mkdir"; path: string; at: number; phase: SynthPhase }
  | { kind: "write"; path: string; at: number; phase: SynthPhase; data: Data }
  | { kind: "append"; path: string; at: number; phase: SynthPhase; data: Data }
  | { kind: "rename"; from: string; path: string; at: number; phase: SynthPhase };

export interface SynthAssets {
  previews: Record<PreviewKind, Uint8Array>;
  /** Movie files, used in turn: the k-th exposure written (0-based) gets movies[k % movies.length]. */
  movies: readonly Uint8Array[];
}

export interface OperationOptions {
  tmpRenameEvery: number;
  metadataRewriteEvery: number;
}

const s = seconds;

function lazy<T>(make: () => T): () => T {
  let v: { value: T } | undefined;
  return () => (v ??= { value: make() }).value;
}

/** Session-relative paths of a square's files. */
export function squarePaths(plan: SessionPlan, sq: SquarePlan) {
  const dir = `${plan.sessionDirName}/Images-Disc1/GridSquare_${sq.atlas.id}`;
  return { dir, metadata: `${plan.sessionDirName}/Metadata/GridSquare_${sq.atlas.id}.dm`, image: `${dir}/${sq.image.base}` };
}

/**
 * The operations of one square, in order. `counter.shots` counts exposures written so far in the
 * session (for `.xml.tmp` renames and the movie rotation); share one counter across the squares.
 */
export function* squareOps(plan: SessionPlan, tb: TimeBase, sq: SquarePlan, assets: SynthAssets, o: OperationOptions, counter: { shots: number }): Generator<SynthOp> {
  const phase: SynthPhase = "squares";
  const p = squarePaths(plan, sq);
  const imgAt = sq.image.acquiredAt + s(1);
  yield { kind: "mkdir", path: p.dir, at: imgAt, phase };
  yield { kind: "write", path: `${p.image}.jpg`, at: imgAt, phase, data: () => assets.previews.gridSquare };
  yield { kind: "write", path: `${p.image}.xml`, at: imgAt + s(0.15), phase, data: () => gridSquareImageXml(plan, tb, sq) };
  yield { kind: "write", path: p.metadata, at: sq.metadataAt, phase, data: () => gridSquareMetadataXml(plan, tb, sq, { completed: 0, final: false }) };
  const selected = sq.holes.filter((h) => h.selected);
  for (const [i, hole] of selected.entries()) {
    const img = hole.image!;
    const fhAt = img.acquiredAt + s(0.5);
    if (i === 0) yield { kind: "mkdir", path: `${p.dir}/FoilHoles`, at: fhAt, phase };
    yield { kind: "write", path: `${p.dir}/FoilHoles/${img.base}.jpg`, at: fhAt, phase, data: () => assets.previews.foilHole };
    yield { kind: "write", path: `${p.dir}/FoilHoles/${img.base}.xml`, at: fhAt + s(0.2), phase, data: () => foilHoleImageXml(plan, tb, hole) };
    for (const [k, shot] of hole.shots.entries()) {
      const base = `${p.dir}/Data/${shot.name}`;
      const at = shot.image.acquiredAt + s(1);
      if (i === 0 && k === 0) yield { kind: "mkdir", path: `${p.dir}/Data`, at, phase };
      yield { kind: "write", path: `${base}.jpg`, at, phase, data: () => assets.previews.micrograph };
      const xml = (): string => micrographXml(plan, tb, shot);
      counter.shots += 1;
      if (o.tmpRenameEvery > 0 && counter.shots % o.tmpRenameEvery === 0) {
        // EPU sometimes writes the XML under a temporary name and renames it when complete.
        yield { kind: "write", path: `${base}.xml.tmp`, at: at + s(0.15), phase, data: xml };
        yield { kind: "rename", from: `${base}.xml.tmp`, path: `${base}.xml`, at: at + s(0.3), phase };
      } else {
        yield { kind: "write", path: `${base}.xml`, at: at + s(0.15), phase, data: xml };
      }
      const movie = assets.movies[(counter.shots - 1) % assets.movies.length]!;
      yield { kind: "write", path: `${base}_fractions.tiff`, at: at + s(0.6), phase, data: () => movie };
    }
    const completed = i + 1;
    if (completed % o.metadataRewriteEvery === 0 && completed < selected.length) {
      yield { kind: "write", path: p.metadata, at: hole.endAt, phase, data: () => gridSquareMetadataXml(plan, tb, sq, { completed, final: false }) };
    }
  }
  yield { kind: "write", path: p.metadata, at: sq.endAt + s(0.5), phase, data: () => gridSquareMetadataXml(plan, tb, sq, { completed: selected.length, final: true }) };
}

/** The operations before the first square: the atlas, then EpuSession.dm (in two pieces) and the session folders. */
export function* openingOps(plan: SessionPlan, tb: TimeBase, assets: SynthAssets): Generator<SynthOp> {
  const atlasDir = atlasRelPath(plan).slice(0, -1).join("/");
  yield { kind: "mkdir", path: atlasDir, at: 0, phase: "atlas" };
  yield { kind: "write", path: `${atlasDir}/Atlas_${plan.atlas.imageId}.jpg`, at: 0, phase: "atlas", data: () => assets.previews.atlas };
  for (const tile of plan.atlas.tiles) {
    yield { kind: "write", path: `${atlasDir}/${tileBaseName(plan, tile)}.jpg`, at: 0, phase: "atlas", data: () => assets.previews.tile };
  }
  yield { kind: "write", path: `${atlasDir}/Atlas.dm`, at: 0, phase: "atlas", data: () => atlasXml(plan, tb) };

  const sessionFile = sessionFilePath(plan);
  // EPU writes EpuSession.dm in two pieces; a reader in between sees a truncated document.
  const first = lazy(() => epuSessionXml(plan, tb, false));
  const cut = (): number => Math.floor(first().length / 3);
  yield { kind: "mkdir", path: plan.sessionDirName, at: 0, phase: "session" };
  yield { kind: "write", path: sessionFile, at: 0, phase: "session", data: () => first().slice(0, cut()) };
  yield { kind: "append", path: sessionFile, at: s(0.15), phase: "session", data: () => first().slice(cut()) };
  yield { kind: "mkdir", path: `${plan.sessionDirName}/Metadata`, at: s(0.3), phase: "session" };
  yield { kind: "mkdir", path: `${plan.sessionDirName}/Images-Disc1`, at: s(0.45), phase: "session" };
}

/** The last operation: EpuSession.dm rewritten with the end time (`plan.endAt`, read when it runs). */
export function closingOp(plan: SessionPlan, tb: TimeBase): SynthOp {
  return { kind: "write", path: sessionFilePath(plan), at: plan.endAt + s(1), phase: "finish", data: () => epuSessionXml(plan, tb, true) };
}

function sessionFilePath(plan: SessionPlan): string {
  return `${plan.sessionDirName}/EpuSession.dm`;
}

/** All operations of the session, in order; `at` never decreases. */
export function* sessionOperations(plan: SessionPlan, assets: SynthAssets, o: OperationOptions): Generator<SynthOp> {
  const tb = new TimeBase(plan.startMs);
  yield* openingOps(plan, tb, assets);
  const counter = { shots: 0 };
  for (const sq of plan.squares) yield* squareOps(plan, tb, sq, assets, o, counter);
  yield closingOp(plan, tb);
}
