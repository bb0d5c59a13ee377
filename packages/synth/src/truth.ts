/**
 * The ground truth of a synthetic session, in emflow units (µm, Å, ISO UTC):
 * what an agent or server that followed the session correctly must end up
 * with. Paths are relative to the output (visit) directory.
 */
import { TimeBase, toSingle } from "./format.js";
import { squarePaths } from "./operations.js";
import type { SessionPlan, Stage } from "./plan-types.js";
import { atlasRelPath } from "./templates/session.js";
import { windowsPath } from "./plan.js";

export interface StageUm {
  x: number;
  y: number;
  z: number;
}

export interface TruthShot {
  name: string;
  locationId: string;
  stageUm: StageUm;
  defocusA: number;
  acquiredAt: string;
}

export interface TruthHole {
  id: string;
  stageUm: StageUm;
  pixelX: number;
  pixelY: number;
  diameterPx: number;
  nearGridBar: boolean;
  /** Foil-hole image XML, relative to the session directory. */
  imageFile: string;
  shots: TruthShot[];
}

export interface TruthSquare {
  id: string;
  index: number;
  stageUm: StageUm;
  rotationDeg: number;
  atlas: { x: number; y: number; width: number; height: number; physicalXUm: number; physicalYUm: number; sizeUm: number; tileId: string };
  /** Grid-square image XML and Metadata .dm, relative to the session directory. */
  imageFile: string;
  metadataFile: string;
  acquiredAt: string;
  holes: TruthHole[];
  /** Target locations found but never acquired (state Defined). */
  unselectedHoleIds: string[];
}

export interface SynthTruth {
  version: 1;
  seed: number;
  visit: string;
  /** Session directory and Atlas.dm, relative to the output directory. */
  sessionDir: string;
  atlasPath: string;
  atlasWindowsPath: string;
  storageFolderWindowsPath: string;
  session: { epuId: string; name: string; startedAt: string; endedAt: string };
  gridId: string;
  atlas: { atlasId: string; squareCount: number; tileCount: number; pixelSizeUm: number };
  holeSizeUm: number;
  holeSpacingUm: number;
  squares: TruthSquare[];
  totals: { squares: number; foilHoles: number; micrographs: number; files: number; bytes: number };
}

const round = (x: number, digits = 6): number => Number(x.toFixed(digits));
const um = (s: Stage): StageUm => ({ x: round(s.x * 1e6), y: round(s.y * 1e6), z: round(s.z * 1e6) });

/** Build the truth of a plan; `files` and `bytes` come from the run that wrote it. */
export function buildTruth(plan: SessionPlan, seed: number, files: number, bytes: number): SynthTruth {
  const tb = new TimeBase(plan.startMs);
  const rel = (p: string): string => p.slice(plan.sessionDirName.length + 1);
  const squares = plan.squares.map((sq): TruthSquare => {
    const paths = squarePaths(plan, sq);
    const half = sq.atlas.sizeM / 2;
    const selected = sq.holes.filter((h) => h.selected);
    return {
      id: sq.atlas.id,
      index: sq.index,
      stageUm: um(sq.stage),
      rotationDeg: round((sq.rotation * 180) / Math.PI, 9),
      atlas: {
        x: sq.atlas.atlasX,
        y: sq.atlas.atlasY,
        width: sq.atlas.atlasW,
        height: sq.atlas.atlasH,
        physicalXUm: round(toSingle(sq.atlas.stage.x - half) * 1e6),
        physicalYUm: round(toSingle(sq.atlas.stage.y - half) * 1e6),
        sizeUm: round(sq.atlas.sizeM * 1e6),
        tileId: sq.atlas.tileId,
      },
      imageFile: `${rel(paths.image)}.xml`,
      metadataFile: rel(paths.metadata),
      acquiredAt: tb.iso(sq.image.acquiredAt),
      holes: selected.map((h) => ({
        id: h.id,
        stageUm: um(h.stage),
        pixelX: h.pixelX,
        pixelY: h.pixelY,
        diameterPx: h.diameterPx,
        nearGridBar: h.nearGridBar,
        imageFile: `${rel(paths.dir)}/FoilHoles/${h.image!.base}.xml`,
        shots: h.shots.map((s) => ({
          name: s.name,
          locationId: s.areaId,
          stageUm: um(s.image.stage),
          defocusA: round(s.defocusM * 1e10, 6),
          acquiredAt: tb.iso(s.image.acquiredAt),
        })),
      })),
      unselectedHoleIds: sq.holes.filter((h) => !h.selected).map((h) => h.id),
    };
  });
  const foilHoles = squares.reduce((n, s) => n + s.holes.length, 0);
  const micrographs = squares.reduce((n, s) => n + s.holes.reduce((m, h) => m + h.shots.length, 0), 0);
  return {
    version: 1,
    seed,
    visit: plan.visit,
    sessionDir: plan.sessionDirName,
    atlasPath: atlasRelPath(plan).join("/"),
    atlasWindowsPath: windowsPath(plan, ...atlasRelPath(plan)),
    storageFolderWindowsPath: windowsPath(plan),
    session: { epuId: plan.epuId, name: plan.sessionDirName, startedAt: tb.iso(0), endedAt: tb.iso(plan.endAt) },
    gridId: plan.gridId,
    atlas: { atlasId: plan.atlas.id, squareCount: plan.atlas.squares.length, tileCount: plan.atlas.tiles.length, pixelSizeUm: plan.atlas.pixelSizeUm },
    holeSizeUm: round(plan.holeSizeM * 1e6),
    holeSpacingUm: round(plan.holeSpacingM * 1e6),
    squares,
    totals: { squares: squares.length, foilHoles, micrographs, files, bytes },
  };
}
