/**
 * One grid square's acquisition: its refined position and image, the foil
 * holes found on it (a square or hexagonal lattice clipped to the open area)
 * and, for the selected holes, the hole image and the exposures, with times.
 */
import { EmflowError } from "@emflow/core";
import { seconds, toSingle, type TimeBase } from "./format.js";
import type { EpuIdAllocator } from "./ids.js";
import type { Rng } from "./prng.js";
import type { AcquisitionAreaPlan, AtlasSquarePlan, HolePlan, ImagePlan, ShotPlan, SquarePlan, Stage } from "./plan-types.js";
import { TIMING } from "./timing.js";

/** Readout size of every image (K3, binned), and its centre. */
export const IMAGE_W = 2880;
export const IMAGE_H = 2046;

export interface SquareContext {
  rng: Rng;
  ids: EpuIdAllocator;
  tb: TimeBase;
  holesPerSquare: number;
  extraTargets: number;
  holeSizeM: number;
  holeSpacingM: number;
  holeLattice: "square" | "hexagonal";
  areas: readonly AcquisitionAreaPlan[];
  defocusListM: readonly number[];
  pixelSizes: { gridSquare: number; foilHole: number; exposure: number };
}

const jitter = (rng: Rng): number[] => Array.from({ length: 6 }, () => rng.uniform(-1, 1));

function duration(rng: Rng, s: number): number {
  return seconds(s * (1 + rng.uniform(-TIMING.jitter, TIMING.jitter)));
}

function image(ctx: SquareContext, prefix: string, stampAt: number, stage: Stage): ImagePlan {
  const { rng } = ctx;
  return {
    base: `${prefix}_${ctx.tb.fileStamp(stampAt)}`,
    stampAt,
    acquiredAt: stampAt + seconds(rng.uniform(1, 2.5)),
    uniqueId: rng.uuid(),
    guid: rng.uuid(),
    stage,
    jitter: jitter(rng),
  };
}

/** Hole centres (m) in the square's own frame, fully inside the open area. */
export function holeLattice(sizeM: number, holeSizeM: number, spacingM: number, kind: "square" | "hexagonal", rng: Rng) {
  const half = sizeM / 2 - holeSizeM / 2 - 0.2e-6;
  const rowPitch = kind === "hexagonal" ? (spacingM * Math.sqrt(3)) / 2 : spacingM;
  const ox = rng.uniform(0, spacingM);
  const oy = rng.uniform(0, rowPitch);
  const out: Array<{ u: number; v: number; row: number }> = [];
  const n = Math.ceil(sizeM / Math.min(spacingM, rowPitch)) + 2;
  for (let j = -n; j <= n; j++) {
    const shift = kind === "hexagonal" && j % 2 !== 0 ? spacingM / 2 : 0;
    for (let i = -n; i <= n; i++) {
      const u = i * spacingM + ox + shift - spacingM / 2;
      const v = j * rowPitch + oy - rowPitch / 2;
      if (Math.abs(u) <= half && Math.abs(v) <= half) out.push({ u, v, row: j });
    }
  }
  return out;
}

/** Plan square `index` starting at tick `startAt`; `holeOffset` counts holes of earlier squares (defocus cycling). */
export function planSquare(ctx: SquareContext, atlas: AtlasSquarePlan, index: number, startAt: number, holeOffset: number, rotation: number): SquarePlan {
  const { rng, ids, pixelSizes: ps } = ctx;
  const wanted = ctx.holesPerSquare + ctx.extraTargets;
  const lattice = holeLattice(atlas.sizeM, ctx.holeSizeM, ctx.holeSpacingM, ctx.holeLattice, rng);
  if (lattice.length < wanted) {
    throw new EmflowError(
      "ValidationError",
      `only ${lattice.length} holes of ${(ctx.holeSizeM * 1e6).toFixed(2)} µm at ${(ctx.holeSpacingM * 1e6).toFixed(2)} µm spacing fit in a ${(atlas.sizeM * 1e6).toFixed(1)} µm square; asked for ${wanted} target locations per square`,
    );
  }
  const stage: Stage = {
    x: atlas.stage.x + rng.normal(0, 0.5e-6),
    y: atlas.stage.y + rng.normal(0, 0.5e-6),
    z: rng.normal(85e-6, 2e-6),
    a: -0.00023951923150003149 + rng.normal(0, 1e-5),
    b: 0.0167836925,
  };
  const squareImage = image(ctx, "GridSquare", startAt + duration(rng, TIMING.squareSetupS * 0.8), stage);
  const metadataAt = squareImage.stampAt + seconds(10);

  // Pick the targets at random across the square (so some sit near the bars), then order the
  // selected ones the way EPU walks them: row by row, alternating direction.
  const picked = rng.shuffle(lattice).slice(0, wanted);
  const selected = picked.slice(0, ctx.holesPerSquare).sort((p, q) => q.row - p.row || (q.row % 2 === 0 ? p.u - q.u : q.u - p.u));
  const extra = picked.slice(ctx.holesPerSquare).sort((p, q) => q.row - p.row || p.u - q.u);
  const cos = Math.cos(rotation);
  const sin = Math.sin(rotation);
  const half = atlas.sizeM / 2;
  let t = metadataAt + seconds(1);
  const holes: HolePlan[] = [...selected, ...extra].map((p, order) => {
    const dx = p.u * cos - p.v * sin;
    const dy = p.u * sin + p.v * cos;
    const holeStage: Stage = { ...stage, x: stage.x + dx, y: stage.y + dy };
    const nearGridBar = Math.min(half - Math.abs(p.u), half - Math.abs(p.v)) < ctx.holeSizeM * 1.25;
    const isSelected = order < ctx.holesPerSquare;
    const hole: HolePlan = {
      id: ids.next(2),
      order,
      selected: isSelected,
      pixelX: toSingle(IMAGE_W / 2 + dx / ps.gridSquare),
      pixelY: toSingle(IMAGE_H / 2 - dy / ps.gridSquare),
      diameterPx: toSingle(ctx.holeSizeM / ps.gridSquare),
      stage: holeStage,
      nearGridBar,
      intensityMean: nearGridBar ? Math.max(5, rng.normal(300, 120)) : rng.normal(690, 35),
      intensityStdDev: Math.max(2, rng.normal(24, 4)),
      image: undefined,
      shots: [],
      startAt: 0,
      endAt: 0,
    };
    return hole;
  });
  // Exposures get their ids (ParticleAcquisition) as they happen, after all target locations.
  for (const hole of holes) {
    if (!hole.selected) continue;
    hole.startAt = t;
    const fhStage: Stage = { ...hole.stage, x: hole.stage.x + rng.normal(0, 40e-9), y: hole.stage.y + rng.normal(0, 40e-9) };
    const w = toSingle((ctx.holeSizeM / ps.foilHole) * (1 + rng.normal(0, 0.01)));
    hole.image = {
      ...image(ctx, `FoilHole_${hole.id}`, t + duration(rng, TIMING.holeAlignS * 0.6), fhStage),
      found: {
        x: toSingle(IMAGE_W / 2 + rng.normal(0, 25)),
        y: toSingle(IMAGE_H / 2 + rng.normal(0, 25)),
        w,
        h: toSingle(w * (1 + rng.normal(0, 0.002))),
        quality: rng.uniform(0.7, 0.95),
        rotation: rng.uniform(-Math.PI, Math.PI),
      },
    };
    let s = t + duration(rng, TIMING.holeAlignS);
    const defocusM = ctx.defocusListM[(holeOffset + hole.order) % ctx.defocusListM.length]!;
    hole.shots = ctx.areas.map((area): ShotPlan => {
      const shotStage: Stage = { ...hole.stage, x: hole.stage.x + area.shiftX * ps.foilHole, y: hole.stage.y - area.shiftY * ps.foilHole };
      const img = image(ctx, `FoilHole_${hole.id}_Data_${area.id}_${area.settingId}`, s, shotStage);
      s += duration(rng, TIMING.exposureS);
      return {
        name: img.base,
        areaId: area.id,
        settingId: area.settingId,
        acquisitionId: ids.next(5),
        image: img,
        defocusM,
        doseM2: 4.0e21 * (1 + rng.normal(0, 0.01)),
        doseRate: 16 * (1 + rng.normal(0, 0.01)),
      };
    });
    hole.endAt = s;
    t = s;
  }
  return { atlas, index, stage, rotation, image: squareImage, holes, startAt, metadataAt, endAt: t };
}
