/**
 * Decisions, runs and algorithm results in the simulator, and the simulated microscope that acts
 * on the newest decision it has not acted on yet (`consumeDecision`), so a demo can close the loop.
 */
import { EmflowError } from "@emflow/core";
import type { z } from "zod";
import type { AthenaAlgorithmResult, AthenaAlgorithmResultType, AthenaDecisionBody, AthenaDecisionRecord, AthenaDecisionType, AthenaPluginType, AthenaRun, AthenaRunStop } from "./schemas.js";
import { areaOf, nowIso, record, sessionOf, type AthenaSimState } from "./simulator-store.js";

type DecisionIn = z.output<typeof AthenaDecisionBody>;

/** Filters of LatestDecision / Decisions / consume. */
export interface AthenaSimDecisionFilter {
  readonly areaIds?: readonly number[] | undefined;
  readonly decisionType?: AthenaDecisionType | undefined;
  readonly pluginType?: AthenaPluginType | undefined;
}

/**
 * `POST /Decision(s)`: store in arrival order with a new GUID and the clock's time (a client id or
 * timestamp is ignored, as a database key would). Unknown session/area: 404 single, 409 bulk (per the spec).
 */
export function postDecisions(state: AthenaSimState, items: readonly DecisionIn[], bulk: boolean): AthenaDecisionRecord[] {
  if (items.length === 0) throw new EmflowError("ValidationError", "the decision collection is empty");
  const tag = bulk ? "ConflictError" : "NotFoundError";
  const targets = items.map((d) => {
    const s = sessionOf(state, d.sessionId, tag);
    areaOf(s, d.areaId, tag);
    return s;
  });
  return items.map((d, i) => {
    const s = targets[i];
    if (s === undefined) throw new Error("unreachable");
    const rec: AthenaDecisionRecord = {
      id: state.newId().toLowerCase(),
      sessionId: s.session.sessionId,
      areaId: d.areaId,
      decisionType: d.decisionType,
      pluginType: d.pluginType ?? "default",
      decisionValue: d.decisionValue ?? null,
      decidedBy: d.decidedBy ?? null,
      details: d.details ?? null,
      timestamp: nowIso(state),
    };
    s.decisions.push(rec);
    record(state, "decision", s.session.sessionId, { decisionId: rec.id, areaId: rec.areaId, decisionType: rec.decisionType, decisionValue: rec.decisionValue });
    return rec;
  });
}

const matches = (f: AthenaSimDecisionFilter) => (d: AthenaDecisionRecord) =>
  (f.areaIds === undefined || f.areaIds.length === 0 || f.areaIds.includes(d.areaId)) &&
  (f.decisionType === undefined || d.decisionType === f.decisionType) &&
  (f.pluginType === undefined || d.pluginType === f.pluginType);

/** `GET .../Decisions`: matching decisions, oldest first; 404 for an unknown session or area. */
export function listDecisions(state: AthenaSimState, sessionId: string, filter: AthenaSimDecisionFilter): AthenaDecisionRecord[] {
  const s = sessionOf(state, sessionId);
  for (const id of filter.areaIds ?? []) areaOf(s, id);
  return s.decisions.filter(matches(filter));
}

/** `GET .../LatestDecision`: the newest match, or undefined (the route answers 204). */
export function latestDecision(state: AthenaSimState, sessionId: string, filter: AthenaSimDecisionFilter): AthenaDecisionRecord | undefined {
  return listDecisions(state, sessionId, filter).at(-1);
}

/** `GET .../Decision/{id}`. */
export function decisionById(state: AthenaSimState, sessionId: string, decisionId: string): AthenaDecisionRecord {
  const found = sessionOf(state, sessionId).decisions.find((d) => d.id === decisionId.toLowerCase());
  if (found === undefined) throw new EmflowError("NotFoundError", `decision ${decisionId} does not exist in session ${sessionId}`);
  return found;
}

/** `DELETE .../Decisions` (by area and type) or `.../AllDecisions`; returns how many went. */
export function deleteDecisions(state: AthenaSimState, sessionId: string, filter: AthenaSimDecisionFilter): number {
  const s = sessionOf(state, sessionId);
  for (const id of filter.areaIds ?? []) areaOf(s, id);
  const keep = s.decisions.filter((d) => !matches(filter)(d));
  const gone = s.decisions.length - keep.length;
  const consumedKept = s.decisions.slice(0, s.consumed).filter((d) => keep.includes(d)).length;
  s.decisions.splice(0, s.decisions.length, ...keep);
  s.consumed = consumedKept;
  record(state, "decisions.deleted", s.session.sessionId, { count: gone });
  return gone;
}

/**
 * The simulated microscope: the newest matching decision it has not yet acted on, marking it and
 * everything older as acted on (older ones are stale); undefined when nothing new arrived.
 */
export function consumeDecision(state: AthenaSimState, sessionId: string, filter: AthenaSimDecisionFilter = {}): AthenaDecisionRecord | undefined {
  const s = sessionOf(state, sessionId);
  const fresh = s.decisions.slice(s.consumed);
  const index = fresh.findLastIndex(matches(filter));
  const found = fresh[index];
  if (found === undefined) return undefined;
  s.consumed += index + 1;
  record(state, "decision.consumed", s.session.sessionId, { decisionId: found.id, areaId: found.areaId, decisionType: found.decisionType, decisionValue: found.decisionValue });
  return found;
}

/** `POST /RunStart`: run numbers count from 1 per session. */
export function startRun(state: AthenaSimState, sessionId: string): AthenaRun {
  const s = sessionOf(state, sessionId);
  const run: AthenaRun = { sessionId: s.session.sessionId, runNumber: s.runs.length + 1, startTime: nowIso(state), stopTime: null, stopReason: null };
  s.runs.push(run);
  record(state, "run.started", run.sessionId, { runNumber: run.runNumber });
  return run;
}

/** `PATCH /RunStop`: 404 for an unknown run, 409 for one already stopped. */
export function stopRun(state: AthenaSimState, body: z.output<typeof AthenaRunStop>): AthenaRun {
  const s = sessionOf(state, body.sessionId);
  const i = s.runs.findIndex((r) => r.runNumber === body.runNumber);
  const run = s.runs[i];
  if (run === undefined) throw new EmflowError("NotFoundError", `run ${body.runNumber} does not exist in session ${body.sessionId}`);
  if (run.stopTime !== null && run.stopTime !== undefined) throw new EmflowError("ConflictError", `run ${body.runNumber} already stopped at ${run.stopTime}`);
  const stopped: AthenaRun = { ...run, stopTime: nowIso(state), stopReason: body.reason ?? null };
  s.runs[i] = stopped;
  record(state, "run.stopped", s.session.sessionId, { runNumber: stopped.runNumber, reason: stopped.stopReason });
  return stopped;
}

/** `GET .../Run/{n}`. */
export function runByNumber(state: AthenaSimState, sessionId: string, runNumber: number): AthenaRun {
  const found = sessionOf(state, sessionId).runs.find((r) => r.runNumber === runNumber);
  if (found === undefined) throw new EmflowError("NotFoundError", `run ${runNumber} does not exist in session ${sessionId}`);
  return found;
}

/**
 * Seed an algorithm result as Athena's own processing would produce it (the API has no POST for
 * them; clients only read them). 404 for an unknown session or area.
 */
export function addAlgorithmResult(state: AthenaSimState, sessionId: string, areaId: number, name: AthenaAlgorithmResultType, result: Record<string, unknown>): AthenaAlgorithmResult {
  const s = sessionOf(state, sessionId);
  areaOf(s, areaId);
  const rec: AthenaAlgorithmResult = { sessionId: s.session.sessionId, areaId, name, result, timestamp: nowIso(state) };
  s.algorithmResults.push(rec);
  record(state, "algorithm.result", s.session.sessionId, { areaId, name });
  return rec;
}

/** Algorithm results by area (or by the area's parent) and name, oldest first; 404 for an unknown area. */
export function algorithmResults(state: AthenaSimState, sessionId: string, q: { areaId?: number | undefined; parentAreaId?: number | undefined; name?: AthenaAlgorithmResultType | undefined }): AthenaAlgorithmResult[] {
  const s = sessionOf(state, sessionId);
  if (q.areaId !== undefined) areaOf(s, q.areaId);
  if (q.parentAreaId !== undefined) areaOf(s, q.parentAreaId);
  return s.algorithmResults.filter(
    (r) =>
      (q.name === undefined || r.name === q.name) &&
      (q.areaId === undefined || r.areaId === q.areaId) &&
      (q.parentAreaId === undefined || s.areas.get(r.areaId)?.parentId === q.parentAreaId),
  );
}
