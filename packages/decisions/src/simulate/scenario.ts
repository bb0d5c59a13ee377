/**
 * Scenario files: a grid (squares, holes with their pre-imaging features), the hidden
 * probability that each hole gives a good micrograph, and the time model, as versioned JSON.
 * Format documented in docs/DECISIONS.md; loading reports the JSON path of any problem.
 */
import { readFile, writeFile } from "node:fs/promises";
import { EmflowError, EpuTargetState } from "@emflow/core";
import { z } from "zod";
import { TimeModel } from "../policy/time-model.js";

/** The `format` value every scenario file carries. */
export const SCENARIO_FORMAT = "emflow.decisions.scenario";

const finite = z.number().refine(Number.isFinite, "must be a finite number");
const Id = z.string().min(1).max(64);

/** A grid square of a scenario: centre and open size in µm, EPU state, whether the operator selected it. */
export const ScenarioSquare = z
  .object({
    id: Id,
    xUm: finite,
    yUm: finite,
    sizeUm: z.number().positive().optional(),
    state: EpuTargetState.optional(),
    selected: z.boolean().default(true),
    flagged: z.boolean().optional(),
  })
  .strict();
export type ScenarioSquare = z.infer<typeof ScenarioSquare>;

/** A foil hole: position (µm), pre-imaging features, selection, and the hidden truth. */
export const ScenarioHole = z
  .object({
    id: Id,
    squareId: Id,
    xUm: finite,
    yUm: finite,
    intensityMean: finite.optional(),
    intensityStdDev: finite.optional(),
    nearGridBar: z.boolean().optional(),
    edgeDistanceUm: z.number().min(0).optional(),
    selected: z.boolean().default(true),
    /** Hidden: probability that one exposure here gives a good micrograph. */
    pGood: z.number().min(0).max(1),
    /** Hidden: ice thickness, nm (shapes the simulated metrics of bad shots; optional). */
    iceNm: z.number().min(0).optional(),
  })
  .strict();
export type ScenarioHole = z.infer<typeof ScenarioHole>;

/** A scenario file, version 1. Squares are listed in EPU's order; holes in EPU's order within their square. */
export const Scenario = z
  .object({
    format: z.literal(SCENARIO_FORMAT),
    version: z.literal(1),
    name: z.string().max(200).optional(),
    description: z.string().max(4000).optional(),
    timeModel: TimeModel.default(TimeModel.parse({})),
    squares: z.array(ScenarioSquare).min(1),
    holes: z.array(ScenarioHole),
  })
  .strict()
  .superRefine((s, ctx) => {
    const squares = new Set<string>();
    s.squares.forEach((q, i) => {
      if (squares.has(q.id)) ctx.addIssue({ code: "custom", path: ["squares", i, "id"], message: `duplicate grid square id ${q.id}` });
      squares.add(q.id);
    });
    const holes = new Set<string>();
    s.holes.forEach((h, i) => {
      if (holes.has(h.id)) ctx.addIssue({ code: "custom", path: ["holes", i, "id"], message: `duplicate foil hole id ${h.id}` });
      holes.add(h.id);
      if (!squares.has(h.squareId)) ctx.addIssue({ code: "custom", path: ["holes", i, "squareId"], message: `no grid square ${h.squareId}` });
    });
  });
export type Scenario = z.infer<typeof Scenario>;
/** A scenario as written by hand (defaults may be left out). */
export type ScenarioInput = z.input<typeof Scenario>;

/** Validate a parsed JSON value as a scenario; a ValidationError names the first problem's path. */
export function parseScenario(value: unknown, file?: string): Scenario {
  const r = Scenario.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const where = issue.path.length === 0 ? "(root)" : issue.path.map(String).join(".");
  const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more)` : "";
  throw new EmflowError("ValidationError", `not a valid scenario: ${where}: ${issue.message}${more}`, file === undefined ? {} : { file });
}

/** The scenario as JSON text (stable key order, one trailing newline). */
export function scenarioToJson(s: Scenario): string {
  return `${JSON.stringify(s)}\n`;
}

/** A scenario served over HTTP (e.g. a server's `/api/v1/acquisitions/{id}/scenario`). */
async function fetchText(url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  } catch (err) {
    throw new EmflowError("TransportError", `cannot fetch the scenario: ${err instanceof Error ? err.message : String(err)}`, { file: url, cause: err });
  }
  const text = await res.text();
  if (!res.ok) {
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      // not JSON: keep the text
    }
    throw new EmflowError(res.status === 404 ? "NotFoundError" : "ValidationError", `HTTP ${res.status}: ${message}`, { file: url });
  }
  return text;
}

/** Write a scenario file. */
export async function exportScenario(s: Scenario, file: string): Promise<void> {
  await writeFile(file, scenarioToJson(s));
}

/** Read and validate a scenario file or http(s) URL (FormatError for bad JSON, ValidationError with the path for a bad scenario). */
export async function loadScenario(file: string): Promise<Scenario> {
  const text = /^https?:\/\//i.test(file) ? await fetchText(file) : await readFile(file, "utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new EmflowError("FormatError", `not JSON: ${err instanceof Error ? err.message : String(err)}`, { file, cause: err });
  }
  return parseScenario(value, file);
}
