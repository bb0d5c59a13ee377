/**
 * Test support for the database transport: PGlite and PostgreSQL clients in
 * the QueueSqlClient shape (what the server's store hands the transport in
 * production), and contract harnesses over them. Test-only: `.contract.ts`
 * files are not built, so the drivers never become runtime dependencies.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import pg from "pg";
import type { HarnessOptions, TransportHarness } from "../transport.contract.js";
import type { WorkTransport } from "../transport.js";
import type { QueueSqlClient, SqlQueryable, SqlRow } from "./sql-client.js";
import { openSqlTransport, type SqlTransportOptions } from "./sql-transport.js";

/** A client that can also be closed. */
export type ClosableClient = QueueSqlClient & { close(): Promise<void> };

/** A PGlite database (in memory, or in `dataDir`) as a QueueSqlClient. */
export async function pgliteClient(dataDir?: string): Promise<ClosableClient & { readonly pg: PGlite }> {
  const db = await PGlite.create(dataDir === undefined ? {} : { dataDir });
  const on = (x: PGlite | Transaction): SqlQueryable => ({
    query: async <R extends SqlRow = SqlRow>(sql: string, params: readonly unknown[] = []) => (await x.query<R>(sql, [...params])).rows,
    exec: async (sql: string) => void (await x.exec(sql)),
  });
  return {
    kind: "pglite",
    pg: db,
    ...on(db),
    transaction: (fn) => db.transaction((tx) => fn(on(tx))),
    close: () => db.close(),
  };
}

/** A PostgreSQL pool on `schema` (created if missing) as a QueueSqlClient. */
export async function postgresClient(url: string, schema: string): Promise<ClosableClient> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await admin.end();
  const pool = new pg.Pool({ connectionString: url, max: 6, options: `-c search_path=${schema}` });
  pool.on("error", () => undefined);
  const on = (x: pg.Pool | pg.PoolClient): SqlQueryable => ({
    query: async <R extends SqlRow = SqlRow>(sql: string, params: readonly unknown[] = []) => (await x.query<R>(sql, [...params])).rows,
    exec: async (sql: string) => void (await x.query(sql)),
  });
  return {
    kind: "postgres",
    ...on(pool),
    transaction: async (fn) => {
      const conn = await pool.connect();
      try {
        await conn.query("BEGIN");
        const out = await fn(on(conn));
        await conn.query("COMMIT");
        return out;
      } catch (err) {
        await conn.query("ROLLBACK").catch(() => undefined);
        throw err;
      } finally {
        conn.release();
      }
    },
    close: () => pool.end(),
  };
}

/** Drop a test schema. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
}

/** Fast polls and no retry delays, so contract tests finish quickly. */
export const FAST: SqlTransportOptions = { pollMs: 50, retryDelayMs: 0 };

/** A contract harness over a database opened by `connect` (called again on restart) and closed by `dispose`. */
export function sqlHarness(connect: () => Promise<ClosableClient>, cleanup: () => Promise<void>): () => Promise<TransportHarness> {
  return async () => {
    let db = await connect();
    const open: WorkTransport[] = [];
    const run = randomBytes(3).toString("hex");
    const closeAll = async () => {
      await Promise.all(open.splice(0).map((t) => t.close()));
    };
    return {
      open: async (opts: HarnessOptions = {}) => {
        const t = await openSqlTransport(db, { ...FAST, ...(opts.deliveryLimit === undefined ? {} : { deliveryLimit: opts.deliveryLimit }) });
        open.push(t);
        return t;
      },
      queue: (label) => `t${run}.${label}`,
      restart: async () => {
        await closeAll();
        await db.close();
        db = await connect();
      },
      dispose: async () => {
        await closeAll();
        await db.close();
        await cleanup();
      },
    };
  };
}

/** The harness over PGlite on a temporary data directory (so a restart reopens the same files). */
export function pgliteHarness(): () => Promise<TransportHarness> {
  const dir = mkdtempSync(join(tmpdir(), "emflow-queue-"));
  return sqlHarness(
    () => pgliteClient(dir),
    async () => rmSync(dir, { recursive: true, force: true }),
  );
}

/** The harness over PostgreSQL in a fresh schema, dropped afterwards. */
export function postgresHarness(url: string): () => Promise<TransportHarness> {
  const schema = `emflow_queue_test_${randomBytes(5).toString("hex")}`;
  return sqlHarness(
    () => postgresClient(url, schema),
    () => dropSchema(url, schema),
  );
}
