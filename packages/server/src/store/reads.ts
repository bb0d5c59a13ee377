/**
 * Generic reads over the entity tables: get by UUID, and keyset-paged lists
 * ordered by insertion (`seq`) with an exact `total` from a count over the
 * same filter (served by the (parent, seq) indexes).
 */
import type { Page } from "../model/entities.js";
import { fromRow, type TableSpec } from "./columns.js";
import { decodeCursor, encodeCursor, isUuid, pageLimit } from "./cursor.js";
import type { SqlQueryable } from "./sql-client.js";
import type { PageQuery } from "./store.js";
import { Where } from "./where.js";

/** One row by id; undefined for unknown or malformed ids. */
export async function getById<T>(db: SqlQueryable, spec: TableSpec, id: string): Promise<T | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await db.query(`SELECT * FROM ${spec.table} WHERE id = $1`, [id]);
  return row === undefined ? undefined : fromRow<T>(spec, row);
}

/** An empty page, for filters that cannot match (e.g. a malformed parent id). */
export function emptyPage<T>(q: PageQuery): Page<T> {
  pageLimit(q.limit);
  if (q.cursor !== undefined) decodeCursor(q.cursor);
  return { items: [], total: 0, nextCursor: null };
}

/** One page of `spec.table` rows matching `where`. */
export async function listPage<T>(db: SqlQueryable, spec: TableSpec, where: Where, q: PageQuery): Promise<Page<T>> {
  const limit = pageLimit(q.limit);
  const paged = where.clone();
  if (q.cursor !== undefined) paged.add("seq > ?::bigint", decodeCursor(q.cursor));
  // One extra row tells whether another page exists without a second query.
  const rows = await db.query(`SELECT * FROM ${spec.table} WHERE ${paged.sql} ORDER BY seq LIMIT ${limit + 1}`, paged.params);
  const [count] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${spec.table} WHERE ${where.sql}`, where.params);
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return {
    items: pageRows.map((r) => fromRow<T>(spec, r)),
    total: Number(count?.n ?? 0),
    nextCursor: more && last !== undefined ? encodeCursor(String(last.seq)) : null,
  };
}

/** Filters on UUID columns: returns false when a given id is malformed (nothing can match). */
export function addIdFilters(where: Where, filters: ReadonlyArray<readonly [string, string | undefined]>): boolean {
  for (const [column, id] of filters) {
    if (id === undefined) continue;
    if (!isUuid(id)) return false;
    where.add(`${column} = ?::uuid`, id);
  }
  return true;
}
