/**
 * The subset of the Smart EPU Decision Service ("Athena", Decision Service API v1) that emflow
 * speaks, as zod schemas with the spec's JSON field names. The spec marks no field as required, so:
 * records (what the service returns) require the fields a .NET service always serializes and accept
 * a missing or null value for every field the spec marks nullable; bodies (what we send) are strict
 * and require what the operations' descriptions call mandatory.
 */
import { z } from "zod";

/** `AreaType`: what an area is on the grid. */
export const AthenaAreaType = z.enum(["gridsquare", "foilhole", "atlas", "particle"]);
export type AthenaAreaType = z.infer<typeof AthenaAreaType>;

/** `AcquisitionState`: where the microscope is with an area. */
export const AthenaAcquisitionState = z.enum(["unknown", "ignore", "queued", "started", "completed", "skipped"]);
export type AthenaAcquisitionState = z.infer<typeof AthenaAcquisitionState>;

/** `DecisionType`: what a decision is about. */
export const AthenaDecisionType = z.enum([
  "include",
  "focus",
  "stageWaitingTime",
  "acquisitionOrder",
  "foilHoleSelection",
  "gridSquareSelection",
  "iceThicknessFoilHolePrediction",
  "automaticFoilHoleFinding",
]);
export type AthenaDecisionType = z.infer<typeof AthenaDecisionType>;

/** `PluginType`: which kind of Smart EPU plugin made a decision. */
export const AthenaPluginType = z.enum(["default", "custom", "dummy"]);
export type AthenaPluginType = z.infer<typeof AthenaPluginType>;

/** `GridType` of a session. */
export const AthenaGridType = z.enum(["HoleyCarbon", "HoleyGold", "LaceyCarbon"]);
export type AthenaGridType = z.infer<typeof AthenaGridType>;

/** `AlgorithmResultType`: the `name` of an algorithm result. */
export const AthenaAlgorithmResultType = z.enum(["motioncorrection", "ctf", "gridsquare", "micrograph", "atlas"]);
export type AthenaAlgorithmResultType = z.infer<typeof AthenaAlgorithmResultType>;

/** A .NET `Guid` in its usual 8-4-4-4-12 hex form (any version). */
export const Guid = z.guid();
/** An `int32`. */
export const Int32 = z.int32();
/** An area id as a body may carry it: the service calls 0 and negatives illegal. */
export const AreaId = z.int32().positive();
/** A `date-time`; .NET may write 7 fractional digits and no offset. */
export const DateTime = z.iso.datetime({ offset: true, local: true });

const text = z.string().nullish();

/** `Session` as returned. */
export const AthenaSession = z.object({ sessionId: Guid, sessionName: text, athenaId: text, timestamp: DateTime, gridType: AthenaGridType });
export type AthenaSession = z.infer<typeof AthenaSession>;

/** `Area` as returned: a square, hole, atlas or particle, with its parent area. */
export const AthenaArea = z.object({ id: Int32, sessionId: Guid, areaType: AthenaAreaType, parentId: Int32.nullish() });
export type AthenaArea = z.infer<typeof AthenaArea>;

/** `AreaState` as returned: one state change of one area, with its own id. */
export const AthenaAreaState = z.object({ id: Int32, sessionId: Guid, areaId: Int32, state: AthenaAcquisitionState, timestamp: DateTime.nullish() });
export type AthenaAreaState = z.infer<typeof AthenaAreaState>;

/** `DecisionRecord` as returned. */
export const AthenaDecisionRecord = z.object({
  id: Guid,
  sessionId: Guid,
  areaId: Int32,
  decisionType: AthenaDecisionType,
  pluginType: AthenaPluginType,
  decisionValue: text,
  decidedBy: text,
  details: text,
  timestamp: DateTime,
});
export type AthenaDecisionRecord = z.infer<typeof AthenaDecisionRecord>;

/** `AlgorithmResultRecord`: a result Athena's own algorithms computed for an area. */
export const AthenaAlgorithmResult = z.object({
  sessionId: Guid,
  areaId: Int32,
  name: text,
  result: z.record(z.string(), z.unknown()).nullish(),
  timestamp: DateTime,
});
export type AthenaAlgorithmResult = z.infer<typeof AthenaAlgorithmResult>;

/** `Run`: one acquisition run of a session (numbered from 1). */
export const AthenaRun = z.object({ sessionId: Guid, runNumber: Int32, startTime: DateTime.nullish(), stopTime: DateTime.nullish(), stopReason: text });
export type AthenaRun = z.infer<typeof AthenaRun>;

/** `ProblemDetails` (RFC 7807) of an error response; ASP.NET adds `errors` for bad bodies. */
export const AthenaProblemDetails = z.looseObject({
  type: text,
  title: text,
  status: Int32.nullish(),
  detail: text,
  instance: text,
  errors: z.record(z.string(), z.array(z.string())).nullish(),
});
export type AthenaProblemDetails = z.infer<typeof AthenaProblemDetails>;

/** Body of `POST /Session`: the name is mandatory, the id is generated when absent. */
export const AthenaSessionRegistration = z.strictObject({
  sessionName: z.string().trim().min(1, "sessionName is mandatory"),
  sessionId: Guid.optional(),
  athenaId: text,
  gridType: AthenaGridType.optional(),
  timestamp: DateTime.optional(),
});
export type AthenaSessionRegistration = z.input<typeof AthenaSessionRegistration>;

/** Body of `POST|PUT /Area` (and items of `/Areas`). */
export const AthenaAreaBody = z.strictObject({ id: AreaId, sessionId: Guid, areaType: AthenaAreaType, parentId: AreaId.nullish() });
export type AthenaAreaBody = z.input<typeof AthenaAreaBody>;

/** Body of `POST /AreaState` (`AreaStateChange`). */
export const AthenaAreaStateChange = z.strictObject({ sessionId: Guid, areaId: AreaId, state: AthenaAcquisitionState });
export type AthenaAreaStateChange = z.input<typeof AthenaAreaStateChange>;

/** Items of `POST /AreaStates` (the spec types them as `AreaState`; id and timestamp are the service's). */
export const AthenaAreaStateBody = AthenaAreaStateChange.extend({ id: Int32.optional(), timestamp: DateTime.nullish() });
export type AthenaAreaStateBody = z.input<typeof AthenaAreaStateBody>;

/** Body of `POST /Decision` (and items of `/Decisions`); the service assigns id and timestamp. */
export const AthenaDecisionBody = z.strictObject({
  id: Guid.optional(),
  sessionId: Guid,
  areaId: AreaId,
  decisionType: AthenaDecisionType,
  pluginType: AthenaPluginType.optional(),
  decisionValue: text,
  decidedBy: text,
  details: text,
  timestamp: DateTime.optional(),
});
export type AthenaDecisionBody = z.input<typeof AthenaDecisionBody>;

/** Body of `POST /RunStart`. */
export const AthenaRunStart = z.strictObject({ sessionId: Guid });
export type AthenaRunStart = z.input<typeof AthenaRunStart>;

/** Body of `PATCH /RunStop`. */
export const AthenaRunStop = z.strictObject({ sessionId: Guid, runNumber: z.int32().positive(), reason: text });
export type AthenaRunStop = z.input<typeof AthenaRunStop>;

/** One line per zod issue, `path: message`, for 400 responses and client errors. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length === 0 ? "body" : i.path.join(".")}: ${i.message}`).join("; ");
}
