/**
 * The embedded adapter: PGlite (PostgreSQL compiled to WASM) in this process,
 * its data directory on disk or, for tests, in memory.
 */
import { mkdirSync } from "node:fs";
import { PGlite, types, type Transaction } from "@electric-sql/pglite";
import { lockDataDir } from "./data-dir-lock.js";
import { migrate } from "./migrate.js";
import type { Row, SqlClient, SqlQueryable } from "./sql-client.js";
import { createSqlStore } from "./sql-store.js";
import type { Store } from "./store.js";

/** Options of the PGlite adapter. */
export interface PgliteStoreOptions {
  /** Data directory; omitted = in memory (gone on close). */
  readonly dataDir?: string;
  /** Start from a dumped data directory (`dumpDataDir()`), e.g. a migrated snapshot in tests. */
  readonly loadDataDir?: Blob;
}

// int8 (counts, seq) as strings, as pg does by default, so both adapters return the same shapes.
const parsers = { [types.INT8]: (v: string) => v };

/** Open (creating and migrating as needed) a PGlite database and wrap it in a SqlClient. */
export async function openPglite(opts: PgliteStoreOptions = {}): Promise<SqlClient & { readonly pg: PGlite }> {
  let unlock = () => {};
  if (opts.dataDir !== undefined) {
    unlock = lockDataDir(opts.dataDir);
    mkdirSync(opts.dataDir, { recursive: true });
  }
  let pg: PGlite | undefined;
  try {
    pg = await PGlite.create({
      ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }),
      ...(opts.loadDataDir === undefined ? {} : { loadDataDir: opts.loadDataDir }),
      parsers,
    });
    const db = pg;
    const client = {
      kind: "pglite" as const,
      pg: db,
      ...queryable(db),
      transaction: <T>(fn: (tx: SqlQueryable) => Promise<T>) => db.transaction((tx) => fn(queryable(tx))),
      close: async () => {
        try {
          if (!db.closed) await db.close();
        } finally {
          unlock();
        }
      },
    };
    await migrate(client);
    return client;
  } catch (err) {
    await pg?.close().catch(() => undefined);
    unlock();
    throw err;
  }
}

/** Open the embedded store. */
export async function openPgliteStore(opts: PgliteStoreOptions = {}): Promise<Store> {
  return createSqlStore(await openPglite(opts));
}

function queryable(db: PGlite | Transaction): SqlQueryable {
  return {
    query: async <R extends Row = Row>(sql: string, params: readonly unknown[] = []) => (await db.query<R>(sql, [...params])).rows,
    exec: async (sql: string) => {
      await db.exec(sql);
    },
  };
}
