/** Shapes of the decisions API (zod: validated at the edge, documented in OpenAPI). */
import { z } from "zod";
import { DecisionLink, DecisionMode, DecisionState } from "@emflow/core";

const Iso = z.string().describe("ISO 8601 time");

/** A session's decision settings. */
export const DecisionSettings = z.object({
  acquisitionId: z.string(),
  mode: DecisionMode.describe("off: no decisions; advise: shown, sent once accepted; auto: sent when made"),
  policy: z.string().describe("acquisition policy: epu (EPU's own order), greedy, ucb (default)"),
  link: DecisionLink.describe("where decisions go: athena (Smart EPU Decision Service), agent (instruction channel), none"),
  params: z.record(z.string(), z.unknown()),
  updatedAt: Iso.nullable(),
});
export type DecisionSettings = z.infer<typeof DecisionSettings>;

/** PUT body of the settings. */
export const DecisionSettingsBody = z
  .object({
    mode: DecisionMode.optional(),
    policy: z.string().min(1).max(50).optional(),
    link: DecisionLink.optional(),
    params: z.record(z.string().max(100), z.unknown()).optional(),
  })
  .strict();

/** One entry of a ranked acquisition order. */
export const RankedEntry = z.object({
  gridSquareId: z.string().nullable(),
  naturalId: z.string(),
  rank: z.number().int(),
  score: z.number().describe("the policy's ranking figure (its meaning per policy in docs/DECISIONS.md)"),
  predicted: z.number().nullable().describe("predicted probability of a good micrograph"),
  reasons: z.array(z.string()),
});
export type RankedEntry = z.infer<typeof RankedEntry>;

/** One decision with its reasons, numbers, and what happened to it. */
export const Decision = z.object({
  id: z.string(),
  seq: z.number().int(),
  acquisitionId: z.string(),
  source: z.enum(["policy", "operator"]),
  policy: z.string(),
  action: z.string().describe("go_to_square, stay, leave_square, stop_grid, ..."),
  gridSquareId: z.string().nullable(),
  target: z.string().nullable().describe("the EPU id of the target grid square"),
  reasons: z.array(z.string()).describe("reason codes (docs/DECISIONS.md)"),
  numbers: z.record(z.string(), z.unknown()).describe("the figures behind the reasons"),
  ranked: z.array(RankedEntry).describe("the ranked order this decision was part of (top entries)"),
  state: DecisionState,
  operator: z.string().nullable(),
  note: z.string().nullable(),
  overrides: z.string().nullable(),
  delivery: z.record(z.string(), z.unknown()).nullable(),
  createdAt: Iso,
  actedAt: Iso.nullable(),
  sentAt: Iso.nullable(),
});
export type Decision = z.infer<typeof Decision>;

/** Operator action body (accept / reject). */
export const DecisionActionBody = z.object({ note: z.string().max(2000).optional() }).strict();

/** Operator override: send this grid square next instead. */
export const OverrideBody = z
  .object({
    gridSquareId: z.string().max(100).describe("the grid square (emflow id or EPU id) to go to next"),
    note: z.string().max(2000).optional(),
  })
  .strict();
