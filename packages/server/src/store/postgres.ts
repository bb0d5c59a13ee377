/**
 * The production adapter: PostgreSQL through a `pg` pool (DATABASE_URL).
 * An optional schema isolates a store (tests run each in their own).
 */
import pg from "pg";
import { migrate } from "./migrate.js";
import type { Row, SqlClient, SqlQueryable } from "./sql-client.js";
import { createSqlStore } from "./sql-store.js";
import type { Store } from "./store.js";

/** Options of the PostgreSQL adapter. */
export interface PostgresStoreOptions {
  readonly connectionString: string;
  /** Schema to use (created if missing) instead of `public`. */
  readonly schema?: string;
  /** Pool size (default 10). */
  readonly max?: number;
  /** Called when an idle pooled connection fails (e.g. the server restarted); the pool replaces it. */
  readonly onIdleError?: (err: Error) => void;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

// Per-pool type parsers (not pg's global registry): int8 stays a string, as in the PGlite adapter.
const typeParsers = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8 ? (v: string) => v : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

/** Open a pool, create the schema if asked, and run migrations. */
export async function openPostgres(opts: PostgresStoreOptions): Promise<SqlClient & { readonly pool: pg.Pool }> {
  if (opts.schema !== undefined) {
    if (!SCHEMA_NAME.test(opts.schema)) throw new Error(`schema name '${opts.schema}' must match ${SCHEMA_NAME}`);
    const admin = new pg.Client({ connectionString: opts.connectionString });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${opts.schema}`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    types: typeParsers,
    ...(opts.schema === undefined ? {} : { options: `-c search_path=${opts.schema}` }),
  });
  pool.on("error", (err) => opts.onIdleError?.(err));
  const client: SqlClient & { pool: pg.Pool } = {
    kind: "postgres",
    pool,
    ...queryable(pool),
    transaction: async (fn) => {
      const conn = await pool.connect();
      let broken = false;
      try {
        await conn.query("BEGIN");
        const out = await fn(queryable(conn));
        await conn.query("COMMIT");
        return out;
      } catch (err) {
        // A connection that cannot even roll back is discarded rather than returned to the pool.
        await conn.query("ROLLBACK").catch(() => (broken = true));
        throw err;
      } finally {
        conn.release(broken);
      }
    },
    close: () => pool.end(),
  };
  try {
    await migrate(client);
  } catch (err) {
    await pool.end();
    throw err;
  }
  return client;
}

/** Open the PostgreSQL store. */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<Store> {
  return createSqlStore(await openPostgres(opts));
}

function queryable(db: pg.Pool | pg.PoolClient): SqlQueryable {
  return {
    query: async <R extends Row = Row>(sql: string, params: readonly unknown[] = []) => (await db.query<R>(sql, [...params])).rows,
    exec: async (sql: string) => {
      await db.query(sql);
    },
  };
}
