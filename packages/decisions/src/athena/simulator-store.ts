/**
 * In-memory state of the Decision Service simulator: sessions with their areas, area states,
 * decisions (in arrival order), runs and algorithm results, plus an event log of everything the
 * "microscope side" received. Operations throw tagged errors that the HTTP layer maps to statuses.
 */
import { EmflowError } from "@emflow/core";
import type { z } from "zod";
import type { AthenaAlgorithmResult, AthenaArea, AthenaAreaState, AthenaDecisionRecord, AthenaRun, AthenaSession, AthenaSessionRegistration } from "./schemas.js";

/** Kinds of things the simulated service records in its event log. */
export type AthenaSimEventKind =
  | "session.registered"
  | "session.deleted"
  | "area.registered"
  | "area.updated"
  | "area.state"
  | "decision"
  | "decisions.deleted"
  | "decision.consumed"
  | "run.started"
  | "run.stopped"
  | "algorithm.result";

/** One entry of `state.events`: what happened, to which session, when (ISO, from the clock). */
export interface AthenaSimEvent {
  readonly seq: number;
  readonly at: string;
  readonly kind: AthenaSimEventKind;
  readonly sessionId: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** Everything the simulator holds for one session. */
export interface AthenaSimSession {
  session: AthenaSession;
  readonly areas: Map<number, AthenaArea>;
  readonly areaStates: AthenaAreaState[];
  readonly decisions: AthenaDecisionRecord[];
  readonly runs: AthenaRun[];
  readonly algorithmResults: AthenaAlgorithmResult[];
  /** Decisions before this index have been acted on by the simulated microscope. */
  consumed: number;
}

/** The simulator's whole state; `events` is the log tests and the demo read. */
export interface AthenaSimState {
  readonly sessions: Map<string, AthenaSimSession>;
  readonly events: AthenaSimEvent[];
  readonly clock: () => number;
  readonly newId: () => string;
}

/** An empty state with the given clock (epoch ms) and id generator. */
export function createAthenaSimState(clock: () => number = Date.now, newId: () => string = () => crypto.randomUUID()): AthenaSimState {
  return { sessions: new Map(), events: [], clock, newId };
}

/** The clock's time as ISO 8601 UTC. */
export function nowIso(state: AthenaSimState): string {
  return new Date(state.clock()).toISOString();
}

/** Append to the event log. */
export function record(state: AthenaSimState, kind: AthenaSimEventKind, sessionId: string, detail: Record<string, unknown> = {}): void {
  state.events.push({ seq: state.events.length + 1, at: nowIso(state), kind, sessionId, detail });
}

/** The session, or NotFoundError (the tag may be overridden: bulk decisions answer 409). */
export function sessionOf(state: AthenaSimState, sessionId: string, tag: "NotFoundError" | "ConflictError" = "NotFoundError"): AthenaSimSession {
  const s = state.sessions.get(sessionId.toLowerCase());
  if (s === undefined) throw new EmflowError(tag, `session ${sessionId} is not registered`);
  return s;
}

/** The area of a session, or NotFoundError (or ConflictError). */
export function areaOf(s: AthenaSimSession, areaId: number, tag: "NotFoundError" | "ConflictError" = "NotFoundError"): AthenaArea {
  const a = s.areas.get(areaId);
  if (a === undefined) throw new EmflowError(tag, `area ${areaId} is not registered in session ${s.session.sessionId}`);
  return a;
}

/** `POST /Session`: 409 when the id or the name is taken; gridType defaults to the enum's first member, as in .NET. */
export function registerSession(state: AthenaSimState, body: z.output<typeof AthenaSessionRegistration>): AthenaSession {
  const sessionId = (body.sessionId ?? state.newId()).toLowerCase();
  if (state.sessions.has(sessionId)) throw new EmflowError("ConflictError", `session ${sessionId} is already registered`);
  if ([...state.sessions.values()].some((s) => s.session.sessionName === body.sessionName)) {
    throw new EmflowError("ConflictError", `a session named "${body.sessionName}" is already registered`);
  }
  const session: AthenaSession = { sessionId, sessionName: body.sessionName, athenaId: body.athenaId ?? null, timestamp: nowIso(state), gridType: body.gridType ?? "HoleyCarbon" };
  state.sessions.set(sessionId, { session, areas: new Map(), areaStates: [], decisions: [], runs: [], algorithmResults: [], consumed: 0 });
  record(state, "session.registered", sessionId, { sessionName: session.sessionName });
  return session;
}

/** `GET /Session?sessionName=`: 400 for an empty name, 404 when none has it. */
export function sessionByName(state: AthenaSimState, name: string | null): AthenaSession {
  if (name === null || name.trim() === "") throw new EmflowError("ValidationError", "sessionName must not be empty");
  const found = [...state.sessions.values()].find((s) => s.session.sessionName === name);
  if (found === undefined) throw new EmflowError("NotFoundError", `no session named "${name}" is registered`);
  return found.session;
}

/** `DELETE /Session/{id}`: forget the session, returning it. */
export function deleteSession(state: AthenaSimState, sessionId: string): AthenaSession {
  const s = sessionOf(state, sessionId);
  state.sessions.delete(s.session.sessionId);
  record(state, "session.deleted", s.session.sessionId);
  return s.session;
}
