/**
 * planSession: everything a synthetic session contains, decided up front from
 * the options and the seed (ids, geometry, times), so writing is a pure
 * rendering of this plan and the ground truth is known before the first byte.
 */
import { seconds, TimeBase, toSingle } from "./format.js";
import { EpuIdAllocator } from "./ids.js";
import { SynthPlanOptions, type SynthPlanInput } from "./options.js";
import { planAtlas } from "./plan-atlas.js";
import { planSquare, type SquareContext } from "./plan-square.js";
import type { AcquisitionAreaPlan, SessionPlan, SquarePlan } from "./plan-types.js";
import { createRng } from "./prng.js";
import { SQUARE_GAP_TICKS } from "./retime.js";
import { TIMING } from "./timing.js";

/** Pixel sizes (m) at EPU's usual magnifications: 470× (square), 11 500× (hole), 165 000× (data). */
export const PIXEL_SIZES = { gridSquare: 4.1562760344504568e-8, foilHole: 1.6359115173614214e-9, exposure: 1.0558814239614023e-10 };

/** Defocus targets EPU cycles through, hole by hole (m). */
export const DEFOCUS_LIST_M = [-2.4e-6, -2.1e-6, -1.8e-6, -1.5e-6, -1.2e-6, -0.9e-6];

function areasOnRing(count: number, holeSizeM: number, ids: EpuIdAllocator, phase: number): AcquisitionAreaPlan[] {
  // Exposures sit on a ring inside the hole, as in EPU's target-area template.
  const r = count === 1 ? 0 : (holeSizeM * 0.3) / PIXEL_SIZES.foilHole;
  return Array.from({ length: count }, (_, k) => {
    const a = phase + (2 * Math.PI * k) / count;
    const id = ids.next(4);
    return { id, settingId: ids.next(2), shiftX: toSingle(r * Math.cos(a)), shiftY: toSingle(r * Math.sin(a)) };
  });
}

/** Decide the whole session. `visit` defaults to "visit" when neither options nor the caller give one. */
export function planSession(input: SynthPlanInput, visitFallback = "visit"): SessionPlan {
  const o = SynthPlanOptions.parse(input);
  const rng = createRng(o.seed);
  const startMs = Date.parse(o.startTime);
  const tb = new TimeBase(startMs);
  const ids = new EpuIdAllocator(rng);
  const stamp = (t: number): string => tb.fileStamp(t);
  const atlasStart = -seconds(TIMING.atlasBeforeSessionS);
  const atlas = planAtlas({
    rng,
    ids,
    minSquares: Math.max(Math.ceil(o.squares * 1.5), o.squares + 6),
    dirName: `Supervisor_${stamp(atlasStart)}_${o.name}_Atlas`,
    slot: rng.int(1, 12),
    startedAt: atlasStart,
    acquiredAt: atlasStart + seconds(rng.uniform(1500, 2400)),
  });

  const names = ["epuId", "storageFolderId", "gridId", "filterSquaresId", "filterHolesId", "iceSelectorId", "squareSelectorId", "templateId", "autoFocusId", "collectionBaseId"];
  const idMap: Record<string, string> = {};
  for (const n of names) idMap[n] = ids.next();
  const areas = areasOnRing(o.shotsPerHole, o.holeSizeUm * 1e-6, ids, rng.uniform(0, Math.PI));

  const ctx: SquareContext = {
    rng,
    ids,
    tb,
    holesPerSquare: o.holesPerSquare,
    extraTargets: o.extraTargetsPerSquare,
    holeSizeM: o.holeSizeUm * 1e-6,
    holeSpacingM: o.holeSpacingUm * 1e-6,
    holeLattice: o.holeLattice,
    areas,
    defocusListM: DEFOCUS_LIST_M,
    pixelSizes: PIXEL_SIZES,
  };
  // Acquire a random subset of the atlas squares, in reading order across the grid.
  const chosen = rng
    .shuffle(atlas.squares)
    .slice(0, o.squares)
    .sort((p, q) => Math.round(p.atlasY / 150) - Math.round(q.atlasY / 150) || p.atlasX - q.atlasX);
  const squares: SquarePlan[] = [];
  let t = seconds(TIMING.sessionSetupS);
  let holeOffset = 0;
  for (const [index, sq] of chosen.entries()) {
    const plan = planSquare(ctx, sq, index, t, holeOffset, atlas.rotation + rng.normal(0, 0.01));
    squares.push(plan);
    holeOffset += o.holesPerSquare;
    t = plan.endAt + SQUARE_GAP_TICKS;
  }
  return {
    visit: o.visit ?? visitFallback,
    windowsRoot: o.windowsRoot,
    sessionDirName: `Supervisor_${stamp(0)}_${o.name}_EPU`,
    epuId: idMap["epuId"]!,
    gridId: idMap["gridId"]!,
    ids: idMap,
    startMs,
    endAt: t,
    holeSizeM: o.holeSizeUm * 1e-6,
    holeSpacingM: o.holeSpacingUm * 1e-6,
    holeLattice: o.holeLattice,
    areas,
    defocusListM: DEFOCUS_LIST_M,
    pixelSizes: PIXEL_SIZES,
    atlas,
    squares,
  };
}

/** Windows path of a file under the visit, as EPU records it (`Z:\<visit>\...`). */
export function windowsPath(plan: SessionPlan, ...parts: string[]): string {
  return [plan.windowsRoot, plan.visit, ...parts].join("\\");
}
