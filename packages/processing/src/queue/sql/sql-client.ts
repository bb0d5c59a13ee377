/**
 * The SQL surface the database transport needs, as a structural type: the
 * server's SqlClient (PGlite or a PostgreSQL pool) fits it, and this package
 * stays free of database drivers.
 */

/** A row as the driver returns it (int8 may come back as string, bigint or number). */
export type SqlRow = Record<string, unknown>;

/** Something that runs parameterised SQL: the client itself or an open transaction. */
export interface SqlQueryable {
  /** One statement with `$1…` parameters; returns its rows. */
  query<R extends SqlRow = SqlRow>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Several statements, no parameters. */
  exec(sql: string): Promise<void>;
}

/** A database connection (PGlite) or pool (PostgreSQL). */
export interface QueueSqlClient extends SqlQueryable {
  readonly kind: "pglite" | "postgres";
  /** Run `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
}

/** An int8 / bigint column as a number (drivers differ in how they return it). */
export function int(value: unknown): number {
  return typeof value === "number" ? value : Number(value);
}
