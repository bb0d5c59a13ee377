/** The SQL schema agrees with core's field schemas, migrations apply once, a data directory has one owner. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TABLES, snakeCase } from "./columns.js";
import { lockDataDir } from "./data-dir-lock.js";
import { loadMigrations, migrate } from "./migrate.js";
import { openPglite } from "./pglite.js";
import { migratedSnapshot } from "../testing/pglite-snapshot.js";

const SQL_TYPE: Record<string, string> = { timestamptz: "timestamp with time zone" };

describe("schema", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("maps camelCase fields to snake_case columns", () => {
    expect(["stageXUm", "doseEA2", "doseRateEPxS", "nearGridBar", "voltageKv"].map(snakeCase)).toEqual([
      "stage_x_um",
      "dose_e_a2",
      "dose_rate_e_px_s",
      "near_grid_bar",
      "voltage_kv",
    ]);
  });

  it("has a column of the right type for every field of every core *Fields schema", async () => {
    const db = await openPglite({ loadDataDir: await migratedSnapshot() });
    try {
      for (const spec of Object.values(TABLES)) {
        const rows = await db.query<{ column_name: string; data_type: string }>(
          "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1",
          [spec.table],
        );
        const actual = new Map(rows.map((r) => [r.column_name, r.data_type]));
        for (const c of spec.columns) expect([spec.table, c.name, actual.get(c.name)]).toEqual([spec.table, c.name, SQL_TYPE[c.type] ?? c.type]);
        for (const key of Object.keys(spec.keys)) expect(actual.has(key), `${spec.table}.${key}`).toBe(true);
        // Nothing in the table that is neither a field, a key, nor internal bookkeeping.
        const known = new Set([...spec.columns.map((c) => c.name), ...Object.keys(spec.keys), "seq", "atlas_id", "grid_id", "acquisition_id"]);
        expect([...actual.keys()].filter((k) => !known.has(k))).toEqual([]);
      }
    } finally {
      await db.close();
    }
  });

  it("applies migrations once: reopening a data directory applies nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "emflow-schema-"));
    dirs.push(dir);
    const dataDir = join(dir, "pgdata");
    const first = await openPglite({ dataDir, loadDataDir: await migratedSnapshot() });
    await first.query("INSERT INTO acquisitions (epu_id, name) VALUES ('1', 'kept')");
    await first.close();
    const again = await openPglite({ dataDir });
    try {
      expect(await migrate(again)).toEqual([]);
      const versions = await again.query<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version");
      expect(versions.map((v) => v.version)).toEqual(loadMigrations().map((m) => m.version));
      expect(await again.query("SELECT name FROM acquisitions")).toEqual([{ name: "kept" }]);
    } finally {
      await again.close();
    }
  });

  it("orders migration files by version", () => {
    const versions = loadMigrations().map((m) => m.version);
    expect(versions[0]).toBe(1);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
  });
});

describe("data directory lock", () => {
  it("refuses a second store on the same data directory until the first closes", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "emflow-lock-")), "pgdata");
    const first = await openPglite({ dataDir, loadDataDir: await migratedSnapshot() });
    try {
      await expect(openPglite({ dataDir })).rejects.toThrow(/in use by process \d+/);
    } finally {
      await first.close();
    }
    const again = await openPglite({ dataDir });
    expect(await again.query("SELECT count(*)::int AS n FROM schema_migrations")).toEqual([{ n: loadMigrations().length }]);
    await again.close();
    rmSync(dirname(dataDir), { recursive: true, force: true });
  });

  it("takes over a lock left by a dead process", () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "emflow-lock-")), "pgdata");
    writeFileSync(`${dataDir}.lock`, "999999999");
    const release = lockDataDir(dataDir);
    expect(readFileSync(`${dataDir}.lock`, "utf8")).toBe(String(process.pid));
    release();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });
});
