/**
 * How emflow's model becomes Decision Service records: EPU ids (decimal strings) become int32 area
 * ids; a grid square is a `gridsquare` area under the session's `atlas` area, a foil hole a
 * `foilhole` area under its square; a ranked order is one `acquisitionOrder` decision on the parent.
 */
import { EmflowError } from "@emflow/core";
import { z } from "zod";
import { AreaId, AthenaGridType, type AthenaAreaBody, type AthenaSessionRegistration, type AthenaDecisionBody, type AthenaDecisionRecord, type AthenaDecisionType } from "./schemas.js";

/** The area id emflow gives the atlas (EPU has no numeric id for it); grid squares hang from it. */
export const ATHENA_ATLAS_AREA_ID = 1;
/** `decidedBy` of everything emflow sends. */
export const ATHENA_DECIDED_BY = "emflow";

/** Whether an EPU id ("1234567") can name an Athena area (a positive int32). */
export function isAthenaAreaId(epuId: string | number): boolean {
  const n = typeof epuId === "number" ? epuId : /^\d+$/.test(epuId.trim()) ? Number(epuId.trim()) : Number.NaN;
  return AreaId.safeParse(n).success;
}

/** An EPU id ("1234567") as an Athena area id; ValidationError if it is not a positive int32. */
export function athenaAreaId(epuId: string | number): number {
  const n = typeof epuId === "number" ? epuId : Number(epuId.trim());
  if (!isAthenaAreaId(epuId)) throw new EmflowError("ValidationError", `EPU id ${JSON.stringify(epuId)} is not a positive 32-bit integer, so it cannot be an Athena area id`);
  return n;
}

/** EPU's `GridType` ("HoleyCarbon", any case) as the spec's enum, or undefined for one it lacks. */
export function athenaGridType(epuGridType: string | undefined): AthenaGridType | undefined {
  const key = epuGridType?.replace(/[\s_-]/g, "").toLowerCase();
  return AthenaGridType.options.find((g) => g.toLowerCase() === key);
}

/** An EPU session (grid) as a session registration: its name, and its grid type when Athena knows it. */
export function sessionRegistration(sessionName: string, epuGridType?: string): AthenaSessionRegistration {
  const gridType = athenaGridType(epuGridType);
  return gridType === undefined ? { sessionName } : { sessionName, gridType };
}

/** The session's atlas area, parent of its grid squares. */
export function atlasArea(sessionId: string, atlasAreaId = ATHENA_ATLAS_AREA_ID): AthenaAreaBody {
  return { id: atlasAreaId, sessionId, areaType: "atlas", parentId: null };
}

/** A grid square as an area (parent: the atlas area). */
export function gridSquareArea(sessionId: string, gridSquareId: string | number, atlasAreaId: number | null = ATHENA_ATLAS_AREA_ID): AthenaAreaBody {
  return { id: athenaAreaId(gridSquareId), sessionId, areaType: "gridsquare", parentId: atlasAreaId };
}

/** A foil hole as an area whose parent is its grid square. */
export function foilHoleArea(sessionId: string, foilHoleId: string | number, gridSquareId: string | number): AthenaAreaBody {
  return { id: athenaAreaId(foilHoleId), sessionId, areaType: "foilhole", parentId: athenaAreaId(gridSquareId) };
}

/**
 * A ranked acquisition order (best first) of the children of `parentAreaId` (the atlas for squares,
 * a square for its holes) as one `acquisitionOrder` decision whose value is the JSON id array.
 */
export function acquisitionOrderDecision(o: { sessionId: string; parentAreaId: number; orderedAreaIds: readonly (string | number)[]; details?: string }): AthenaDecisionBody {
  const ids = o.orderedAreaIds.map(athenaAreaId);
  if (new Set(ids).size !== ids.length) throw new EmflowError("ValidationError", "an acquisition order lists an area twice");
  return { sessionId: o.sessionId, areaId: o.parentAreaId, decisionType: "acquisitionOrder", pluginType: "custom", decisionValue: JSON.stringify(ids), decidedBy: ATHENA_DECIDED_BY, details: o.details ?? null };
}

/**
 * Which children to acquire at all, as a `gridSquareSelection` / `foilHoleSelection` decision on the
 * parent; the value follows the spec's own sample: `[{"areaId":100,"result":"true"}, ...]`.
 */
export function selectionDecision(o: { sessionId: string; parentAreaId: number; of: "gridsquare" | "foilhole"; verdicts: readonly { areaId: string | number; include: boolean }[]; details?: string }): AthenaDecisionBody {
  const value = o.verdicts.map((v) => ({ areaId: athenaAreaId(v.areaId), result: String(v.include) }));
  const decisionType: AthenaDecisionType = o.of === "gridsquare" ? "gridSquareSelection" : "foilHoleSelection";
  return { sessionId: o.sessionId, areaId: o.parentAreaId, decisionType, pluginType: "custom", decisionValue: JSON.stringify(value), decidedBy: ATHENA_DECIDED_BY, details: o.details ?? null };
}

/** Include or skip one area (the spec's sample: `include` = "false", details "bad gridsquare"). */
export function includeDecision(sessionId: string, areaId: string | number, include: boolean, details?: string): AthenaDecisionBody {
  return { sessionId, areaId: athenaAreaId(areaId), decisionType: "include", pluginType: "custom", decisionValue: String(include), decidedBy: ATHENA_DECIDED_BY, details: details ?? null };
}

const OrderValue = z.array(z.int32());

/** The area ids of an `acquisitionOrder` decision, best first; ValidationError for another type or a bad value. */
export function parseAcquisitionOrder(decision: Pick<AthenaDecisionRecord, "decisionType" | "decisionValue">): number[] {
  if (decision.decisionType !== "acquisitionOrder") throw new EmflowError("ValidationError", `expected an acquisitionOrder decision, got ${decision.decisionType}`);
  let value: unknown;
  try {
    value = JSON.parse(decision.decisionValue ?? "");
  } catch {
    value = undefined;
  }
  const parsed = OrderValue.safeParse(value);
  if (!parsed.success) throw new EmflowError("ValidationError", `acquisitionOrder value is not a JSON array of area ids: ${JSON.stringify(decision.decisionValue)}`);
  return parsed.data;
}

/** The shape of a policy's ranked order that the adapter needs (squares best first, each with its holes). */
export interface AthenaRankedOrderInput {
  readonly squares: readonly { readonly squareId: string; readonly holes: readonly { readonly holeId: string }[] }[];
}

/**
 * A whole ranked order as decisions, in the order to post them: the squares' order on the atlas,
 * then, for each square with holes, the holes' order on that square.
 */
export function rankedOrderDecisions(sessionId: string, order: AthenaRankedOrderInput, o: { atlasAreaId?: number; details?: string } = {}): AthenaDecisionBody[] {
  const details = o.details === undefined ? {} : { details: o.details };
  const squares = acquisitionOrderDecision({ sessionId, parentAreaId: o.atlasAreaId ?? ATHENA_ATLAS_AREA_ID, orderedAreaIds: order.squares.map((s) => s.squareId), ...details });
  const holes = order.squares
    .filter((s) => s.holes.length > 0)
    .map((s) => acquisitionOrderDecision({ sessionId, parentAreaId: athenaAreaId(s.squareId), orderedAreaIds: s.holes.map((h) => h.holeId), ...details }));
  return [squares, ...holes];
}
