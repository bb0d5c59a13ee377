/**
 * Fast PGlite databases for tests. initdb costs 3–4 s, loading a dumped data
 * directory ~0.5 s, so the first test process migrates once and caches the
 * dump in the OS temp dir, keyed by the migrations and the PGlite version;
 * every store after that is a fresh clone of it.
 */
import { createHash, randomUUID } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { loadMigrations } from "../store/migrate.js";
import { openPglite, openPgliteStore } from "../store/pglite.js";
import type { Store } from "../store/store.js";

let snapshot: Promise<Blob> | undefined;

function cacheFile(): string {
  const pkgDir = dirname(dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite")));
  const hash = createHash("sha256").update(readFileSync(join(pkgDir, "package.json")));
  for (const m of loadMigrations()) hash.update(`${m.version}:${m.sql}`);
  return join(tmpdir(), `emflow-pglite-${hash.digest("hex").slice(0, 16)}.tar`);
}

async function makeSnapshot(): Promise<Blob> {
  const file = cacheFile();
  try {
    return new Blob([readFileSync(file)]);
  } catch {
    // Not cached yet: build it below.
  }
  const db = await openPglite();
  const dump = await db.pg.dumpDataDir("none");
  await db.close();
  const bytes = Buffer.from(await dump.arrayBuffer());
  // Write-then-rename so parallel test processes never read a half-written file.
  const tmp = `${file}.${randomUUID()}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
  return new Blob([bytes]);
}

/** A migrated, empty database as a dump (memoised per process). */
export function migratedSnapshot(): Promise<Blob> {
  snapshot ??= makeSnapshot();
  return snapshot;
}

/** A fresh in-memory PGlite store, cloned from the migrated snapshot. */
export async function openTestStore(): Promise<Store> {
  return openPgliteStore({ loadDataDir: await migratedSnapshot() });
}
