/**
 * The entities the server stores and serves: core's field schemas plus
 * internal UUIDs, parent ids and natural ids. One zod schema per entity is the
 * single source for the TypeScript types, the HTTP responses and the OpenAPI
 * document. Unknown fields are omitted, never null (core: absent = unknown).
 */
import { z } from "zod";
import {
  AcquisitionFields,
  AtlasFields,
  AtlasTileFields,
  FoilHoleFields,
  GridFields,
  GridSquareFields,
  MicrographFields,
  type IngestKind,
} from "@emflow/core";

const Uuid = z.string().describe("internal id (UUID)");
const Iso = z.string().describe("ISO 8601 time, UTC");
const NaturalId = z.string().describe("natural EPU id, kept as given");

const stamps = { createdAt: Iso, updatedAt: Iso };

/** An EPU session. */
export const Acquisition = AcquisitionFields.extend({ id: Uuid, epuId: NaturalId, name: z.string(), ...stamps });
export type Acquisition = z.infer<typeof Acquisition>;

/** A grid (EPU sample) of an acquisition. */
export const Grid = GridFields.extend({ id: Uuid, acquisitionId: Uuid, naturalId: NaturalId, ...stamps });
export type Grid = z.infer<typeof Grid>;

/** One tile of an atlas montage. */
export const AtlasTile = AtlasTileFields.extend({ id: Uuid, naturalId: NaturalId, ...stamps });
export type AtlasTile = z.infer<typeof AtlasTile>;

/** A grid's atlas; `atlasId` is EPU's natural atlas id. */
export const Atlas = AtlasFields.extend({ id: Uuid, acquisitionId: Uuid, gridId: Uuid, ...stamps });
export type Atlas = z.infer<typeof Atlas>;

/** An atlas with all its tiles (an atlas has tens of tiles, so no paging). */
export const AtlasWithTiles = Atlas.extend({ tiles: z.array(AtlasTile) });
export type AtlasWithTiles = z.infer<typeof AtlasWithTiles>;

/** A grid square. */
export const GridSquare = GridSquareFields.extend({
  id: Uuid,
  acquisitionId: Uuid,
  gridId: Uuid,
  naturalId: NaturalId,
  ...stamps,
});
export type GridSquare = z.infer<typeof GridSquare>;

/** A foil hole. */
export const FoilHole = FoilHoleFields.extend({
  id: Uuid,
  acquisitionId: Uuid,
  gridId: Uuid,
  gridSquareId: Uuid,
  naturalId: NaturalId,
  ...stamps,
});
export type FoilHole = z.infer<typeof FoilHole>;

/** One exposure; `naturalId` is its EPU file base name, unique within the grid. */
export const Micrograph = MicrographFields.extend({
  id: Uuid,
  acquisitionId: Uuid,
  gridId: Uuid,
  gridSquareId: Uuid,
  foilHoleId: Uuid,
  naturalId: z.string().describe("EPU file base name"),
  ...stamps,
});
export type Micrograph = z.infer<typeof Micrograph>;

/** Entity counts of one acquisition, for dashboards. */
export const AcquisitionSummary = z.object({
  acquisitionId: Uuid,
  grids: z.number().int(),
  atlasTiles: z.number().int(),
  gridSquares: z.number().int(),
  foilHoles: z.number().int(),
  micrographs: z.number().int(),
  lastUpdateAt: Iso.nullable().describe("time of the last change, null before any"),
});
export type AcquisitionSummary = z.infer<typeof AcquisitionSummary>;

/** Entity kinds as they appear in change events (core's ingest kinds). */
export const EntityKind = z.enum(["acquisition", "grid", "atlas", "atlasTile", "gridSquare", "foilHole", "micrograph"]);
export type EntityKind = z.infer<typeof EntityKind>;
// Compile-time guard: the event kinds are exactly core's ingest kinds.
const sameKinds: [EntityKind, IngestKind] extends [IngestKind, EntityKind] ? true : never = true;
void sameKinds;

/** What a change event is about: an entity, the processing of a micrograph (id = the micrograph's), or a decision (id = the decision's). */
export const EventKind = z.enum([...EntityKind.options, "processing", "decision"]);
export type EventKind = z.infer<typeof EventKind>;

/** One committed change, as stored in change_events and sent over SSE. */
export const ChangeEvent = z.object({
  seq: z.number().int().describe("position in the change log; the SSE event id"),
  kind: EventKind,
  id: Uuid,
  acquisitionId: Uuid,
  op: z.enum(["created", "updated"]),
  at: Iso,
});
export type ChangeEvent = z.infer<typeof ChangeEvent>;

/** A page of a list: `nextCursor` is null on the last page; `total` counts every match. */
export function Page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), total: z.number().int(), nextCursor: z.string().nullable() });
}
/** A page of results. */
export interface Page<T> {
  readonly items: T[];
  readonly total: number;
  readonly nextCursor: string | null;
}
