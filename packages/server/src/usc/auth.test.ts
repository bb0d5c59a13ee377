/** Keeping `?access_token=` out of the request logs. */
import { Writable } from "node:stream";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/config.js";
import { createServer } from "../server.js";
import { openTestStore } from "../testing/pglite-snapshot.js";
import { redactAccessToken, requestLogSerializer } from "./auth.js";
import { resolveUscConfig, UscConfigSection } from "./config.js";
import { uscRoutes } from "./routes.js";

describe("access_token in logs", () => {
  it("redactAccessToken hides the token and leaves other parameters alone", () => {
    expect(redactAccessToken("/p/u/session/s?access_token=secret-123&apix=1")).toBe("/p/u/session/s?access_token=[redacted]&apix=1");
    expect(redactAccessToken("/p/u/sessions?x=1&ACCESS_TOKEN=abc")).toBe("/p/u/sessions?x=1&ACCESS_TOKEN=[redacted]");
    expect(redactAccessToken("/p/u/sessions?my_access_token=keep")).toBe("/p/u/sessions?my_access_token=keep");
    expect(redactAccessToken("/api/v1/health")).toBe("/api/v1/health");
  });

  it("a server never writes the token, even given a logger without requestLogSerializer (the CLI's)", async () => {
    expect(typeof requestLogSerializer).toBe("function");
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
    const logger = pino({ level: "info" }, sink);
    const store = await openTestStore();
    const config = loadConfig({ env: {}, cwd: mkdtempSync(join(tmpdir(), "emflow-usc-log-")), overrides: { port: 0 } });
    const usc = resolveUscConfig({ env: {}, section: UscConfigSection.parse({ tokens: ["alice:alice-secret-token"] }) });
    const server = await createServer(config, { store, logger, closeGraceMs: 200, usc: { config: usc } });
    try {
      const res = await server.app.inject("/lab/alice/sessions?access_token=alice-secret-token");
      expect(res.statusCode).toBe(404); // authenticated; no data root, no agent project "lab"
      const log = lines.join("");
      expect(log).toContain("access_token=[redacted]");
      expect(log).not.toContain("alice-secret-token");
    } finally {
      await server.close();
      await store.close();
    }
  });
});
