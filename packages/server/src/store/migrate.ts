/**
 * Versioned SQL migrations: `migrations/NNN_name.sql`, applied in order in one
 * transaction and recorded in schema_migrations, so opening a store twice (or
 * two servers at once on PostgreSQL) applies each file exactly once.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { SqlClient } from "./sql-client.js";

/** One migration file. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

// An arbitrary constant: the advisory-lock key that serialises concurrent migrators.
const MIGRATION_LOCK = 7_262_001;

/**
 * Where the .sql files are: beside this module when running from src/, and
 * src/store/migrations when running from dist/ (tsc does not copy .sql files;
 * the package ships src/store/migrations alongside dist).
 */
export function migrationsDir(): string {
  const candidates = [new URL("./migrations/", import.meta.url), new URL("../../src/store/migrations/", import.meta.url)];
  for (const url of candidates) {
    const dir = fileURLToPath(url);
    if (existsSync(dir)) return dir;
  }
  throw new Error(`SQL migrations not found (looked in ${candidates.map((u) => fileURLToPath(u)).join(", ")})`);
}

/** Read and order the migration files of `dir`. */
export function loadMigrations(dir: string = migrationsDir()): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith(".sql"));
  const migrations = files.map((file) => {
    const m = /^(\d+)_([\w-]+)\.sql$/.exec(file);
    if (!m) throw new Error(`${dir}${file}: migration files are named NNN_name.sql`);
    return { version: Number(m[1]), name: m[2]!, sql: readFileSync(dir + file, "utf8") };
  });
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) throw new Error(`two migrations have version ${migrations[i]!.version}`);
  }
  return migrations;
}

/** Apply the migrations `db` has not seen yet; returns the versions applied now. */
export async function migrate(db: SqlClient, migrations: readonly Migration[] = loadMigrations()): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    await tx.exec(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const rows = await tx.query<{ version: number }>("SELECT version FROM schema_migrations");
    const applied = new Set(rows.map((r) => r.version));
    const done: number[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
      done.push(m.version);
    }
    return done;
  });
}
