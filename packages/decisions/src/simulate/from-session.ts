/**
 * A scenario from a recorded, processed session, so the engine replays a real grid: squares and
 * holes from core's entity fields, each hole's hidden probability of a good micrograph from its
 * own judged results (Jeffreys posterior mean (good + ½) / (n + 1)). Holes never imaged fall back
 * to their square's pooled posterior mean, and to the whole grid's when the square has none.
 */
import type { FoilHoleFields, GridSquareFields, MicrographMetrics } from "@emflow/core";
import { holeInputFromFields, squareInputFromFields } from "../predict/inputs.js";
import { TimeModel } from "../policy/time-model.js";
import { DEFAULT_QUALITY_RULE, judgeMicrograph, type QualityRule } from "../quality/rule.js";
import { SCENARIO_FORMAT, parseScenario, type Scenario, type ScenarioHole, type ScenarioSquare } from "./scenario.js";

/** A recorded session: squares in EPU's order, holes, and each micrograph's metrics with its hole. */
export interface SessionRecord {
  readonly name?: string;
  readonly squares: readonly { readonly id: string; readonly fields: GridSquareFields }[];
  readonly holes: readonly { readonly id: string; readonly squareId: string; readonly fields: FoilHoleFields }[];
  readonly micrographs: readonly { readonly foilHoleId: string; readonly metrics: MicrographMetrics }[];
}

// Relative ice thickness t/λ back to nm (λ ≈ 350 nm), for the shape of replayed metrics.
const LAMBDA_NM = 350;
const ACQUIRED_STATES = new Set(["Selected", "Queued", "InProgress", "Completed"]);

const jeffreys = (good: number, n: number): number => (good + 0.5) / (n + 1);

/** Build a scenario from a session record (validated like a file: ids, ranges, references). */
export function scenarioFromSession(session: SessionRecord, options: { rule?: QualityRule; timeModel?: Partial<TimeModel> } = {}): Scenario {
  const rule = options.rule ?? DEFAULT_QUALITY_RULE;
  const holeSquare = new Map(session.holes.map((h) => [h.id, h.squareId]));
  const perHole = new Map<string, { good: number; n: number; ice: number; iceN: number }>();
  const perSquare = new Map<string, { good: number; n: number }>();
  let gridGood = 0;
  let gridN = 0;
  for (const m of session.micrographs) {
    const sq = holeSquare.get(m.foilHoleId);
    if (sq === undefined) continue;
    const v = judgeMicrograph(m.metrics, rule);
    if (v.label === "pending") continue;
    const good = v.label === "good" ? 1 : 0;
    const h = perHole.get(m.foilHoleId) ?? { good: 0, n: 0, ice: 0, iceN: 0 };
    h.good += good;
    h.n++;
    if (m.metrics.iceMedian !== undefined) {
      h.ice += m.metrics.iceMedian * LAMBDA_NM;
      h.iceN++;
    }
    perHole.set(m.foilHoleId, h);
    const s = perSquare.get(sq) ?? { good: 0, n: 0 };
    s.good += good;
    s.n++;
    perSquare.set(sq, s);
    gridGood += good;
    gridN++;
  }
  const squareInputs = new Map(session.squares.map((s) => [s.id, squareInputFromFields(s.id, s.fields)]));
  const squares: ScenarioSquare[] = session.squares.map((s) => {
    const q = squareInputs.get(s.id)!;
    const imaged = perSquare.has(s.id);
    const selected = imaged || (s.fields.selected ?? (s.fields.state === undefined ? true : ACQUIRED_STATES.has(s.fields.state)));
    return { id: s.id, xUm: q.xUm, yUm: q.yUm, ...(q.sizeUm === undefined ? {} : { sizeUm: q.sizeUm }), ...(s.fields.state === undefined ? {} : { state: s.fields.state }), selected, ...(q.flagged === undefined ? {} : { flagged: q.flagged }) };
  });
  const holes: ScenarioHole[] = session.holes
    .filter((h) => squareInputs.has(h.squareId))
    .map((h) => {
      const input = holeInputFromFields(h.id, h.squareId, h.fields, squareInputs.get(h.squareId));
      const obs = perHole.get(h.id);
      const sq = perSquare.get(h.squareId);
      const pGood = obs !== undefined ? jeffreys(obs.good, obs.n) : sq !== undefined ? jeffreys(sq.good, sq.n) : jeffreys(gridGood, gridN);
      const { id: _id, squareId: _sq, ...features } = input;
      return { id: h.id, squareId: h.squareId, ...features, selected: obs !== undefined || (h.fields.selected ?? true), pGood, ...(obs !== undefined && obs.iceN > 0 ? { iceNm: obs.ice / obs.iceN } : {}) };
    });
  return parseScenario({
    format: SCENARIO_FORMAT,
    version: 1,
    name: session.name ?? "recorded session",
    description: `replay of a recorded session: ${perHole.size} imaged holes (${gridN} judged micrographs, ${gridGood} good); other holes use their square's or the grid's good fraction`,
    timeModel: TimeModel.parse(options.timeModel ?? {}),
    squares,
    holes,
  });
}
