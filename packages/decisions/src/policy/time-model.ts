/**
 * The microscope time model: what each move and shot costs, in seconds. Policies use it to
 * weigh good micrographs against time; the simulator charges it. Defaults and their reasons
 * are in docs/DECISIONS.md.
 */
import { z } from "zod";

/** Time model settings (s, µm); every field has a documented default. */
export const TimeModel = z
  .object({
    /** Stage travel speed between squares, µm/s. */
    stageSpeedUmPerS: z.number().positive().default(150),
    /** Settling after any stage move, s. */
    stageSettleS: z.number().min(0).default(5),
    /** Extra cost of starting a new square: eucentric height, re-centring on the square, first autofocus. */
    squareSwitchS: z.number().min(0).default(75),
    /**
     * Preparing a square EPU has not prepared yet, on the first arrival (on top of the switch, which
     * already pays eucentric height, centring and the first autofocus): the grid-square image and
     * finding the holes with the ice filter and template. Never charged for a prepared square.
     */
    squarePrepareS: z.number().min(0).default(20),
    /** Stage move to another image-shift cluster within a square, with settling and drift wait. */
    holeStageMoveS: z.number().min(0).default(8),
    /** Autofocus at each new stage position within a square. */
    autofocusS: z.number().min(0).default(10),
    /** Image shift to a hole, with beam settling. */
    imageShiftS: z.number().min(0).default(2),
    /** Largest image shift from the stage position, µm: holes within reach share one stage position. */
    imageShiftRadiusUm: z.number().positive().default(10),
    /** One exposure with readout, s. */
    exposureS: z.number().positive().default(4),
    /** Exposures per hole. */
    shotsPerHole: z.number().int().min(1).max(20).default(1),
    /** Until a shot's processing result reaches the policy, s. */
    processingDelayS: z.number().min(0).default(60),
  })
  .strict();
export type TimeModel = z.infer<typeof TimeModel>;

/** The time model with every default. */
export const DEFAULT_TIME_MODEL: TimeModel = TimeModel.parse({});

/** A stage position: a square and, within it, an image-shift cluster. */
export interface StagePosition {
  readonly squareId: string;
  readonly cluster: string;
  readonly xUm: number;
  readonly yUm: number;
}

/**
 * The image-shift cluster of a hole: cells of side R·√2 aligned on the square's centre, so every
 * hole of a cell is within R of the cell's centre (where the stage goes).
 */
export function clusterOf(hole: { xUm: number; yUm: number }, square: { xUm: number; yUm: number }, tm: TimeModel): { key: string; xUm: number; yUm: number } {
  const side = tm.imageShiftRadiusUm * Math.SQRT2;
  const i = Math.floor((hole.xUm - square.xUm) / side);
  const j = Math.floor((hole.yUm - square.yUm) / side);
  return { key: `${i},${j}`, xUm: square.xUm + (i + 0.5) * side, yUm: square.yUm + (j + 0.5) * side };
}

/** Seconds to move to another square `distanceUm` away and make it ready (before the first hole). */
export function squareSwitchSeconds(distanceUm: number, tm: TimeModel): number {
  return distanceUm / tm.stageSpeedUmPerS + tm.stageSettleS + tm.squareSwitchS;
}

/** Seconds to shoot a hole: a stage move and autofocus when it is in another cluster, then image shift and exposures. */
export function holeSeconds(sameCluster: boolean, tm: TimeModel): number {
  return (sameCluster ? 0 : tm.holeStageMoveS + tm.autofocusS) + tm.imageShiftS + tm.shotsPerHole * tm.exposureS;
}
