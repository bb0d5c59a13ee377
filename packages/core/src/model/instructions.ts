/**
 * Instructions from the server to the agent beside the microscope (a new
 * acquisition order, grid squares to skip, a note for the operator): the wire
 * format both ends validate. Enqueuing is strict about payloads; receiving is
 * lenient about kinds, so an older agent still records what a newer server sends.
 */
import { z } from "zod";
import { EpuId } from "./fields.js";

const Uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "must be a UUID");
const IsoTime = z.string().max(40).refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 time");

/** An agent's name on the server (default: the microscope PC's host name); safe in a URL path. */
export const AgentId = z.string().regex(/^[A-Za-z0-9][\w.:@-]{0,199}$/, "must be 1–200 letters, digits or . _ : @ - (starting with a letter or digit)");

/** The kinds of instruction the server can enqueue. */
export const InstructionKind = z.enum(["acquisition-order", "skip-grid-squares", "message"]);
export type InstructionKind = z.infer<typeof InstructionKind>;

const GridSquareIds = z
  .array(EpuId)
  .min(1)
  .max(10_000)
  .refine((ids) => new Set(ids).size === ids.length, "must not name a grid square twice");

/** A better order for the grid squares still to be acquired (EPU ids, first = next). */
export const AcquisitionOrderPayload = z
  .object({
    gridId: EpuId.describe("EPU id of the grid (sample) the squares are on"),
    gridSquareIds: GridSquareIds.describe("grid squares in the order to acquire them"),
    reason: z.string().max(2000).optional(),
  })
  .strict();

/** Grid squares not worth acquiring (thick ice, broken, contaminated). */
export const SkipGridSquaresPayload = z
  .object({
    gridId: EpuId,
    gridSquareIds: GridSquareIds,
    reason: z.string().max(2000).optional(),
  })
  .strict();

/** A note for the operator at the microscope. */
export const MessagePayload = z
  .object({
    text: z.string().min(1).max(2000),
    level: z.enum(["info", "warning"]).optional(),
  })
  .strict();

/** What an enqueuer sends: a kind with the payload that kind requires. */
export const InstructionContent = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("acquisition-order"), payload: AcquisitionOrderPayload }),
  z.object({ kind: z.literal("skip-grid-squares"), payload: SkipGridSquaresPayload }),
  z.object({ kind: z.literal("message"), payload: MessagePayload }),
]);
export type InstructionContent = z.infer<typeof InstructionContent>;

/** One instruction as an agent receives it (the `data:` of an SSE `instruction` event). */
export const Instruction = z.object({
  id: Uuid,
  seq: z.number().int().positive().describe("per-server order; the SSE event id"),
  acquisitionId: Uuid,
  agentId: AgentId,
  kind: z.string().min(1).max(64),
  payload: z.record(z.string(), z.unknown()),
  createdAt: IsoTime,
  expiresAt: IsoTime.describe("the agent must not apply it after this time"),
});
export type Instruction = z.infer<typeof Instruction>;

/**
 * Whether a new instruction of `kind` replaces the acquisition's unacked older ones of the same kind by default:
 * a newer acquisition order makes the older one wrong; notes and skip lists add up.
 */
export function supersedesByDefault(kind: string): boolean {
  return kind === "acquisition-order";
}

/** An instruction's lifecycle on the server: pending → delivered → acked, or expired / superseded. */
export const InstructionState = z.enum(["pending", "delivered", "acked", "expired", "superseded"]);
export type InstructionState = z.infer<typeof InstructionState>;
