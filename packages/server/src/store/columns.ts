/**
 * The one mapping between core's camelCase field schemas and SQL columns:
 * column name = snake_case of the field, column type from the field's JSON
 * schema (fields ending in `At` are timestamptz). Ingest records, SELECT
 * mapping and the schema test all derive from TABLES below, so a field added
 * to core needs only a migration.
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
} from "@emflow/core";
import type { Row } from "./sql-client.js";

/** The column types field columns use. */
export type SqlType = "double precision" | "integer" | "boolean" | "text" | "timestamptz";

/** One field ↔ column pair. */
export interface Column {
  readonly field: string;
  readonly name: string;
  readonly type: SqlType;
}

/** A table: its field columns plus the key/parent columns mapped to response properties. */
export interface TableSpec {
  readonly table: string;
  readonly columns: readonly Column[];
  /** Non-field columns returned to clients: column → property. */
  readonly keys: Readonly<Record<string, string>>;
}

/** camelCase → snake_case (`stageXUm` → `stage_x_um`, `doseEA2` → `dose_e_a2`). */
export function snakeCase(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Derive the columns of a core `*Fields` schema. */
export function columnsOf(fields: z.ZodObject): Column[] {
  const json = z.toJSONSchema(fields, { unrepresentable: "any" }) as { properties?: Record<string, { type?: string }> };
  return Object.entries(json.properties ?? {}).map(([field, prop]) => ({ field, name: snakeCase(field), type: sqlType(field, prop.type) }));
}

function sqlType(field: string, jsonType: string | undefined): SqlType {
  switch (jsonType) {
    case "number":
      return "double precision";
    case "integer":
      return "integer";
    case "boolean":
      return "boolean";
    case "string":
      return field.endsWith("At") ? "timestamptz" : "text";
    default:
      throw new Error(`field ${field}: no SQL type for JSON type ${String(jsonType)}`);
  }
}

const stamps = { created_at: "createdAt", updated_at: "updatedAt" };

function spec(table: string, fields: z.ZodObject, keys: Record<string, string>): TableSpec {
  return { table, columns: columnsOf(fields), keys: { id: "id", ...keys, ...stamps } };
}

/** Every entity table. */
export const TABLES = {
  acquisition: spec("acquisitions", AcquisitionFields, { epu_id: "epuId", name: "name" }),
  grid: spec("grids", GridFields, { acquisition_id: "acquisitionId", natural_id: "naturalId" }),
  // atlases.atlas_id is EPU's natural atlas id (a field); atlas_tiles.atlas_id is the parent UUID (not served).
  atlas: spec("atlases", AtlasFields, { acquisition_id: "acquisitionId", grid_id: "gridId" }),
  atlasTile: spec("atlas_tiles", AtlasTileFields, { natural_id: "naturalId" }),
  gridSquare: spec("grid_squares", GridSquareFields, { acquisition_id: "acquisitionId", grid_id: "gridId", natural_id: "naturalId" }),
  foilHole: spec("foil_holes", FoilHoleFields, {
    acquisition_id: "acquisitionId",
    grid_id: "gridId",
    grid_square_id: "gridSquareId",
    natural_id: "naturalId",
  }),
  micrograph: spec("micrographs", MicrographFields, {
    acquisition_id: "acquisitionId",
    grid_id: "gridId",
    grid_square_id: "gridSquareId",
    foil_hole_id: "foilHoleId",
    natural_id: "naturalId",
  }),
} as const satisfies Record<string, TableSpec>;

/** Field data → a record keyed by column name, for jsonb_to_recordset. Absent fields stay absent (NULL → unchanged). */
export function toRecord(spec: TableSpec, data: Readonly<Record<string, unknown>>, extra: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...extra };
  for (const c of spec.columns) {
    const v = data[c.field];
    if (v !== undefined) out[c.name] = v;
  }
  return out;
}

/** A database row → the camelCase entity, leaving out NULL (unknown) fields; times become ISO strings. */
export function fromRow<T>(spec: TableSpec, row: Row): T {
  const out: Record<string, unknown> = {};
  for (const [column, prop] of Object.entries(spec.keys)) out[prop] = plain(row[column]);
  for (const c of spec.columns) {
    const v = row[c.name];
    if (v !== null && v !== undefined) out[c.field] = plain(v);
  }
  return out as T;
}

function plain(v: unknown): unknown {
  return v instanceof Date ? v.toISOString() : v;
}
