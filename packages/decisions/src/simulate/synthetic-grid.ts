/**
 * A synthetic grid with a hidden quality field, as a scenario: a circular grid of squares on an
 * atlas lattice, an ice-thickness gradient across it, thicker ice near grid bars, contamination
 * patches, broken squares, square-to-square variation the images do not show, and the hole
 * intensities EPU's ice filter sees. Deterministic by seed.
 */
import { z } from "zod";
import { TimeModel } from "../policy/time-model.js";
import { Prng } from "./prng.js";
import { SCENARIO_FORMAT, type Scenario, type ScenarioHole, type ScenarioSquare } from "./scenario.js";
import { clusterOf } from "../policy/time-model.js";

/** Options of the synthetic grid. */
export const SyntheticGridOptions = z
  .object({
    seed: z.number().int().default(1),
    /** Grid squares on the atlas (a disc of them on a square lattice). */
    squares: z.number().int().min(4).max(5000).default(220),
    /** Grid bar pitch, µm (125: a 200-mesh grid). */
    squarePitchUm: z.number().positive().default(125),
    /** Spacing of the holes the operator's template targets, µm. */
    holePitchUm: z.number().positive().default(8),
    /** Mean ice thickness of a square at the grid's centre line, nm (best micrographs near 35). */
    iceMeanNm: z.number().min(0).default(38),
    /** Ice thickness change across the grid, nm from the centre to the rim along the gradient. */
    iceGradientNm: z.number().default(30),
    timeModel: TimeModel.partial().default({}),
  })
  .strict();
export type SyntheticGridOptions = z.input<typeof SyntheticGridOptions>;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const logit = (p: number): number => Math.log(p / (1 - p));
const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** Probability of a good micrograph from ice thickness alone: best near 35 nm, poor below 15 or above 60. */
export function iceQuality(nm: number): number {
  return 0.01 + 0.9 * Math.exp(-0.5 * ((nm - 35) / 16) ** 2);
}

/** Generate the synthetic grid scenario. */
export function syntheticScenario(options: SyntheticGridOptions = {}): Scenario {
  const o = SyntheticGridOptions.parse(options);
  const tm = TimeModel.parse(o.timeModel);
  const root = new Prng(o.seed);
  const rng = root.fork("squares");
  const holeRng = root.fork("holes");
  // Lattice positions inside a disc, nearest the centre first, then listed in EPU's serpentine order.
  const n = Math.ceil(Math.sqrt((o.squares * 4) / Math.PI)) + 1;
  const cells: { i: number; j: number; r: number }[] = [];
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) cells.push({ i, j, r: Math.hypot(i - (n - 1) / 2, j - (n - 1) / 2) });
  const chosen = cells.sort((a, b) => a.r - b.r).slice(0, o.squares);
  chosen.sort((a, b) => a.j - b.j || (a.j % 2 === 0 ? a.i - b.i : b.i - a.i));
  const radiusUm = Math.max(...chosen.map((c) => c.r)) * o.squarePitchUm + o.squarePitchUm / 2;

  const theta = rng.uniform(0, 2 * Math.PI);
  const patches = Array.from({ length: 2 + rng.int(4) }, () => {
    const r = radiusUm * Math.sqrt(rng.next());
    const a = rng.uniform(0, 2 * Math.PI);
    return { x: r * Math.cos(a), y: r * Math.sin(a), sigma: rng.uniform(100, 260), strength: rng.uniform(0.6, 1) };
  });
  const contamination = (x: number, y: number): number => Math.min(1, patches.reduce((s, p) => s + p.strength * Math.exp(-((x - p.x) ** 2 + (y - p.y) ** 2) / (2 * p.sigma ** 2)), 0));

  const squares: ScenarioSquare[] = [];
  const holes: ScenarioHole[] = [];
  let holeId = 1;
  chosen.forEach((c, k) => {
    const id = String(1000 + k);
    const x = (c.i - (n - 1) / 2) * o.squarePitchUm;
    const y = (c.j - (n - 1) / 2) * o.squarePitchUm;
    const size = clamp(rng.normal(0.58, 0.06), 0.4, 0.72) * o.squarePitchUm;
    const broken = rng.bernoulli(0.06);
    const visiblyBroken = broken && rng.bernoulli(0.6);
    const u = (x * Math.cos(theta) + y * Math.sin(theta)) / radiusUm;
    // Ice: a gradient across the grid, thicker at the rim and in small squares, plus square scatter.
    const iceSquare = o.iceMeanNm + o.iceGradientNm * u + 12 * (Math.hypot(x, y) / radiusUm) ** 2 + (0.58 * o.squarePitchUm - size) * 0.6 + rng.normal(0, 12);
    const hiddenEffect = rng.normal(0, 0.8);
    const gain = 1 + rng.normal(0, 0.02);
    squares.push({ id, xUm: x, yUm: y, sizeUm: size, state: visiblyBroken ? "Defined" : "Selected", selected: !visiblyBroken });
    // Holes on a lattice over the open area, listed by image-shift cluster (EPU groups them so).
    const half = size / 2 - 1.5;
    const m = Math.floor((2 * half) / o.holePitchUm);
    const list: ScenarioHole[] = [];
    for (let b = 0; b <= m; b++) {
      for (let a = 0; a <= m; a++) {
        const hx = x - half + a * o.holePitchUm + holeRng.normal(0, 0.3);
        const hy = y - half + b * o.holePitchUm + holeRng.normal(0, 0.3);
        const edge = Math.max(0, size / 2 - Math.max(Math.abs(hx - x), Math.abs(hy - y)));
        const cont = contamination(hx, hy);
        let ice: number;
        let p: number;
        if (broken) {
          ice = holeRng.uniform(0, 4);
          p = 0.01;
        } else {
          ice = Math.max(0, iceSquare + 35 * Math.max(0, 1 - edge / 12) ** 2 + holeRng.normal(0, 5));
          const nearBar = edge < 6 ? -0.6 : 0;
          p = sigmoid(logit(iceQuality(ice)) + hiddenEffect - 3.5 * cont + nearBar + holeRng.normal(0, 0.3));
        }
        const intensity = 1000 * gain * Math.exp(-ice / 150) * (1 + holeRng.normal(0, 0.02)) - 120 * cont;
        const sd = 15 + 0.1 * ice + 35 * cont + Math.abs(holeRng.normal(0, 4));
        // EPU's ice filter: neither empty (brightest) nor too dark.
        const selected = intensity > 560 && intensity < 960;
        list.push({ id: String(holeId++), squareId: id, xUm: round(hx), yUm: round(hy), intensityMean: round(intensity), intensityStdDev: round(sd), nearGridBar: edge < 6, edgeDistanceUm: round(edge), selected, pGood: round(p, 4), iceNm: round(ice) });
      }
    }
    const sq = { xUm: x, yUm: y };
    const keyed = list.map((h) => ({ h, c: clusterOf(h, sq, tm) }));
    keyed.sort((p, q) => p.c.yUm - q.c.yUm || p.c.xUm - q.c.xUm);
    holes.push(...keyed.map((e) => e.h));
  });
  return {
    format: SCENARIO_FORMAT,
    version: 1,
    name: `synthetic grid, seed ${o.seed}`,
    description: `${squares.length} squares, ${holes.length} holes, ${patches.length} contamination patches; hidden pGood per hole`,
    timeModel: tm,
    squares,
    holes,
  };
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
