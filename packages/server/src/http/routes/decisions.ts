/**
 * Decisions: scores and predictions per grid square and foil hole, the ranked
 * acquisition order, the decision log with reasons, operator accept / reject /
 * override, and the per-session mode (off, advise, auto) and link.
 */
import { z } from "zod";
import { POLICY_NAMES, QualityRule } from "@emflow/decisions";
import type { DecisionControl } from "../../decisions/control.js";
import {
  actOnDecision,
  findGridSquare,
  getDecision,
  getDecisionSettings,
  insertDecision,
  listDecisions,
  putDecisionSettings,
} from "../../decisions/decision-store.js";
import { sessionScenario } from "../../decisions/session-scenario.js";
import { Decision, DecisionActionBody, DecisionSettings, DecisionSettingsBody, OverrideBody, RankedEntry } from "../../model/decisions.js";
import type { App, RouteContext } from "../app-types.js";
import { requestUser, writeGuard } from "../auth.js";
import { HttpError } from "../http-error.js";
import { ErrorResponse, IdParams } from "../schemas.js";
import { found } from "./found.js";

const tags = ["decisions"];

const Observed = z.object({
  micrographs: z.number().int(),
  good: z.number().int(),
  meanScore: z.number().nullable(),
  goodFraction: z.number(),
  low: z.number(),
  high: z.number(),
});
const ScoredArea = z.object({
  id: z.string(),
  naturalId: z.string(),
  state: z.string().nullable(),
  observed: Observed,
  predicted: z.number(),
  predictedSd: z.number(),
  basis: z.string(),
});
const Scores = z.object({ acquisitionId: z.string(), policy: z.string(), micrographs: z.number().int(), good: z.number().int(), items: z.array(ScoredArea) });
const Order = z.object({ policy: z.string(), ranked: z.array(RankedEntry) });

/** Register the decision routes; `engine` is undefined when this server makes no decisions. */
export function decisionRoutes(app: App, ctx: RouteContext, engine: DecisionControl | undefined): void {
  const db = ctx.store.sql;
  const guard = writeGuard(ctx.config.tokens);
  const need = (): DecisionControl => {
    if (engine === undefined) throw new HttpError(503, "decisions are not enabled on this server");
    return engine;
  };

  app.get(
    "/api/v1/acquisitions/:id/decision-settings",
    { schema: { tags, summary: "A session's decision mode, policy and link", params: IdParams, response: { 200: DecisionSettings, 404: ErrorResponse } } },
    async (request) => found(await getDecisionSettings(db, request.params.id), "acquisition", request.params.id),
  );

  app.put(
    "/api/v1/acquisitions/:id/decision-settings",
    {
      onRequest: guard,
      schema: {
        tags,
        summary: "Set a session's decision mode (off | advise | auto), policy (epu | greedy | ucb) and link (none | athena | agent)",
        security: [{ bearer: [] }],
        params: IdParams,
        body: DecisionSettingsBody,
        response: { 200: DecisionSettings, 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      const { policy, params } = request.body;
      if (policy !== undefined && !(POLICY_NAMES as readonly string[]).includes(policy)) throw new HttpError(400, `unknown policy "${policy}": use one of ${POLICY_NAMES.join(", ")}`);
      if (params?.qualityRule !== undefined) {
        const r = QualityRule.partial().safeParse(params.qualityRule);
        if (!r.success) throw new HttpError(400, `params.qualityRule.${r.error.issues[0]?.path.join(".") ?? ""}: ${r.error.issues[0]?.message ?? "invalid"}`);
      }
      const s = found(await putDecisionSettings(db, request.params.id, request.body), "acquisition", request.params.id);
      request.log.info({ acquisitionId: s.acquisitionId, mode: s.mode, policy: s.policy, link: s.link }, "decision settings changed");
      return s;
    },
  );

  app.get(
    "/api/v1/acquisitions/:id/scores",
    { schema: { tags, summary: "Quality observed and predicted per grid square of a session", params: IdParams, response: { 200: Scores, 404: ErrorResponse, 503: ErrorResponse } } },
    async (request) => found(await need().squareScores(request.params.id), "acquisition", request.params.id),
  );

  app.get(
    "/api/v1/grid-squares/:id/scores",
    { schema: { tags, summary: "Quality observed and predicted per foil hole of a grid square", params: IdParams, response: { 200: Scores, 404: ErrorResponse, 503: ErrorResponse } } },
    async (request) => found(await need().holeScores(request.params.id), "grid square", request.params.id),
  );

  app.get(
    "/api/v1/acquisitions/:id/acquisition-order",
    { schema: { tags, summary: "The current ranked order of grid squares, with reasons", params: IdParams, response: { 200: Order, 404: ErrorResponse, 503: ErrorResponse } } },
    async (request) => found(await need().order(request.params.id), "acquisition", request.params.id),
  );

  app.get(
    "/api/v1/acquisitions/:id/scenario",
    {
      schema: {
        tags,
        summary: "This session as a simulator scenario (docs/DECISIONS.md): replay it with `emflow simulate --scenario <this URL>`",
        description: "Squares and holes as EPU listed them; each imaged hole's chance of a good micrograph from its own processed results, the others from their square's (or the grid's).",
        params: IdParams,
        response: { 200: z.record(z.string(), z.unknown()), 404: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (request) => {
      found(await ctx.store.getAcquisition(request.params.id), "acquisition", request.params.id);
      return sessionScenario(db, request.params.id);
    },
  );

  app.get(
    "/api/v1/acquisitions/:id/decisions",
    {
      schema: {
        tags,
        summary: "A session's decisions, newest first, with reasons and operator actions",
        params: IdParams,
        querystring: z.object({
          open: z.enum(["true", "false"]).transform((v) => v === "true").optional().describe("only those waiting for an operator or the link"),
          limit: z.coerce.number().int().min(1).max(1000).default(50),
        }).strict(),
        response: { 200: z.array(Decision), 404: ErrorResponse },
      },
    },
    async (request) => {
      found(await ctx.store.getAcquisition(request.params.id), "acquisition", request.params.id);
      return listDecisions(db, request.params.id, { limit: request.query.limit, ...(request.query.open === undefined ? {} : { open: request.query.open }) });
    },
  );

  app.get(
    "/api/v1/decisions/:id",
    { schema: { tags, summary: "One decision", params: IdParams, response: { 200: Decision, 404: ErrorResponse } } },
    async (request) => found(await getDecision(db, request.params.id), "decision", request.params.id),
  );

  app.post(
    "/api/v1/acquisitions/:id/decisions/recompute",
    {
      onRequest: guard,
      schema: { tags, summary: "Make a decision now from the current results", security: [{ bearer: [] }], params: IdParams, response: { 200: z.object({ decision: Decision.nullable() }), 401: ErrorResponse, 404: ErrorResponse, 503: ErrorResponse } },
    },
    async (request) => {
      found(await ctx.store.getAcquisition(request.params.id), "acquisition", request.params.id);
      return { decision: (await need().decideNow(request.params.id)) ?? null };
    },
  );

  for (const act of ["accept", "reject"] as const) {
    app.post(
      `/api/v1/decisions/:id/${act}`,
      {
        onRequest: guard,
        schema: {
          tags,
          summary: act === "accept" ? "Accept a proposed decision (advise mode): it is sent through the session's link" : "Reject a decision: it is never sent",
          security: [{ bearer: [] }],
          params: IdParams,
          body: DecisionActionBody.optional(),
          response: { 200: Decision, 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
        },
      },
      async (request) => {
        const note = (request.body as z.infer<typeof DecisionActionBody> | undefined)?.note;
        const operator = requestUser(request) ?? "unknown";
        const r = found(await actOnDecision(db, request.params.id, act, { operator, ...(note === undefined ? {} : { note }) }), "decision", request.params.id);
        ctx.hub.publish(r.events);
        request.log.info({ decisionId: r.decision.id, acquisitionId: r.decision.acquisitionId, operator }, `decision ${act}ed`);
        return act === "accept" && engine !== undefined ? engine.deliver(r.decision) : r.decision;
      },
    );
  }

  app.post(
    "/api/v1/decisions/:id/send",
    {
      onRequest: guard,
      schema: {
        tags,
        summary: "Send an accepted decision again through the session's link (after a failed send)",
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: Decision, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 502: ErrorResponse, 503: ErrorResponse },
      },
    },
    async (request) => {
      const d = found(await getDecision(db, request.params.id), "decision", request.params.id);
      if (d.state !== "accepted") throw new HttpError(409, `decision ${d.id} is ${d.state}: only accepted decisions are sent again (accept a proposed one)`);
      return need().deliver(d);
    },
  );

  app.post(
    "/api/v1/acquisitions/:id/decisions/override",
    {
      onRequest: guard,
      schema: {
        tags,
        summary: "Override: go to this grid square next; the open decisions become overridden and this one is sent through the link",
        security: [{ bearer: [] }],
        params: IdParams,
        body: OverrideBody,
        response: { 200: Decision, 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      const id = request.params.id;
      const settings = found(await getDecisionSettings(db, id), "acquisition", id);
      const square = await findGridSquare(db, id, request.body.gridSquareId);
      if (square === undefined) throw new HttpError(404, `grid square ${request.body.gridSquareId} not found in acquisition ${id}`);
      const operator = requestUser(request) ?? "unknown";
      const [latest] = await listDecisions(db, id, { limit: 1, open: true });
      const r = await insertDecision(db, {
        acquisitionId: id,
        source: "operator",
        policy: settings.policy,
        action: "go_to_square",
        gridSquareId: square.id,
        target: square.naturalId,
        reasons: ["operator_override"],
        numbers: {},
        ranked: latest?.ranked ?? [],
        state: "accepted",
        operator,
        ...(request.body.note === undefined ? {} : { note: request.body.note }),
        ...(latest === undefined ? {} : { overrides: latest.id }),
      });
      ctx.hub.publish(r.events);
      request.log.info({ decisionId: r.decision.id, acquisitionId: id, operator, target: square.naturalId }, "decision overridden");
      return engine === undefined ? r.decision : engine.deliver(r.decision);
    },
  );
}
