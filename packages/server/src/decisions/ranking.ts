/**
 * A session's ranked order and next decision from its policy: the live
 * counterpart of the simulator's loop. The acquisition state is the model's
 * grid, EPU's selection (selected squares in ingest order), the holes already
 * shot, and the stage at the most recently shot hole. A selected square whose
 * holes are not known yet (EPU has not prepared it) is still a candidate: the
 * policy's `prepare` decision on it becomes go_to_square, without a next hole.
 */
import { AcquisitionState, DEFAULT_TIME_MODEL, TimeModel, policyByName, type Policy, type RankedSquare } from "@emflow/decisions";
import { HttpError } from "../http/http-error.js";
import type { RankedEntry } from "../model/decisions.js";
import type { SessionModel } from "./session-model.js";

/** What the policy advises now: an action on a grid square, with reasons and numbers. */
export interface NextDecision {
  /** go_to_square (switch there), stay (keep acquiring this square), stop_grid. */
  readonly action: "go_to_square" | "stay" | "stop_grid";
  readonly gridSquareId: string | null;
  readonly target: string | null;
  readonly reasons: string[];
  readonly numbers: Record<string, unknown>;
}

/** The ranked squares and the decision. */
export interface Ranking {
  readonly ranked: RankedEntry[];
  readonly decision: NextDecision | undefined;
}

const SELECTED_STATES = new Set(["Selected", "Queued", "InProgress", "Completed"]);

/**
 * Candidate squares in EPU's order: those EPU selected, and those it has said nothing about yet (EPU
 * writes a square's state and selection with its Metadata .dm, when it prepares the square; until then
 * an atlas square may still be acquired). Squares marked unselected, skipped, failed or unusable are out.
 */
function squareOrder(model: SessionModel): string[] {
  return [...model.squares.values()]
    .filter((s) => {
      if (s.unusable === true || s.selected === false) return false;
      if (s.selected === true) return true;
      return s.state === undefined || SELECTED_STATES.has(s.state);
    })
    .map((s) => s.id);
}

/** Squares EPU has prepared: their Metadata .dm was read (a hole count), or some of their holes are known. */
function preparedSquares(model: SessionModel): string[] {
  const withHoles = new Set([...model.holes.values()].map((h) => h.gridSquareId));
  return [...model.squares.values()].filter((s) => s.holeCount !== undefined || withHoles.has(s.id)).map((s) => s.id);
}

/** The acquisition state of the session as the policy sees it. */
export function acquisitionState(model: SessionModel, params: Record<string, unknown>): AcquisitionState {
  const parsed = TimeModel.safeParse(params.timeModel ?? {});
  if (!parsed.success) throw new HttpError(400, `decision settings: params.timeModel: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  const budgetHours = typeof params.budgetHours === "number" && params.budgetHours > 0 ? params.budgetHours : undefined;
  const shot = model.shotHoles.filter((h) => model.holes.has(h));
  const newest = shot.at(-1);
  const state = new AcquisitionState({
    predictor: model.predictor,
    timeModel: params.timeModel === undefined ? DEFAULT_TIME_MODEL : parsed.data,
    squareOrder: squareOrder(model),
    prepared: preparedSquares(model),
    acquired: newest === undefined ? shot : shot.slice(0, -1),
    ...(budgetHours === undefined ? {} : { budgetS: budgetHours * 3600 }),
  });
  // Shooting the newest hole puts the stage where the microscope is now.
  if (newest !== undefined) state.markAcquired(newest, 0);
  return state;
}

function entry(model: SessionModel, sq: RankedSquare, rank: number): RankedEntry {
  const n = sq.numbers;
  const predicted = n.predictedMean ?? model.predictor.predictSquare(sq.squareId).mean;
  return {
    gridSquareId: sq.squareId,
    naturalId: model.squares.get(sq.squareId)?.naturalId ?? sq.squareId,
    rank,
    score: n.expectedGoodPerHour ?? n.ucb ?? predicted,
    predicted,
    reasons: [...sq.reasons],
  };
}

/**
 * Rank the session's squares and decide with policy `name` (one policy instance per model and name);
 * computed once per state of the model, whoever asks.
 */
export function rankSquares(model: SessionModel, name: string, params: Record<string, unknown>): Ranking {
  return model.memo(`${model.version}|${name}|${JSON.stringify(params)}`, () => computeRanking(model, name, params));
}

function computeRanking(model: SessionModel, name: string, params: Record<string, unknown>): Ranking {
  const policy: Policy = model.policy(name, () => policyByName(name));
  const state = acquisitionState(model, params);
  const order = policy.rank(state);
  const ranked = order.squares.map((sq, i) => entry(model, sq, i + 1));
  const d = policy.next(state);
  if (d.action === "stop") return { ranked, decision: { action: "stop_grid", gridSquareId: null, target: null, reasons: [...d.reasons], numbers: { ...d.numbers } } };
  const here = state.position?.squareId;
  // acquire: a hole of this square (stay) or of another (go there); prepare: go to a square whose holes are not known yet.
  const nextHole = d.action === "acquire" ? { nextHole: model.holes.get(d.holeId)?.naturalId ?? d.holeId } : { unprepared: true };
  return {
    ranked,
    decision: {
      action: d.squareId === here ? "stay" : "go_to_square",
      gridSquareId: d.squareId,
      target: model.squares.get(d.squareId)?.naturalId ?? null,
      reasons: [...d.reasons],
      numbers: { ...d.numbers, ...nextHole },
    },
  };
}
