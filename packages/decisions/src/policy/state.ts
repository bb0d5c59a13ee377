/**
 * The acquisition state a policy decides on: the grid model, the operator's selection in EPU's
 * order, what has been shot, where the stage is, and the time used and left. The simulator
 * drives one; the server builds one from the store.
 */
import type { GridPredictor } from "../predict/grid-predictor.js";
import { clusterOf, holeSeconds, squareSwitchSeconds, type StagePosition, type TimeModel } from "./time-model.js";

/** What an AcquisitionState is built from. */
export interface AcquisitionStateInit {
  readonly predictor: GridPredictor;
  readonly timeModel: TimeModel;
  /** Selected squares in EPU's order (default: every square of the predictor, in its order). */
  readonly squareOrder?: readonly string[];
  /** Selected holes (default: every hole). */
  readonly selectedHoles?: Iterable<string>;
  /** Holes already shot (results may still be pending). */
  readonly acquired?: Iterable<string>;
  readonly position?: StagePosition;
  readonly elapsedS?: number;
  /** Total time for this grid, s (default: unlimited). */
  readonly budgetS?: number;
}

/** Mutable acquisition state: the policy reads it, the driver (simulator, live session) updates it. */
export class AcquisitionState {
  readonly predictor: GridPredictor;
  readonly timeModel: TimeModel;
  readonly budgetS: number;
  elapsedS: number;
  position: StagePosition | undefined;
  private readonly order: readonly string[];
  private readonly selected: Set<string> | undefined;
  private readonly acquiredSet: Set<string>;
  private readonly open = new Map<string, string[]>();
  private readonly clusters = new Map<string, { key: string; xUm: number; yUm: number }>();
  private readonly visited = new Set<string>();

  /** A state from its parts (see AcquisitionStateInit for defaults). */
  constructor(init: AcquisitionStateInit) {
    this.predictor = init.predictor;
    this.timeModel = init.timeModel;
    this.order = init.squareOrder ?? init.predictor.squareIds();
    this.selected = init.selectedHoles === undefined ? undefined : new Set(init.selectedHoles);
    this.acquiredSet = new Set(init.acquired ?? []);
    this.position = init.position;
    this.elapsedS = init.elapsedS ?? 0;
    this.budgetS = init.budgetS ?? Number.POSITIVE_INFINITY;
    for (const id of this.acquiredSet) {
      const sq = this.predictor.hole(id)?.squareId;
      if (sq !== undefined) this.visited.add(sq);
    }
    if (this.position !== undefined) this.visited.add(this.position.squareId);
  }

  /** Seconds left in the budget. */
  get remainingS(): number {
    return Math.max(0, this.budgetS - this.elapsedS);
  }

  /** Selected squares in EPU's order. */
  squareOrder(): readonly string[] {
    return this.order;
  }

  /** Selected holes of a square not yet shot, in EPU's order. */
  candidates(squareId: string): readonly string[] {
    let c = this.open.get(squareId);
    if (c === undefined) {
      c = this.predictor.holesOf(squareId).filter((h) => !this.acquiredSet.has(h) && (this.selected === undefined || this.selected.has(h)));
      this.open.set(squareId, c);
    }
    return c;
  }

  /** Whether a hole has been shot. */
  isAcquired(holeId: string): boolean {
    return this.acquiredSet.has(holeId);
  }

  /** Holes shot so far. */
  get acquiredCount(): number {
    return this.acquiredSet.size;
  }

  /** Squares the stage has been to. */
  get squaresVisited(): number {
    return this.visited.size;
  }

  /** The image-shift cluster of a hole (stage position that reaches it). */
  clusterOf(holeId: string): { key: string; xUm: number; yUm: number } {
    let c = this.clusters.get(holeId);
    if (c === undefined) {
      const h = this.predictor.hole(holeId);
      const s = h === undefined ? undefined : this.predictor.square(h.squareId);
      if (h === undefined || s === undefined) throw new RangeError(`unknown foil hole ${holeId}`);
      c = clusterOf(h, s, this.timeModel);
      this.clusters.set(holeId, c);
    }
    return c;
  }

  /** Seconds to shoot `holeId` from the current position: square switch (if another square) and the hole itself. */
  costOf(holeId: string): { switchS: number; holeS: number } {
    const h = this.predictor.hole(holeId);
    if (h === undefined) throw new RangeError(`unknown foil hole ${holeId}`);
    const c = this.clusterOf(holeId);
    if (this.position === undefined || this.position.squareId !== h.squareId) {
      const d = this.position === undefined ? 0 : Math.hypot(c.xUm - this.position.xUm, c.yUm - this.position.yUm);
      // The switch ends at the hole's cluster, focused: the hole then costs what a same-cluster hole does.
      return { switchS: squareSwitchSeconds(d, this.timeModel), holeS: holeSeconds(true, this.timeModel) };
    }
    return { switchS: 0, holeS: holeSeconds(this.position.cluster === c.key, this.timeModel) };
  }

  /** Seconds to switch to square `squareId` from the current position (0 when already there). */
  switchCostTo(squareId: string): number {
    if (this.position?.squareId === squareId) return 0;
    const s = this.predictor.square(squareId);
    if (s === undefined) throw new RangeError(`unknown grid square ${squareId}`);
    const d = this.position === undefined ? 0 : Math.hypot(s.xUm - this.position.xUm, s.yUm - this.position.yUm);
    return squareSwitchSeconds(d, this.timeModel);
  }

  /** Record that `holeId` was shot (the stage is now at its cluster) and the seconds it took. */
  markAcquired(holeId: string, seconds = 0): void {
    const h = this.predictor.hole(holeId);
    if (h === undefined) throw new RangeError(`unknown foil hole ${holeId}`);
    const c = this.clusterOf(holeId);
    this.acquiredSet.add(holeId);
    const list = this.open.get(h.squareId);
    if (list !== undefined) {
      const i = list.indexOf(holeId);
      if (i >= 0) list.splice(i, 1);
    }
    this.position = { squareId: h.squareId, cluster: c.key, xUm: c.xUm, yUm: c.yUm };
    this.visited.add(h.squareId);
    this.elapsedS += seconds;
  }
}
