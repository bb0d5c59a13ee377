/**
 * Where a decision goes once it is to be sent: the Smart EPU Decision Service
 * ("athena": the session, its grid-square areas and one acquisitionOrder
 * decision on the atlas area, as in decisions/src/athena/README.md) or the agent beside the microscope ("agent": an
 * acquisition-order instruction on its channel). Returns what was delivered,
 * stored with the decision.
 */
import { AcquisitionOrderPayload } from "@emflow/core";
import { acquisitionOrderDecision, ATHENA_ATLAS_AREA_ID, atlasArea, gridSquareArea, isAthenaAreaId, sessionRegistration, type AthenaClient } from "@emflow/decisions";
import { HttpError } from "../http/http-error.js";
import type { Decision } from "../model/decisions.js";
import type { InstructionStore } from "../store/instructions.js";
import type { SqlQueryable } from "../store/sql-client.js";

/** Sends decisions through a session's link. */
export interface DecisionLinks {
  send(link: "athena" | "agent", decision: Decision): Promise<Record<string, unknown>>;
}

/** What the links need. */
export interface DecisionLinkDeps {
  readonly db: SqlQueryable;
  readonly instructions: InstructionStore;
  /** Wake the agent's open instruction streams after an enqueue. */
  readonly wake?: (agentId: string) => void;
  /** Absent when no Athena URL is configured. */
  readonly athena?: AthenaClient;
  readonly instructionTtlS: number;
  readonly now?: () => number;
}

/** The squares of the decision's ranked order, its target first, without repeats. */
function order(decision: Decision): string[] {
  const ids = [decision.target, ...decision.ranked.map((r) => r.naturalId)].filter((x): x is string => x !== null);
  return [...new Set(ids)];
}

async function gridOf(db: SqlQueryable, decision: Decision): Promise<string> {
  const rows = await db.query<{ natural_id: string }>(
    decision.gridSquareId === null
      ? "SELECT natural_id FROM grids WHERE acquisition_id = $1 ORDER BY seq LIMIT 1"
      : "SELECT g.natural_id FROM grids g JOIN grid_squares s ON s.grid_id = g.id WHERE s.id = $1",
    [decision.gridSquareId ?? decision.acquisitionId],
  );
  const grid = rows[0]?.natural_id;
  if (grid === undefined) throw new HttpError(409, `decision ${decision.id}: its session has no grid to send an order for`);
  return grid;
}

async function toAgent(deps: DecisionLinkDeps, decision: Decision): Promise<Record<string, unknown>> {
  const payload = AcquisitionOrderPayload.parse({
    gridId: await gridOf(deps.db, decision),
    gridSquareIds: order(decision),
    reason: `${decision.source === "operator" ? "operator override" : decision.policy}: ${decision.reasons.join(", ")}`.slice(0, 2000),
  });
  const r = await deps.instructions.enqueue({
    acquisitionId: decision.acquisitionId,
    kind: "acquisition-order",
    payload,
    ttlS: deps.instructionTtlS,
    now: (deps.now ?? Date.now)(),
  });
  if (r === undefined) throw new HttpError(404, `acquisition ${decision.acquisitionId} not found`);
  deps.wake?.(r.instruction.agentId);
  return { link: "agent", instructionId: r.instruction.id, agentId: r.instruction.agentId, squares: payload.gridSquareIds.length };
}

async function toAthena(deps: DecisionLinkDeps, decision: Decision): Promise<Record<string, unknown>> {
  const athena = deps.athena;
  if (athena === undefined) throw new HttpError(503, "this session's decisions go to Athena, but no Athena URL is configured ([decisions] athena_url or EMFLOW_ATHENA_URL)");
  // emflow's acquisition id is a GUID, so it names the Athena session too (EPU registers it in production).
  const sessionId = decision.acquisitionId;
  if (!(await athena.isSessionRegistered(sessionId))) {
    const [acq] = await deps.db.query<{ name: string }>("SELECT name FROM acquisitions WHERE id = $1", [sessionId]);
    await athena.registerSession({ ...sessionRegistration(acq?.name ?? sessionId), sessionId });
  }
  // Areas are EPU's grid square ids (int32): squares without one cannot be named to Athena.
  const squares = order(decision).filter((id) => isAthenaAreaId(id));
  if (squares.length === 0) throw new HttpError(409, `decision ${decision.id}: no grid square with an EPU id Athena can name`);
  await athena.updateAreas([atlasArea(sessionId), ...squares.map((id) => gridSquareArea(sessionId, id))]);
  const who = decision.source === "operator" ? `operator ${decision.operator ?? ""} override` : `policy ${decision.policy}`;
  const posted = await athena.postDecision(
    acquisitionOrderDecision({ sessionId, parentAreaId: ATHENA_ATLAS_AREA_ID, orderedAreaIds: squares, details: `${who}: ${decision.action} (${decision.reasons.join(", ")})`.slice(0, 2000) }),
  );
  return { link: "athena", sessionId, athenaDecisionId: posted.id, squares: squares.length };
}

/** The links of one server. */
export function makeDecisionLinks(deps: DecisionLinkDeps): DecisionLinks {
  return {
    send: (link, decision) => (link === "agent" ? toAgent(deps, decision) : toAthena(deps, decision)),
  };
}
