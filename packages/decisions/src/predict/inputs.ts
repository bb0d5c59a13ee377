/**
 * What the predictor knows of a grid before imaging: squares (position, size, flags) and holes
 * (position, image intensity, distance to the grid bar), in µm on the stage. Built from core's
 * entity fields or written directly (the simulator's scenarios).
 */
import type { FoilHoleFields, GridSquareFields } from "@emflow/core";

/** A grid square as the predictor sees it. */
export interface SquareInput {
  readonly id: string;
  /** Centre, µm (stage, or atlas px when a grid has no µm positions: only relative distances matter). */
  readonly xUm: number;
  readonly yUm: number;
  /** Side length of the open square, µm, when known. */
  readonly sizeUm?: number;
  /** EPU or the operator marked it unusable, or EPU failed on it. */
  readonly flagged?: boolean;
}

/** A foil hole as the predictor sees it. */
export interface HoleInput {
  readonly id: string;
  readonly squareId: string;
  readonly xUm: number;
  readonly yUm: number;
  /** Mean and standard deviation of the hole's pixels on the grid-square image (EPU's ice filter figures). */
  readonly intensityMean?: number;
  readonly intensityStdDev?: number;
  readonly nearGridBar?: boolean;
  /** Distance from the hole to the nearest grid bar, µm. */
  readonly edgeDistanceUm?: number;
}

/** A square input from core's GridSquareFields: stage centre, else the physical corner + half size. */
export function squareInputFromFields(id: string, f: GridSquareFields): SquareInput {
  const w = f.physicalWidthUm;
  const h = f.physicalHeightUm;
  const size = w !== undefined && h !== undefined ? Math.sqrt(w * h) : w ?? h;
  let x = f.stageXUm;
  let y = f.stageYUm;
  if ((x === undefined || y === undefined) && f.physicalXUm !== undefined && f.physicalYUm !== undefined) {
    x = f.physicalXUm + (w ?? 0) / 2;
    y = f.physicalYUm + (h ?? 0) / 2;
  }
  if (x === undefined || y === undefined) {
    x = f.atlasX ?? 0;
    y = f.atlasY ?? 0;
  }
  const flagged = f.unusable === true || f.state === "Failed";
  return { id, xUm: x, yUm: y, ...(size === undefined ? {} : { sizeUm: size }), ...(flagged ? { flagged } : {}) };
}

/**
 * A hole input from core's FoilHoleFields; `square` (its square's input) supplies the distance to
 * the grid bar (half the square's size minus the hole's larger offset from its centre).
 */
export function holeInputFromFields(id: string, squareId: string, f: FoilHoleFields, square?: SquareInput): HoleInput {
  const x = f.stageXUm ?? square?.xUm ?? 0;
  const y = f.stageYUm ?? square?.yUm ?? 0;
  let edge: number | undefined;
  if (square?.sizeUm !== undefined && f.stageXUm !== undefined && f.stageYUm !== undefined) {
    edge = Math.max(0, square.sizeUm / 2 - Math.max(Math.abs(x - square.xUm), Math.abs(y - square.yUm)));
  }
  return {
    id,
    squareId,
    xUm: x,
    yUm: y,
    ...(f.intensityMean === undefined ? {} : { intensityMean: f.intensityMean }),
    ...(f.intensityStdDev === undefined ? {} : { intensityStdDev: f.intensityStdDev }),
    ...(f.nearGridBar === undefined ? {} : { nearGridBar: f.nearGridBar }),
    ...(edge === undefined ? {} : { edgeDistanceUm: edge }),
  };
}
