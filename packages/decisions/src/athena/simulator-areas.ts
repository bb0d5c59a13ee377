/**
 * Areas and area states in the simulator. Bulk calls are all-or-nothing: every item is checked
 * before any is stored, and a child may name a parent registered earlier in the same call.
 */
import { EmflowError } from "@emflow/core";
import type { z } from "zod";
import type { AthenaArea, AthenaAreaBody, AthenaAreaState, AthenaAreaStateChange, AthenaAreaType } from "./schemas.js";
import { areaOf, nowIso, record, sessionOf, type AthenaSimSession, type AthenaSimState } from "./simulator-store.js";

type AreaIn = z.output<typeof AthenaAreaBody>;
type StateIn = z.output<typeof AthenaAreaStateChange>;

/**
 * `POST /Area(s)` (mode "register": 409 for an area already there) or `PUT /Area(s)` ("upsert").
 * An unknown parent is a 404, as is an unknown session; all items must share one session.
 */
export function putAreas(state: AthenaSimState, items: readonly AreaIn[], mode: "register" | "upsert"): AthenaArea[] {
  const first = items[0];
  if (first === undefined) throw new EmflowError("ValidationError", "no areas given");
  const s = sessionOf(state, first.sessionId);
  const batch = new Map<number, AreaIn>();
  for (const a of items) {
    if (a.sessionId.toLowerCase() !== s.session.sessionId) throw new EmflowError("ValidationError", `all areas of one call must belong to one session (${first.sessionId} and ${a.sessionId})`);
    if (batch.has(a.id)) throw new EmflowError("ValidationError", `area ${a.id} appears twice`);
    if (mode === "register" && s.areas.has(a.id)) throw new EmflowError("ConflictError", `area ${a.id} is already registered`);
    const parent = a.parentId ?? undefined;
    if (parent === a.id) throw new EmflowError("ValidationError", `area ${a.id} cannot be its own parent`);
    if (parent !== undefined && !s.areas.has(parent) && !batch.has(parent)) throw new EmflowError("NotFoundError", `parent area ${parent} of area ${a.id} is not registered`);
    batch.set(a.id, a);
  }
  const stored = items.map((a): AthenaArea => ({ id: a.id, sessionId: s.session.sessionId, areaType: a.areaType, parentId: a.parentId ?? null }));
  for (const a of stored) {
    const existed = s.areas.has(a.id);
    s.areas.set(a.id, a);
    record(state, existed ? "area.updated" : "area.registered", s.session.sessionId, { areaId: a.id, areaType: a.areaType, parentId: a.parentId });
  }
  return stored;
}

/** Areas of a session, in registration order, filtered by type and parent. */
export function listAreas(state: AthenaSimState, sessionId: string, filter: { areaType?: AthenaAreaType | undefined; parentAreaId?: number | undefined }): AthenaArea[] {
  const s = sessionOf(state, sessionId);
  return [...s.areas.values()].filter((a) => (filter.areaType === undefined || a.areaType === filter.areaType) && (filter.parentAreaId === undefined || a.parentId === filter.parentAreaId));
}

/** `POST /AreaState(s)`: record state changes (ids count from 1 per session); 404 for an unknown area. */
export function postAreaStates(state: AthenaSimState, items: readonly StateIn[]): AthenaAreaState[] {
  if (items.length === 0) throw new EmflowError("ValidationError", "no area states given");
  const targets = items.map((c) => {
    const s = sessionOf(state, c.sessionId);
    areaOf(s, c.areaId);
    return s;
  });
  return items.map((c, i) => {
    const s = targets[i] as AthenaSimSession;
    const st: AthenaAreaState = { id: s.areaStates.length + 1, sessionId: s.session.sessionId, areaId: c.areaId, state: c.state, timestamp: nowIso(state) };
    s.areaStates.push(st);
    record(state, "area.state", s.session.sessionId, { areaId: c.areaId, state: c.state });
    return st;
  });
}

/** `GET .../AreaStates`: every state change whose area matches the filter, oldest first. */
export function listAreaStates(state: AthenaSimState, sessionId: string, filter: { areaType?: AthenaAreaType | undefined; parentAreaId?: number | undefined }): AthenaAreaState[] {
  const s = sessionOf(state, sessionId);
  const ids = new Set(listAreas(state, sessionId, filter).map((a) => a.id));
  return s.areaStates.filter((st) => ids.has(st.areaId));
}

/** `GET .../Area/{id}/LatestAreaState`: 404 when the area is unknown or has no state yet. */
export function latestAreaState(state: AthenaSimState, sessionId: string, areaId: number): AthenaAreaState {
  const s = sessionOf(state, sessionId);
  areaOf(s, areaId);
  const found = s.areaStates.findLast((st) => st.areaId === areaId);
  if (found === undefined) throw new EmflowError("NotFoundError", `area ${areaId} has no state yet`);
  return found;
}

/** `GET .../AreaState/{id}`. */
export function areaStateById(state: AthenaSimState, sessionId: string, id: number): AthenaAreaState {
  const found = sessionOf(state, sessionId).areaStates[id - 1];
  if (found === undefined) throw new EmflowError("NotFoundError", `area state ${id} does not exist`);
  return found;
}
