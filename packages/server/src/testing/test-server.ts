/** A server on a fresh in-memory PGlite store with a silent logger, for HTTP tests. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { loadConfig, type ServerConfig } from "../config/config.js";
import { createServer, type EmflowServer, type ServerDeps } from "../server.js";
import type { Store } from "../store/store.js";
import { openTestStore } from "./pglite-snapshot.js";

/** The write token of the test server's `agent` user. */
export const TOKEN = "test-token-0123456789";
export const AUTH = { authorization: `Bearer ${TOKEN}` };

export interface TestServer {
  readonly server: EmflowServer;
  readonly store: Store;
  close(): Promise<void>;
}

/** Start (without listening) a server; `overrides` adjust the config (tokens default to one agent token), `deps` its collaborators. */
export async function testServer(overrides: Partial<ServerConfig> = {}, deps: Omit<ServerDeps, "store" | "logger"> = {}): Promise<TestServer> {
  const store = await openTestStore();
  const cwd = mkdtempSync(join(tmpdir(), "emflow-http-"));
  const config = loadConfig({ env: {}, cwd, overrides: { port: 0, tokens: [{ user: "agent", token: TOKEN }], ...overrides } });
  const server = await createServer(config, { closeGraceMs: 200, ...deps, store, logger: pino({ level: "silent" }) });
  return {
    server,
    store,
    close: async () => {
      await server.close();
      await store.close();
    },
  };
}
