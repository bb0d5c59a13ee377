/** Pick the store adapter from configuration: PostgreSQL when a URL is set, else embedded PGlite. */
import { join } from "node:path";
import type { ServerConfig } from "../config/config.js";
import { openPgliteStore } from "./pglite.js";
import { openPostgresStore } from "./postgres.js";
import type { Store } from "./store.js";

/** Open (and migrate) the configured store. PGlite keeps its files in `<dataDir>/pgdata`. */
export async function openStore(
  config: Pick<ServerConfig, "databaseUrl" | "dataDir">,
  opts: { onIdleError?: (err: Error) => void } = {},
): Promise<Store> {
  if (config.databaseUrl !== undefined) {
    return openPostgresStore({ connectionString: config.databaseUrl, ...(opts.onIdleError ? { onIdleError: opts.onIdleError } : {}) });
  }
  return openPgliteStore({ dataDir: join(config.dataDir, "pgdata") });
}
