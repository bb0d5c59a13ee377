/**
 * The simulator's route table: method, path pattern and a handler per Decision Service operation.
 * Handlers validate path, query and body with zod and call the state operations; they return a
 * status and a body and throw tagged errors for the server to turn into ProblemDetails.
 */
import { EmflowError } from "@emflow/core";
import { z } from "zod";
import * as S from "./schemas.js";
import { deleteSession, registerSession, sessionByName, sessionOf, areaOf, type AthenaSimState } from "./simulator-store.js";
import { areaStateById, latestAreaState, listAreas, listAreaStates, postAreaStates, putAreas } from "./simulator-areas.js";
import { algorithmResults, decisionById, deleteDecisions, latestDecision, listDecisions, postDecisions, runByNumber, startRun, stopRun } from "./simulator-decisions.js";

/** What a handler sees. */
export interface AthenaRouteContext {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly state: AthenaSimState;
  readonly version: string;
}

/** What a handler returns: a status and an optional JSON (or, for strings with `text`, plain) body. */
export interface AthenaRouteResult {
  readonly status: number;
  readonly body?: unknown;
  readonly text?: boolean;
}

/** One operation of the API. */
export interface AthenaRoute {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly pattern: string;
  readonly handle: (ctx: AthenaRouteContext) => AthenaRouteResult;
}

const invalid = (message: string) => new EmflowError("ValidationError", message);

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw invalid(what === "body" ? S.describeIssues(r.error) : `${what}: ${r.error.issues[0]?.message ?? "invalid"}`);
  return r.data;
}

const int = z.coerce.number().pipe(S.Int32);
const guid = (c: AthenaRouteContext, name: string) => parse(S.Guid, c.params[name], name).toLowerCase();
const pathInt = (c: AthenaRouteContext, name: string) => parse(int, c.params[name], name);
const queryInt = (c: AthenaRouteContext, name: string) => (c.query.has(name) ? parse(int, c.query.get(name), name) : undefined);
const queryEnum = <E extends z.ZodType>(c: AthenaRouteContext, name: string, e: E): z.output<E> | undefined => (c.query.has(name) ? parse(e, c.query.get(name), name) : undefined);
const ok = (body: unknown, status = 200): AthenaRouteResult => ({ status, body });
const noContent: AthenaRouteResult = { status: 204 };
const areaFilter = (c: AthenaRouteContext) => ({ areaType: queryEnum(c, "areaType", S.AthenaAreaType), parentAreaId: queryInt(c, "parentAreaId") });
const decisionFilter = (c: AthenaRouteContext, ids: number[]) => ({ areaIds: ids, decisionType: queryEnum(c, "decisionType", S.AthenaDecisionType), pluginType: queryEnum(c, "pluginType", S.AthenaPluginType) });
/** `areaIds` per the parameter list; the spec's samples write `areaId`, so both are read. */
const areaIdList = (c: AthenaRouteContext) => [...c.query.getAll("areaIds"), ...c.query.getAll("areaId")].map((v) => parse(int, v, "areaIds"));
const resultName = (c: AthenaRouteContext) => queryEnum(c, "name", S.AthenaAlgorithmResultType);
const nonEmpty = <T>(items: T[]): T[] | undefined => (items.length === 0 ? undefined : items);

const P = "/api/v1";
const SID = `${P}/Session/:sessionId`;

/** Every operation the simulator serves. */
export const ATHENA_ROUTES: readonly AthenaRoute[] = [
  { method: "GET", pattern: `${P}/Sessions`, handle: (c) => ok([...c.state.sessions.values()].map((s) => s.session)) },
  { method: "GET", pattern: `${P}/Session`, handle: (c) => ok(sessionByName(c.state, c.query.get("sessionName"))) },
  { method: "POST", pattern: `${P}/Session`, handle: (c) => ok(registerSession(c.state, parse(S.AthenaSessionRegistration, c.body, "body")), 201) },
  { method: "GET", pattern: SID, handle: (c) => ok(sessionOf(c.state, guid(c, "sessionId")).session) },
  { method: "DELETE", pattern: SID, handle: (c) => ok(deleteSession(c.state, guid(c, "sessionId"))) },
  { method: "GET", pattern: `${SID}/IsRegistered`, handle: (c) => ok(c.state.sessions.has(guid(c, "sessionId"))) },

  { method: "POST", pattern: `${P}/Area`, handle: (c) => ok(putAreas(c.state, [parse(S.AthenaAreaBody, c.body, "body")], "register")[0], 201) },
  { method: "PUT", pattern: `${P}/Area`, handle: (c) => ok(putAreas(c.state, [parse(S.AthenaAreaBody, c.body, "body")], "upsert"), 201) },
  { method: "POST", pattern: `${P}/Areas`, handle: (c) => ok(putAreas(c.state, parse(z.array(S.AthenaAreaBody), c.body, "body"), "register"), 201) },
  { method: "PUT", pattern: `${P}/Areas`, handle: (c) => (putAreas(c.state, parse(z.array(S.AthenaAreaBody), c.body, "body"), "upsert"), noContent) },
  { method: "GET", pattern: `${SID}/Areas`, handle: (c) => ok(listAreas(c.state, guid(c, "sessionId"), areaFilter(c))) },
  { method: "GET", pattern: `${SID}/Area/:areaId`, handle: (c) => ok(areaOf(sessionOf(c.state, guid(c, "sessionId")), pathInt(c, "areaId"))) },
  {
    method: "GET",
    pattern: `${SID}/Area/:parentAreaId/Areas`,
    handle: (c) => {
      const sessionId = guid(c, "sessionId");
      const parentAreaId = pathInt(c, "parentAreaId");
      areaOf(sessionOf(c.state, sessionId), parentAreaId);
      return ok(listAreas(c.state, sessionId, { parentAreaId }));
    },
  },

  { method: "POST", pattern: `${P}/AreaState`, handle: (c) => ok(postAreaStates(c.state, [parse(S.AthenaAreaStateChange, c.body, "body")])[0], 201) },
  { method: "POST", pattern: `${P}/AreaStates`, handle: (c) => ok(postAreaStates(c.state, parse(z.array(S.AthenaAreaStateBody), c.body, "body")), 201) },
  { method: "GET", pattern: `${SID}/AreaStates`, handle: (c) => ok(listAreaStates(c.state, guid(c, "sessionId"), areaFilter(c))) },
  { method: "GET", pattern: `${SID}/AreaState/:areaStateId`, handle: (c) => ok(areaStateById(c.state, guid(c, "sessionId"), pathInt(c, "areaStateId"))) },
  { method: "GET", pattern: `${SID}/Area/:areaId/LatestAreaState`, handle: (c) => ok(latestAreaState(c.state, guid(c, "sessionId"), pathInt(c, "areaId"))) },

  { method: "POST", pattern: `${P}/Decision`, handle: (c) => ok(postDecisions(c.state, [parse(S.AthenaDecisionBody, c.body, "body")], false)[0], 201) },
  { method: "POST", pattern: `${P}/Decisions`, handle: (c) => ok(postDecisions(c.state, parse(z.array(S.AthenaDecisionBody), c.body, "body"), true), 201) },
  { method: "GET", pattern: `${SID}/Decisions`, handle: (c) => ok(listDecisions(c.state, guid(c, "sessionId"), decisionFilter(c, areaIdList(c)))) },
  { method: "DELETE", pattern: `${SID}/Decisions`, handle: (c) => (deleteDecisions(c.state, guid(c, "sessionId"), decisionFilter(c, areaIdList(c))), noContent) },
  { method: "DELETE", pattern: `${SID}/AllDecisions`, handle: (c) => (deleteDecisions(c.state, guid(c, "sessionId"), {}), noContent) },
  { method: "GET", pattern: `${SID}/Decision/:decisionId`, handle: (c) => ok(decisionById(c.state, guid(c, "sessionId"), guid(c, "decisionId"))) },
  {
    method: "GET",
    pattern: `${SID}/LatestDecision`,
    handle: (c) => {
      const areaId = queryInt(c, "areaId");
      const found = latestDecision(c.state, guid(c, "sessionId"), decisionFilter(c, areaId === undefined ? [] : [areaId]));
      return found === undefined ? noContent : ok(found);
    },
  },

  {
    method: "GET",
    pattern: `${SID}/AlgorithmResult`,
    handle: (c) => {
      const found = algorithmResults(c.state, guid(c, "sessionId"), { areaId: queryInt(c, "areaId"), name: resultName(c) }).at(-1);
      if (found === undefined) throw new EmflowError("NotFoundError", "no algorithm result for this area and name");
      return ok(found);
    },
  },
  { method: "GET", pattern: `${SID}/AlgorithmResults`, handle: (c) => okOr204(nonEmpty(algorithmResults(c.state, guid(c, "sessionId"), { parentAreaId: queryInt(c, "parentAreaId"), name: resultName(c) }))) },
  { method: "GET", pattern: `${SID}/LatestAlgorithmResult`, handle: (c) => okOr204(algorithmResults(c.state, guid(c, "sessionId"), { parentAreaId: queryInt(c, "parentAreaId"), name: resultName(c) }).at(-1)) },

  { method: "POST", pattern: `${P}/RunStart`, handle: (c) => ok(startRun(c.state, parse(S.AthenaRunStart, c.body, "body").sessionId)) },
  { method: "PATCH", pattern: `${P}/RunStop`, handle: (c) => ok(stopRun(c.state, parse(S.AthenaRunStop, c.body, "body"))) },
  { method: "GET", pattern: `${SID}/Runs`, handle: (c) => ok(sessionOf(c.state, guid(c, "sessionId")).runs) },
  { method: "GET", pattern: `${SID}/Run/:runNumber`, handle: (c) => ok(runByNumber(c.state, guid(c, "sessionId"), pathInt(c, "runNumber"))) },

  { method: "GET", pattern: `${P}/Athena/Status`, handle: () => ({ status: 200, body: "Healthy", text: true }) },
  { method: "GET", pattern: `${P}/Version`, handle: (c) => ok(c.version) },
];

function okOr204(body: unknown): AthenaRouteResult {
  return body === undefined ? noContent : ok(body);
}

/** The route for a path: its params, or which methods the path allows (405) or nothing (404). */
export function matchRoute(routes: readonly AthenaRoute[], method: string, path: string): { route: AthenaRoute; params: Record<string, string> } | { allowed: string[] } {
  const parts = path.replace(/\/+$/, "").split("/");
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchPattern(route.pattern.split("/"), parts);
    if (params === undefined) continue;
    if (route.method === method) return { route, params };
    allowed.push(route.method);
  }
  return { allowed };
}

/** Literal segments match case-insensitively, as ASP.NET routing does. */
function matchPattern(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const v = parts[i] as string;
    if (p.startsWith(":")) {
      if (v === "") return undefined;
      params[p.slice(1)] = safeDecode(v);
    } else if (p.toLowerCase() !== v.toLowerCase()) return undefined;
  }
  return params;
}

function safeDecode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v; // malformed escapes then fail the parameter's own validation
  }
}
