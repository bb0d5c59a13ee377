/**
 * Instructions to the agents beside the microscopes: enqueue and history per
 * acquisition, one SSE stream per agent (resume with Last-Event-ID or
 * `?since=`, `: ping` heartbeats, live push on enqueue, redelivery of overdue
 * unacked instructions) and an idempotent ack. Enqueue, ack and the stream
 * need a write token, like every write.
 */
import { z } from "zod";
import { AcquisitionOrderPayload, AgentId, Instruction, InstructionState, MessagePayload, SkipGridSquaresPayload } from "@emflow/core";
import { NotFoundError, ValidationError } from "../../errors.js";
import type { App, RouteContext } from "../app-types.js";
import { writeGuard } from "../auth.js";
import { InstructionStream } from "../instruction-stream.js";
import { ErrorResponse, IdParams } from "../schemas.js";
import { found } from "./found.js";

const tags = ["instructions"];

const common = {
  ttlS: z.number().positive().max(7 * 86_400).default(3600).describe("seconds until it expires undelivered or unacked (default 3600)"),
  agentId: AgentId.optional().describe("the agent to send it to; default: the agent that last sent this acquisition"),
  supersede: z.boolean().optional().describe("replace this acquisition's unacked instructions of the same kind (default: true for acquisition-order, false otherwise)"),
};

/** An enqueue: a kind with the payload that kind requires, a time to live, optionally the agent. */
export const EnqueueBody = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("acquisition-order"), payload: AcquisitionOrderPayload, ...common }).strict(),
  z.object({ kind: z.literal("skip-grid-squares"), payload: SkipGridSquaresPayload, ...common }).strict(),
  z.object({ kind: z.literal("message"), payload: MessagePayload, ...common }).strict(),
]);

/** An instruction with its delivery history. */
export const InstructionRecord = Instruction.extend({
  state: InstructionState,
  deliveries: z.number().int(),
  deliveredAt: z.string().nullable(),
  ackedAt: z.string().nullable(),
  supersededBy: z.string().nullable(),
});

const Enqueued = z.object({ instruction: InstructionRecord, superseded: z.array(z.string()).describe("ids of the instructions this one replaced") });
const Acked = z.object({ instruction: InstructionRecord, duplicate: z.boolean().describe("it was acknowledged before") });
const History = z.object({ items: z.array(InstructionRecord) });
const AgentParams = z.object({ agentId: z.string().max(300) });
const AckParams = z.object({ agentId: z.string().max(300), id: z.string().max(100) });
const StreamQuery = z.object({ since: z.coerce.number().int().min(0).optional().describe("send instructions after this seq (like Last-Event-ID)") }).strict();
const HistoryQuery = z.object({ limit: z.coerce.number().int().min(1).max(10_000).optional() }).strict();

/** Test seams: the clock (epoch ms). */
export interface InstructionRouteOptions {
  readonly now?: () => number;
}

/** Wakes the open streams of one agent when something is enqueued for it. */
class Wakers {
  private readonly byAgent = new Map<string, Set<InstructionStream>>();
  add(agentId: string, s: InstructionStream): () => void {
    let set = this.byAgent.get(agentId);
    if (set === undefined) this.byAgent.set(agentId, (set = new Set()));
    set.add(s);
    return () => {
      set.delete(s);
      if (set.size === 0) this.byAgent.delete(agentId);
    };
  }
  wake(agentId: string): void {
    for (const s of this.byAgent.get(agentId) ?? []) void s.flush();
  }
  all(): InstructionStream[] {
    return [...this.byAgent.values()].flatMap((set) => [...set]);
  }
}

function agentIdOf(raw: string): string {
  const parsed = AgentId.safeParse(raw);
  if (!parsed.success) throw new NotFoundError(`agent ${raw} not found (not a valid agent id)`);
  return parsed.data;
}

/** Register the instruction routes; their streams end when the server closes. Returns how to wake an agent's streams. */
export function instructionRoutes(app: App, ctx: RouteContext, opts: InstructionRouteOptions = {}): { wake: (agentId: string) => void } {
  const { store, config } = ctx;
  const now = opts.now ?? Date.now;
  const guard = writeGuard(config.tokens);
  const wakers = new Wakers();
  app.addHook("preClose", async () => {
    for (const s of wakers.all()) s.close();
  });

  app.post(
    "/api/v1/acquisitions/:id/instructions",
    {
      onRequest: guard,
      schema: {
        tags,
        summary: "Enqueue an instruction for the agent of an acquisition",
        description: "Validated per kind. An unacked older instruction of the same kind for the acquisition is superseded (never sent again).",
        security: [{ bearer: [] }],
        params: IdParams,
        body: EnqueueBody,
        response: { 201: Enqueued, 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { kind, payload, ttlS, agentId, supersede } = request.body;
      const input = { acquisitionId: request.params.id, kind, payload, ttlS, now: now(), ...(agentId === undefined ? {} : { agentId }), ...(supersede === undefined ? {} : { supersede }) };
      const result = found(await store.instructions.enqueue(input), "acquisition", request.params.id);
      const { instruction } = result;
      request.log.info({ instructionId: instruction.id, seq: instruction.seq, kind, agentId: instruction.agentId, acquisitionId: instruction.acquisitionId, superseded: result.superseded }, "instruction enqueued");
      wakers.wake(instruction.agentId);
      return reply.status(201).send(result);
    },
  );

  app.get(
    "/api/v1/acquisitions/:id/instructions",
    { schema: { tags, summary: "An acquisition's instructions with their states, oldest first", params: IdParams, querystring: HistoryQuery, response: { 200: History, 404: ErrorResponse } } },
    async (request) => {
      const items = found(await store.instructions.listForAcquisition(request.params.id, { now: now(), ...(request.query.limit === undefined ? {} : { limit: request.query.limit }) }), "acquisition", request.params.id);
      return { items };
    },
  );

  app.post(
    "/api/v1/agents/:agentId/instructions/:id/ack",
    {
      onRequest: guard,
      schema: {
        tags,
        summary: "Acknowledge an applied instruction (idempotent)",
        security: [{ bearer: [] }],
        params: AckParams,
        response: { 200: Acked, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (request) => {
      const agentId = agentIdOf(request.params.agentId);
      const { id } = request.params;
      const result = found(await store.instructions.ack(agentId, id, now()), "instruction", id);
      request.log.info({ instructionId: id, agentId, duplicate: result.duplicate }, result.duplicate ? "instruction acknowledged again" : "instruction acknowledged");
      return result;
    },
  );

  app.get(
    "/api/v1/agents/:agentId/instructions",
    {
      // A HEAD request would open a stream that never ends; only GET is served.
      exposeHeadRoute: false,
      onRequest: guard,
      schema: {
        tags,
        summary: "An agent's instructions (text/event-stream)",
        description:
          "`event: ready` first (data: heartbeatMs), then `event: instruction` with `id:` = seq and the JSON below. Resume with Last-Event-ID or `?since=`. A `: ping` comment every heartbeat; unacked instructions are sent again after two heartbeats; expired ones never.",
        security: [{ bearer: [] }],
        params: AgentParams,
        querystring: StreamQuery,
        response: { 200: Instruction.describe("the data of one `instruction` event"), 401: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const agentId = agentIdOf(request.params.agentId);
      const since = resumeFrom(request.headers["last-event-id"], request.query.since) ?? 0;
      const log = request.log.child({ agentId });
      reply.hijack();
      const stream = new InstructionStream({
        res: reply.raw,
        store: store.instructions,
        agentId,
        since,
        heartbeatMs: config.sseHeartbeatMs,
        redeliverAfterMs: 2 * config.sseHeartbeatMs,
        now,
        log,
      });
      const remove = wakers.add(agentId, stream);
      const timer = setInterval(() => stream.heartbeat(), config.sseHeartbeatMs);
      timer.unref();
      stream.onClose(() => {
        clearInterval(timer);
        remove();
        log.info("instruction stream closed");
      });
      stream.open();
      log.info({ since }, "instruction stream opened");
      await stream.flush();
    },
  );
  // The decision engine enqueues too (store.instructions); it wakes the agent's streams through this.
  return { wake: (agentId) => wakers.wake(agentId) };
}

function resumeFrom(header: string | string[] | undefined, since: number | undefined): number | undefined {
  const value = Array.isArray(header) ? header[header.length - 1] : header;
  if (value === undefined || value.trim() === "") return since;
  if (!/^\d{1,15}$/.test(value.trim())) throw new ValidationError("Last-Event-ID: must be the seq of an instruction");
  return Number(value.trim());
}
