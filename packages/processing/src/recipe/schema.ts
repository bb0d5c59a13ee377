/**
 * The recipe file format (zocalo / python-workflows recipes, as used by
 * cryoem-services): numbered steps, each a service consuming a queue with
 * its parameters and its outputs (a step number, a list of them, or named
 * channels mapping to step numbers), and `start: [[step, payload], ...]`.
 *
 *   { "1": { "queue": "motioncorr", "service": "MotionCorr",
 *            "parameters": { "movie": "{movie}" }, "output": { "ctffind": 2 } },
 *     "2": { "queue": "ctffind", "service": "CTFFind" },
 *     "start": [[1, []]] }
 *
 * Beyond the shape, a recipe must be a DAG: every referenced step exists,
 * every step is reachable from `start`, and nothing loops back.
 */
import { z } from "zod";
import { EmflowError } from "@emflow/core";
import type { Json } from "../queue/transport.js";

const StepNumber = z.number().int().positive();
const Links = z.union([StepNumber, z.array(StepNumber).min(1)]);

/** Where a step's results go: unnamed stepDestinations, or named channels. */
export const RecipeOutput = z.union([Links, z.record(z.string().min(1), Links)]);
export type RecipeOutput = z.infer<typeof RecipeOutput>;

/** One step. Unknown fields are kept (recipes carry tool-specific extras). */
export const RecipeStep = z.looseObject({
  queue: z.string().min(1),
  service: z.string().min(1).optional(),
  parameters: z.record(z.string(), z.json()).optional(),
  output: RecipeOutput.optional(),
});
export type RecipeStep = z.infer<typeof RecipeStep>;

/** A recipe: its steps by number, and where it starts. */
export interface Recipe {
  readonly steps: Readonly<Record<number, RecipeStep>>;
  readonly start: readonly (readonly [number, Json])[];
}

const Start = z.array(z.tuple([StepNumber, z.json()])).min(1);
const STEP_KEY = /^[1-9][0-9]*$/;

/** The step numbers a step sends to, with the path of each reference. */
export function stepDestinations(step: RecipeStep): { step: number; channel: string | undefined }[] {
  const out = step.output;
  if (out === undefined) return [];
  const flat = (l: number | number[], channel: string | undefined) => (Array.isArray(l) ? l : [l]).map((s) => ({ step: s, channel }));
  if (typeof out === "number" || Array.isArray(out)) return flat(out, undefined);
  return Object.entries(out).flatMap(([channel, l]) => flat(l, channel));
}

/** Where a recipe was read from, for error messages. */
export interface RecipeSource {
  readonly file: string;
  /** The file's text: lets the error point at the line of the first problem. */
  readonly text?: string;
}

/** One problem: where (keys from the root) and what. */
interface Problem {
  readonly path: readonly string[];
  readonly message: string;
}

/**
 * Parse and check a recipe; throws a ValidationError listing every problem
 * with its path (`2.output.ctffind: step 8 does not exist`), and the file and
 * line when `source` is given.
 */
export function parseRecipe(input: unknown, source?: RecipeSource): Recipe {
  const problems: Problem[] = [];
  const steps: Record<number, RecipeStep> = {};
  let start: [number, Json][] = [];
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw fail([{ path: [], message: "a recipe is a JSON object of numbered steps and 'start'" }], source);
  }
  for (const [key, value] of Object.entries(input)) {
    if (key === "start") {
      const r = Start.safeParse(value);
      if (r.success) start = r.data as [number, Json][];
      else problems.push(...issues("start", r.error));
    } else if (STEP_KEY.test(key)) {
      const r = RecipeStep.safeParse(value);
      if (r.success) steps[Number(key)] = r.data;
      else problems.push(...issues(key, r.error));
    } else {
      problems.push({ path: [key], message: "not a step number or 'start'" });
    }
  }
  if (!("start" in input)) problems.push({ path: ["start"], message: "missing (where does the recipe begin?)" });
  if (problems.length === 0) problems.push(...graphProblems(steps, start));
  if (problems.length > 0) throw fail(problems, source);
  return { steps, start };
}

/** Missing steps, cycles and unreachable steps. */
function graphProblems(steps: Record<number, RecipeStep>, start: readonly (readonly [number, Json])[]): Problem[] {
  const problems: Problem[] = [];
  for (const [i, [s]] of start.entries()) if (!(s in steps)) problems.push({ path: ["start", String(i)], message: `step ${s} does not exist` });
  for (const [n, step] of Object.entries(steps)) {
    for (const d of stepDestinations(step)) {
      if (!(d.step in steps)) problems.push({ path: d.channel === undefined ? [n, "output"] : [n, "output", d.channel], message: `step ${d.step} does not exist` });
    }
  }
  if (problems.length > 0) return problems;
  // Depth-first from every start; a step met again on the current path is a cycle.
  const state = new Map<number, "open" | "done">();
  const visit = (s: number, path: number[]): void => {
    if (state.get(s) === "done") return;
    if (state.get(s) === "open") {
      const loop = [...path.slice(path.indexOf(s)), s];
      if (!problems.some((p) => p.message.startsWith("cycle") && p.path[0] === String(path.at(-1)))) {
        problems.push({ path: [String(path.at(-1)), "output"], message: `cycle ${loop.join(" → ")}` });
      }
      return;
    }
    state.set(s, "open");
    for (const d of stepDestinations(steps[s]!)) visit(d.step, [...path, s]);
    state.set(s, "done");
  };
  for (const [s] of start) visit(s, []);
  for (const n of Object.keys(steps).map(Number)) if (!state.has(n)) problems.push({ path: [String(n)], message: "not reachable from start" });
  return problems;
}

function issues(prefix: string, error: z.ZodError): Problem[] {
  return error.issues.map((i) => ({ path: [prefix, ...i.path.map(String)], message: i.message }));
}

function fail(problems: readonly Problem[], source: RecipeSource | undefined): EmflowError {
  const text = (p: Problem) => `${p.path.length === 0 ? "(root)" : p.path.join(".")}: ${p.message}`;
  const shown = problems.slice(0, 5).map(text).join("; ");
  const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : "";
  const line = source?.text === undefined || problems[0] === undefined ? undefined : lineOf(source.text, problems[0].path);
  return new EmflowError("ValidationError", `invalid recipe: ${shown}${more}`, {
    ...(source === undefined ? {} : { file: source.file }),
    ...(line === undefined ? {} : { line }),
  });
}

/**
 * The line of a key path in JSON text, found by looking for each key in turn
 * after the previous one (array indices are not keys: the search stops there).
 * Right for recipes as people write them; best effort, not a JSON parser.
 */
export function lineOf(text: string, path: readonly string[]): number | undefined {
  let at = -1;
  for (const key of path) {
    const found = text.indexOf(JSON.stringify(key), at + 1);
    if (found < 0) break;
    at = found;
  }
  return at < 0 ? undefined : text.slice(0, at).split("\n").length;
}

/** The recipe in its file format again (what travels in recipe messages). */
export function recipeToJson(recipe: Recipe): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [n, step] of Object.entries(recipe.steps)) out[n] = step as Json;
  out.start = recipe.start.map(([s, p]) => [s, p]);
  return out;
}
