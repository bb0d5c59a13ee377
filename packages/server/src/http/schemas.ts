/** Request and response schemas of the HTTP API (zod; also the source of the OpenAPI document). */
import { z } from "zod";
import { EpuId, EpuTargetState, MicrographName } from "@emflow/core";

const Uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "must be a UUID");
const IsoTime = z.string().max(40).refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 time");
const Bool = z.enum(["true", "false"]).transform((v) => v === "true");

/** `?limit=&cursor=` of every list. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).optional().describe("page size, 1–1000, default 100"),
  cursor: z.string().min(1).max(200).optional().describe("`nextCursor` of the previous page"),
});

export const AcquisitionsQuery = PageQuery.extend({
  name: z.string().min(1).max(300).optional().describe("case-insensitive substring of the session name"),
  epuId: EpuId.optional(),
}).strict();

export const GridsQuery = PageQuery.strict();

export const GridSquaresQuery = PageQuery.extend({
  state: EpuTargetState.optional(),
  selected: Bool.optional(),
  naturalId: EpuId.optional(),
}).strict();

export const FoilHolesQuery = PageQuery.extend({
  state: EpuTargetState.optional(),
  nearGridBar: Bool.optional(),
  naturalId: EpuId.optional(),
}).strict();

const acquiredRange = {
  acquiredFrom: IsoTime.optional().describe("acquired at or after"),
  acquiredTo: IsoTime.optional().describe("acquired before"),
};

export const HoleMicrographsQuery = PageQuery.extend({ naturalId: MicrographName.optional(), ...acquiredRange }).strict();

export const MicrographsQuery = PageQuery.extend({
  acquisitionId: Uuid.optional(),
  gridId: Uuid.optional(),
  gridSquareId: Uuid.optional(),
  foilHoleId: Uuid.optional(),
  naturalId: MicrographName.optional().describe("EPU file base name"),
  ...acquiredRange,
}).strict();

/** `:id` path parameter; unknown or malformed ids are answered with 404 by the handler. */
export const IdParams = z.object({ id: z.string().max(100) });

export const EventsQuery = z
  .object({
    acquisitionId: Uuid.optional().describe("only this acquisition's changes"),
    since: z.coerce.number().int().min(0).optional().describe("replay changes after this seq (like Last-Event-ID)"),
  })
  .strict();

export const Health = z.object({
  status: z.literal("ok"),
  store: z.enum(["pglite", "postgres"]),
  version: z.string(),
  uptimeS: z.number(),
});

export const ErrorResponse = z.object({
  error: z.object({ status: z.number().int(), code: z.string(), message: z.string() }),
});
