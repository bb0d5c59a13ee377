/**
 * The agent → server wire format: a batch of upserts for one EPU session,
 * parents before children, keyed by natural EPU ids so a batch can be sent
 * any number of times without duplicating anything.
 */
import { z } from "zod";
import {
  AcquisitionFields,
  AtlasFields,
  AtlasTileFields,
  EpuId,
  FoilHoleFields,
  GridFields,
  GridSquareFields,
  MicrographFields,
  MicrographName,
} from "./fields.js";

/** Upper bound on items per batch; the agent splits larger changes. */
export const MAX_BATCH_ITEMS = 5000;

/** How a session is named across agent and server: EPU's session Id plus its Name. */
export const SessionKey = z.object({ epuId: EpuId, name: z.string().min(1).max(300) }).strict();
export type SessionKey = z.infer<typeof SessionKey>;

export const AcquisitionItem = z.object({ kind: z.literal("acquisition"), data: AcquisitionFields }).strict();
export const GridItem = z.object({ kind: z.literal("grid"), gridId: EpuId, data: GridFields }).strict();
export const AtlasItem = z.object({ kind: z.literal("atlas"), gridId: EpuId, data: AtlasFields }).strict();
export const AtlasTileItem = z
  .object({ kind: z.literal("atlasTile"), gridId: EpuId, tileId: EpuId, data: AtlasTileFields })
  .strict();
export const GridSquareItem = z
  .object({ kind: z.literal("gridSquare"), gridId: EpuId, gridSquareId: EpuId, data: GridSquareFields })
  .strict();
export const FoilHoleItem = z
  .object({
    kind: z.literal("foilHole"),
    gridId: EpuId,
    gridSquareId: EpuId,
    foilHoleId: EpuId,
    data: FoilHoleFields,
  })
  .strict();
export const MicrographItem = z
  .object({
    kind: z.literal("micrograph"),
    gridId: EpuId,
    gridSquareId: EpuId,
    foilHoleId: EpuId,
    name: MicrographName,
    data: MicrographFields,
  })
  .strict();

/** One upsert. `kind` says which entity; the id fields say where it hangs. */
export const IngestItem = z.discriminatedUnion("kind", [
  AcquisitionItem,
  GridItem,
  AtlasItem,
  AtlasTileItem,
  GridSquareItem,
  FoilHoleItem,
  MicrographItem,
]);
export type IngestItem = z.infer<typeof IngestItem>;
export type IngestKind = IngestItem["kind"];

/** Entity kinds from the top of the hierarchy down: the order a batch must respect. */
export const KIND_ORDER: readonly IngestKind[] = [
  "acquisition",
  "grid",
  "atlas",
  "atlasTile",
  "gridSquare",
  "foilHole",
  "micrograph",
];

/** A batch as POSTed to /api/v1/ingest. `batchId` makes retries idempotent. */
export const IngestBatch = z
  .object({
    batchId: z.string().uuid(),
    agentId: z.string().min(1).max(200).optional(),
    session: SessionKey,
    items: z.array(IngestItem).max(MAX_BATCH_ITEMS),
  })
  .strict();
export type IngestBatch = z.infer<typeof IngestBatch>;

/** What the server answers to a batch. */
export const IngestResult = z.object({
  batchId: z.string(),
  acquisitionId: z.string(),
  duplicate: z.boolean(),
  created: z.number().int(),
  updated: z.number().int(),
});
export type IngestResult = z.infer<typeof IngestResult>;

/** The natural key of an item as one string, for maps, diffs and parking. */
export function itemKey(item: IngestItem): string {
  switch (item.kind) {
    case "acquisition":
      return "acquisition";
    case "grid":
      return `grid:${item.gridId}`;
    case "atlas":
      return `atlas:${item.gridId}`;
    case "atlasTile":
      return `atlasTile:${item.gridId}:${item.tileId}`;
    case "gridSquare":
      return `gridSquare:${item.gridId}:${item.gridSquareId}`;
    case "foilHole":
      return `foilHole:${item.gridId}:${item.foilHoleId}`;
    case "micrograph":
      return `micrograph:${item.gridId}:${item.name}`;
  }
}

/** The key of the entity an item needs to exist first, or undefined for the session itself. */
export function parentKey(item: IngestItem): string | undefined {
  switch (item.kind) {
    case "acquisition":
      return undefined;
    case "grid":
      return "acquisition";
    case "atlas":
      return `grid:${item.gridId}`;
    case "atlasTile":
      return `atlas:${item.gridId}`;
    case "gridSquare":
      return `grid:${item.gridId}`;
    case "foilHole":
      return `gridSquare:${item.gridId}:${item.gridSquareId}`;
    case "micrograph":
      return `foilHole:${item.gridId}:${item.foilHoleId}`;
  }
}
