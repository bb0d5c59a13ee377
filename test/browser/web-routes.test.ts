/**
 * How the server serves the dashboard: index, compiled modules and vendor
 * modules with their content types and cache headers, revalidation, no path
 * traversal, and no shadowing of the API, the docs or the USC routes.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, loadConfig, type EmflowServer } from "@emflow/server";
import { openTestStore } from "../../packages/server/src/testing/pglite-snapshot.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

describe("dashboard routes", () => {
  let server: EmflowServer;
  const get = (url: string, headers: Record<string, string> = {}) => server.app.inject({ method: "GET", url, headers });

  beforeAll(async () => {
    const tsc = spawnSync(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-b", path.join(ROOT, "packages/web")], { encoding: "utf8" });
    if (tsc.status !== 0) throw new Error(`building packages/web failed: ${tsc.stdout}${tsc.stderr}`);
    server = await createServer(loadConfig({ env: {}, overrides: { port: 0, tokens: [] } }), { store: await openTestStore(), logger: pino({ level: "silent" }) });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await server?.store.close();
  });

  it("serves index.html at / with an import map pointing at served vendor modules", async () => {
    const r = await get("/");
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(r.headers["cache-control"]).toBe("no-cache");
    const map = JSON.parse(/<script type="importmap">([\s\S]*?)<\/script>/.exec(r.body)![1]!) as { imports: Record<string, string> };
    expect(Object.keys(map.imports).sort()).toEqual(["htm", "preact", "preact/hooks"]);
    for (const url of Object.values(map.imports)) {
      const m = await get(url);
      expect(m.statusCode, url).toBe(200);
      expect(m.headers["content-type"]).toBe("text/javascript; charset=utf-8");
      expect(m.headers["cache-control"]).toBe("public, max-age=86400");
      // ES modules, not CommonJS or UMD builds.
      expect(m.body).toMatch(/\bexport\s*(\{|default\b)/);
    }
  });

  it("serves compiled modules and stylesheets with content types, and answers 304 to a matching ETag", async () => {
    const js = await get("/app/main.js");
    expect(js.statusCode).toBe(200);
    expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(js.body).toContain('from "preact"');
    const css = await get("/app/style.css");
    expect(css.headers["content-type"]).toBe("text/css; charset=utf-8");
    const again = await get("/app/main.js", { "if-none-match": String(js.headers.etag) });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe("");
    expect((await get("/app/components/session-list.js")).statusCode).toBe(200);
  });

  it("serves nothing outside the dashboard's files", async () => {
    for (const url of ["/app/../package.json", "/app/%2e%2e/package.json", "/app/..%2f..%2fpackage.json", "/app/%2e%2e%2f%2e%2e%2fserver%2fpackage.json", "/app/..\\package.json", "/app//etc/passwd", "/app/api.d.ts", "/app/", "/app/vendor/preact.js", "/app/nope.js"]) {
      const r = await get(url);
      expect(r.statusCode, url).toBe(404);
      expect(r.json().error.code, url).toBe("not_found");
    }
  });

  it("leaves the API, the docs and the USC routes alone", async () => {
    expect((await get("/api/v1/health")).json().status).toBe("ok");
    expect((await get("/api/v1/nope")).json().error.message).toBe("no route GET /api/v1/nope");
    expect((await get("/openapi.json")).json().paths["/app/*"]).toBeUndefined();
    expect((await get("/docs")).statusCode).not.toBe(404);
    // A USC session list: answered by the USC routes (here: no such user's sessions), not by the dashboard.
    const usc = await get("/epu/alice/sessions");
    expect(usc.statusCode).not.toBe(404);
    expect(usc.headers["content-type"]).toContain("application/json");
  });
});
