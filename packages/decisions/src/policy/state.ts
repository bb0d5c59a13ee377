/**
 * The acquisition state a policy decides on: the grid model, the operator's selection in EPU's
 * order, which squares EPU has prepared (their holes known), what has been shot, where the stage
 * is, and the time used and left. The simulator drives one; the server builds one from the store.
 *
 * A selected square is *unprepared* while none of its holes is known and the stage has not been
 * there: policies may still choose it (a `prepare` decision), valuing it by its square prediction
 * and an estimated number of holes (see unprepared.ts).
 */
import type { GridPredictor } from "../predict/grid-predictor.js";
import type { HoleInput } from "../predict/inputs.js";
import { clusterOf, holeSeconds, squareSwitchSeconds, type StagePosition, type TimeModel } from "./time-model.js";
import { averageHoleSeconds, expectedHolesOf, gridProfile, type GridProfile } from "./unprepared.js";

/** The cluster key of a stage position just after preparing a square (at its centre, focused). */
export const ARRIVED_CLUSTER = "";

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
  /** Squares whose holes are known even if none are (default: those with known holes or visited). */
  readonly prepared?: Iterable<string>;
  /** Hole pitch of the grid, µm, when known: sizes an unprepared square before any is prepared. */
  readonly holePitchUm?: number;
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
  private selected: Set<string> | undefined;
  private readonly preparedSet: Set<string>;
  private readonly holePitchUm: number | undefined;
  private layout = 0;
  private profile: { layout: number; value: GridProfile } | undefined;
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
    this.preparedSet = new Set(init.prepared ?? []);
    this.holePitchUm = init.holePitchUm;
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

  /** Bumped whenever a square is prepared: a cache key for what depends on which squares are known. */
  get layoutVersion(): number {
    return this.layout;
  }

  /** Whether EPU has prepared a square: its holes are known, it was declared prepared, or the stage has been there. */
  isPrepared(squareId: string): boolean {
    return this.preparedSet.has(squareId) || this.visited.has(squareId) || this.predictor.holesOf(squareId).length > 0;
  }

  /** Selected squares not prepared yet, in EPU's order. */
  unpreparedSquares(): string[] {
    return this.order.filter((sq) => !this.isPrepared(sq));
  }

  /** Whether a square still offers something: selected holes left, or it is unprepared. */
  isOpen(squareId: string): boolean {
    return this.isPrepared(squareId) ? this.candidates(squareId).length > 0 : true;
  }

  /** Selected holes a square offers: those left when it is prepared, the estimate (unprepared.ts) when not. */
  expectedHoles(squareId: string): number {
    if (this.isPrepared(squareId)) return this.candidates(squareId).length;
    return expectedHolesOf(this.gridProfile(), this.predictor.square(squareId)?.sizeUm);
  }

  /** Average seconds per hole once at a square (clusters' stage moves and autofocus spread over its holes). */
  expectedHoleSeconds(squareId: string): number {
    if (this.isPrepared(squareId)) {
      const c = this.candidates(squareId);
      return averageHoleSeconds(c.length, new Set(c.map((h) => this.clusterOf(h).key)).size, this.timeModel);
    }
    const n = this.expectedHoles(squareId);
    return averageHoleSeconds(n, Math.ceil(n / this.gridProfile().holesPerCluster), this.timeModel);
  }

  /** Seconds to get to a square ready to shoot: the switch, and its preparation when unprepared. */
  arrivalCostTo(squareId: string): number {
    return this.switchCostTo(squareId) + (this.isPrepared(squareId) ? 0 : this.timeModel.squarePrepareS);
  }

  // Median figures of the prepared selected squares, recomputed when a square is prepared.
  private gridProfile(): GridProfile {
    if (this.profile?.layout === this.layout) return this.profile.value;
    const stats = this.order
      .filter((sq) => this.isPrepared(sq))
      .map((sq) => {
        const holes = this.predictor.holesOf(sq).filter((h) => this.selected === undefined || this.selected.has(h));
        const size = this.predictor.square(sq)?.sizeUm;
        return { holes: holes.length, clusters: new Set(holes.map((h) => this.clusterOf(h).key)).size, ...(size === undefined ? {} : { sizeUm: size }) };
      });
    const value = gridProfile(stats, this.timeModel, this.holePitchUm);
    this.profile = { layout: this.layout, value };
    return value;
  }

  /**
   * The stage went to `squareId` and EPU prepared it: its holes (`selected` of them, default all)
   * join the model and the candidates; the stage is at the square's centre, focused (its first hole
   * costs what a same-cluster hole does), after `seconds`.
   */
  prepare(squareId: string, holes: readonly HoleInput[], selected?: Iterable<string>, seconds = 0): void {
    const s = this.predictor.square(squareId);
    if (s === undefined) throw new RangeError(`unknown grid square ${squareId}`);
    for (const h of holes) this.predictor.addHole(h);
    if (this.selected !== undefined || selected !== undefined) {
      this.selected ??= new Set(this.predictor.squareIds().flatMap((sq) => (sq === squareId ? [] : this.predictor.holesOf(sq))));
      for (const h of selected ?? holes.map((x) => x.id)) this.selected.add(h);
    }
    this.preparedSet.add(squareId);
    this.visited.add(squareId);
    this.open.delete(squareId);
    this.layout++;
    this.position = { squareId, cluster: ARRIVED_CLUSTER, xUm: s.xUm, yUm: s.yUm };
    this.elapsedS += seconds;
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
    return { switchS: 0, holeS: holeSeconds(this.position.cluster === c.key || this.position.cluster === ARRIVED_CLUSTER, this.timeModel) };
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
