/**
 * The small SQL surface both adapters provide, so the store logic (migrations,
 * ingest, reads) is written once. Rows come back with int8 as strings and
 * timestamptz as Date in both drivers.
 */
import type { StoreKind } from "./store.js";

/** A row as the driver returns it. */
export type Row = Record<string, unknown>;

/** Something that runs parameterised SQL: the client itself or an open transaction. */
export interface SqlQueryable {
  /** One statement with `$1…` parameters; returns its rows. */
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** A database connection (PGlite) or pool (PostgreSQL). */
export interface SqlClient extends SqlQueryable {
  readonly kind: StoreKind;
  /** Run `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
