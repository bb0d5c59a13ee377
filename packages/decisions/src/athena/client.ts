/**
 * Typed client for the Smart EPU Decision Service (Athena) API v1 subset emflow uses. Every
 * response is validated; "nothing yet" (204, or a name lookup that finds nothing) is `undefined`,
 * everything else that goes wrong throws a tagged error (see transport.ts).
 */
import { z } from "zod";
import { EmflowError } from "@emflow/core";
import { createAthenaTransport, decode, type AthenaCall, type AthenaTransportOptions } from "./transport.js";
import {
  AthenaAlgorithmResult,
  AthenaArea,
  AthenaAreaState,
  AthenaDecisionRecord,
  AthenaRun,
  AthenaSession,
  type AthenaAlgorithmResultType,
  type AthenaAreaBody,
  type AthenaAreaStateBody,
  type AthenaAreaStateChange,
  type AthenaAreaType,
  type AthenaDecisionBody,
  type AthenaDecisionType,
  type AthenaPluginType,
  type AthenaRunStop,
  type AthenaSessionRegistration,
} from "./schemas.js";

/** Options of every call: a signal that cancels it, retries included. */
export interface AthenaCallOptions {
  readonly signal?: AbortSignal;
}

/** Filters of `GET .../Areas` and `.../AreaStates`. */
export interface AthenaAreaFilter {
  readonly areaType?: AthenaAreaType;
  readonly parentAreaId?: number;
}

/** Filters of `GET .../LatestDecision` and `.../Decisions` (`areaIds` only for the latter). */
export interface AthenaDecisionFilter {
  readonly areaId?: number;
  readonly areaIds?: readonly number[];
  readonly decisionType?: AthenaDecisionType;
  readonly pluginType?: AthenaPluginType;
}

const V1 = "/api/v1";
const seg = (v: string | number) => encodeURIComponent(String(v));
const session = (id: string) => `${V1}/Session/${seg(id)}`;

/** A Decision Service client; construct with `new AthenaClient({ baseUrl })`. */
export class AthenaClient {
  readonly #send: ReturnType<typeof createAthenaTransport>;

  constructor(options: AthenaTransportOptions) {
    this.#send = createAthenaTransport(options);
  }

  async #call<S extends z.ZodType>(schema: S, call: AthenaCall): Promise<z.infer<S>> {
    return decode(schema, await this.#send(call), call.method);
  }

  /** Like #call, but a 204 (no record) is `undefined`. */
  async #maybe<S extends z.ZodType>(schema: S, call: AthenaCall): Promise<z.infer<S> | undefined> {
    const res = await this.#send(call);
    return res.status === 204 ? undefined : decode(schema, res, call.method);
  }

  /** `POST /Session`: register a session (the service generates the id when none is given). */
  registerSession(body: AthenaSessionRegistration, o: AthenaCallOptions = {}): Promise<AthenaSession> {
    return this.#call(AthenaSession, { method: "POST", path: `${V1}/Session`, body, signal: o.signal });
  }

  /** `GET /Session/{id}`; NotFoundError when it is not registered. */
  getSession(sessionId: string, o: AthenaCallOptions = {}): Promise<AthenaSession> {
    return this.#call(AthenaSession, { method: "GET", path: session(sessionId), signal: o.signal });
  }

  /** `GET /Session?sessionName=`: the session with this name, or undefined. */
  async findSession(sessionName: string, o: AthenaCallOptions = {}): Promise<AthenaSession | undefined> {
    try {
      return await this.#call(AthenaSession, { method: "GET", path: `${V1}/Session`, query: { sessionName }, signal: o.signal });
    } catch (err) {
      if (err instanceof EmflowError && err._tag === "NotFoundError") return undefined;
      throw err;
    }
  }

  /** `GET /Session/{id}/IsRegistered`. */
  isSessionRegistered(sessionId: string, o: AthenaCallOptions = {}): Promise<boolean> {
    return this.#call(z.boolean(), { method: "GET", path: `${session(sessionId)}/IsRegistered`, signal: o.signal });
  }

  /** `GET /Sessions`: every registered session. */
  listSessions(o: AthenaCallOptions = {}): Promise<AthenaSession[]> {
    return this.#call(z.array(AthenaSession), { method: "GET", path: `${V1}/Sessions`, signal: o.signal });
  }

  /** `DELETE /Session/{id}`: returns the deleted session. */
  deleteSession(sessionId: string, o: AthenaCallOptions = {}): Promise<AthenaSession> {
    return this.#call(AthenaSession, { method: "DELETE", path: session(sessionId), signal: o.signal });
  }

  /** `POST /Area`: register one area; ConflictError if it exists. */
  registerArea(body: AthenaAreaBody, o: AthenaCallOptions = {}): Promise<AthenaArea> {
    return this.#call(AthenaArea, { method: "POST", path: `${V1}/Area`, body, signal: o.signal });
  }

  /** `POST /Areas`: register several (children may follow their parents in the same call). */
  registerAreas(body: readonly AthenaAreaBody[], o: AthenaCallOptions = {}): Promise<AthenaArea[]> {
    return this.#call(z.array(AthenaArea), { method: "POST", path: `${V1}/Areas`, body, signal: o.signal });
  }

  /** `PUT /Area`: update or register one area; the spec returns the stored areas as an array. */
  updateArea(body: AthenaAreaBody, o: AthenaCallOptions = {}): Promise<AthenaArea[]> {
    return this.#call(z.array(AthenaArea), { method: "PUT", path: `${V1}/Area`, body, signal: o.signal });
  }

  /** `PUT /Areas`: update or register several (204, no body). */
  async updateAreas(body: readonly AthenaAreaBody[], o: AthenaCallOptions = {}): Promise<void> {
    await this.#send({ method: "PUT", path: `${V1}/Areas`, body, signal: o.signal });
  }

  /** `GET /Session/{id}/Area/{areaId}`. */
  getArea(sessionId: string, areaId: number, o: AthenaCallOptions = {}): Promise<AthenaArea> {
    return this.#call(AthenaArea, { method: "GET", path: `${session(sessionId)}/Area/${seg(areaId)}`, signal: o.signal });
  }

  /** `GET /Session/{id}/Areas`, optionally by type and parent. */
  listAreas(sessionId: string, filter: AthenaAreaFilter = {}, o: AthenaCallOptions = {}): Promise<AthenaArea[]> {
    return this.#call(z.array(AthenaArea), { method: "GET", path: `${session(sessionId)}/Areas`, query: { ...filter }, signal: o.signal });
  }

  /** `GET /Session/{id}/Area/{parentAreaId}/Areas`: the children of an area. */
  listChildAreas(sessionId: string, parentAreaId: number, o: AthenaCallOptions = {}): Promise<AthenaArea[]> {
    return this.#call(z.array(AthenaArea), { method: "GET", path: `${session(sessionId)}/Area/${seg(parentAreaId)}/Areas`, signal: o.signal });
  }

  /** `POST /AreaState`: one area changed state. */
  postAreaState(body: AthenaAreaStateChange, o: AthenaCallOptions = {}): Promise<AthenaAreaState> {
    return this.#call(AthenaAreaState, { method: "POST", path: `${V1}/AreaState`, body, signal: o.signal });
  }

  /** `POST /AreaStates`: several areas changed state. */
  postAreaStates(body: readonly AthenaAreaStateBody[], o: AthenaCallOptions = {}): Promise<AthenaAreaState[]> {
    return this.#call(z.array(AthenaAreaState), { method: "POST", path: `${V1}/AreaStates`, body, signal: o.signal });
  }

  /** `GET /Session/{id}/Area/{areaId}/LatestAreaState`. */
  getLatestAreaState(sessionId: string, areaId: number, o: AthenaCallOptions = {}): Promise<AthenaAreaState> {
    return this.#call(AthenaAreaState, { method: "GET", path: `${session(sessionId)}/Area/${seg(areaId)}/LatestAreaState`, signal: o.signal });
  }

  /** `GET /Session/{id}/AreaStates`, optionally by area type and parent. */
  listAreaStates(sessionId: string, filter: AthenaAreaFilter = {}, o: AthenaCallOptions = {}): Promise<AthenaAreaState[]> {
    return this.#call(z.array(AthenaAreaState), { method: "GET", path: `${session(sessionId)}/AreaStates`, query: { ...filter }, signal: o.signal });
  }

  /** `POST /Decision`: the service assigns the id and timestamp. */
  postDecision(body: AthenaDecisionBody, o: AthenaCallOptions = {}): Promise<AthenaDecisionRecord> {
    return this.#call(AthenaDecisionRecord, { method: "POST", path: `${V1}/Decision`, body, signal: o.signal });
  }

  /** `POST /Decisions`: several decisions, kept in this order. */
  postDecisions(body: readonly AthenaDecisionBody[], o: AthenaCallOptions = {}): Promise<AthenaDecisionRecord[]> {
    return this.#call(z.array(AthenaDecisionRecord), { method: "POST", path: `${V1}/Decisions`, body, signal: o.signal });
  }

  /** `GET /Session/{id}/Decision/{decisionId}`. */
  getDecision(sessionId: string, decisionId: string, o: AthenaCallOptions = {}): Promise<AthenaDecisionRecord> {
    return this.#call(AthenaDecisionRecord, { method: "GET", path: `${session(sessionId)}/Decision/${seg(decisionId)}`, signal: o.signal });
  }

  /** `GET /Session/{id}/LatestDecision`: the newest matching decision, or undefined (204). */
  getLatestDecision(sessionId: string, filter: Omit<AthenaDecisionFilter, "areaIds"> = {}, o: AthenaCallOptions = {}): Promise<AthenaDecisionRecord | undefined> {
    const { areaId, decisionType, pluginType } = filter;
    return this.#maybe(AthenaDecisionRecord, { method: "GET", path: `${session(sessionId)}/LatestDecision`, query: { areaId, decisionType, pluginType }, signal: o.signal });
  }

  /** `GET /Session/{id}/Decisions`, oldest first, optionally by areas, type and plugin. */
  listDecisions(sessionId: string, filter: Omit<AthenaDecisionFilter, "areaId"> = {}, o: AthenaCallOptions = {}): Promise<AthenaDecisionRecord[]> {
    const { areaIds, decisionType, pluginType } = filter;
    return this.#call(z.array(AthenaDecisionRecord), { method: "GET", path: `${session(sessionId)}/Decisions`, query: { areaIds, decisionType, pluginType }, signal: o.signal });
  }

  /** `DELETE /Session/{id}/Decisions` matching area and type, or `/AllDecisions` without a filter. */
  async deleteDecisions(sessionId: string, filter: { areaId?: number; decisionType?: AthenaDecisionType } = {}, o: AthenaCallOptions = {}): Promise<void> {
    const all = filter.areaId === undefined && filter.decisionType === undefined;
    await this.#send({ method: "DELETE", path: `${session(sessionId)}/${all ? "AllDecisions" : "Decisions"}`, query: { ...filter }, signal: o.signal });
  }

  /** `GET /Session/{id}/AlgorithmResult?areaId&name`: one result of Athena's own algorithms. */
  getAlgorithmResult(sessionId: string, areaId: number, name: AthenaAlgorithmResultType, o: AthenaCallOptions = {}): Promise<AthenaAlgorithmResult> {
    return this.#call(AthenaAlgorithmResult, { method: "GET", path: `${session(sessionId)}/AlgorithmResult`, query: { areaId, name }, signal: o.signal });
  }

  /** `GET /Session/{id}/AlgorithmResults?parentAreaId&name`; empty when the service has none (204). */
  async listAlgorithmResults(sessionId: string, filter: { parentAreaId?: number; name?: AthenaAlgorithmResultType } = {}, o: AthenaCallOptions = {}): Promise<AthenaAlgorithmResult[]> {
    return (await this.#maybe(z.array(AthenaAlgorithmResult), { method: "GET", path: `${session(sessionId)}/AlgorithmResults`, query: { ...filter }, signal: o.signal })) ?? [];
  }

  /** `GET /Session/{id}/LatestAlgorithmResult?parentAreaId&name`, or undefined (204). */
  getLatestAlgorithmResult(sessionId: string, filter: { parentAreaId?: number; name?: AthenaAlgorithmResultType } = {}, o: AthenaCallOptions = {}): Promise<AthenaAlgorithmResult | undefined> {
    return this.#maybe(AthenaAlgorithmResult, { method: "GET", path: `${session(sessionId)}/LatestAlgorithmResult`, query: { ...filter }, signal: o.signal });
  }

  /** `POST /RunStart`: a new run (numbered 1, 2, ...) of the session starts. */
  startRun(sessionId: string, o: AthenaCallOptions = {}): Promise<AthenaRun> {
    return this.#call(AthenaRun, { method: "POST", path: `${V1}/RunStart`, body: { sessionId }, signal: o.signal });
  }

  /** `PATCH /RunStop`: the run stopped, with a reason. */
  stopRun(body: AthenaRunStop, o: AthenaCallOptions = {}): Promise<AthenaRun> {
    return this.#call(AthenaRun, { method: "PATCH", path: `${V1}/RunStop`, body, signal: o.signal });
  }

  /** `GET /Session/{id}/Runs`. */
  listRuns(sessionId: string, o: AthenaCallOptions = {}): Promise<AthenaRun[]> {
    return this.#call(z.array(AthenaRun), { method: "GET", path: `${session(sessionId)}/Runs`, signal: o.signal });
  }

  /** `GET /Session/{id}/Run/{runNumber}`. */
  getRun(sessionId: string, runNumber: number, o: AthenaCallOptions = {}): Promise<AthenaRun> {
    return this.#call(AthenaRun, { method: "GET", path: `${session(sessionId)}/Run/${seg(runNumber)}`, signal: o.signal });
  }

  /** `GET /Athena/Status`: the spec gives no body, so this is whatever text came back (200 = up). */
  async status(o: AthenaCallOptions = {}): Promise<string> {
    return (await this.#send({ method: "GET", path: `${V1}/Athena/Status`, signal: o.signal })).text;
  }

  /** `GET /Version`: the service's version string. */
  version(o: AthenaCallOptions = {}): Promise<string> {
    return this.#call(z.string().min(1), { method: "GET", path: `${V1}/Version`, signal: o.signal });
  }
}
