/**
 * The stores a store-level benchmark runs on: PGlite always, PostgreSQL (in a
 * throw-away schema) when DATABASE_URL is set.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openTestStore } from "../packages/server/src/testing/pglite-snapshot.js";
import { openPostgresStore } from "../packages/server/src/store/postgres.js";
import type { Store } from "../packages/server/src/store/store.js";

/** A named way to open a fresh store and dispose of it afterwards. */
export type StoreAdapter = [name: string, open: () => Promise<{ store: Store; dispose: () => Promise<void> }>];

/** PGlite, and PostgreSQL when `DATABASE_URL` is set. */
export function storeAdapters(url = process.env.DATABASE_URL): StoreAdapter[] {
  const adapters: StoreAdapter[] = [
    ["pglite", async () => {
      const store = await openTestStore();
      return { store, dispose: () => store.close() };
    }],
  ];
  if (url) {
    adapters.push(["postgres", async () => {
      const schema = `emflow_bench_${randomBytes(4).toString("hex")}`;
      const store = await openPostgresStore({ connectionString: url, schema });
      return {
        store,
        dispose: async () => {
          await store.close();
          const c = new pg.Client({ connectionString: url });
          await c.connect();
          await c.query(`DROP SCHEMA ${schema} CASCADE`);
          await c.end();
        },
      };
    }]);
  }
  return adapters;
}
