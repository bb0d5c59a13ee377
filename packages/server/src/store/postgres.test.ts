/**
 * The Store contract on PostgreSQL, when DATABASE_URL is set. Each run gets
 * its own schema (dropped afterwards), so parallel runs and CI re-runs never
 * see each other's rows.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe } from "vitest";
import { runStoreContract } from "./store.contract.js";
import { openPostgresStore } from "./postgres.js";

const url = process.env.DATABASE_URL;

describe.skipIf(url === undefined || url === "")("PostgreSQL (DATABASE_URL)", () => {
  runStoreContract("postgres", async () => {
    const schema = `emflow_test_${randomBytes(6).toString("hex")}`;
    const store = await openPostgresStore({ connectionString: url!, schema });
    return {
      store,
      dispose: async () => {
        await store.close();
        const admin = new pg.Client({ connectionString: url });
        await admin.connect();
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      },
    };
  });
});
