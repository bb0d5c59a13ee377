/** The OpenAPI document and the docs UI, served from local files only. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testServer, type TestServer } from "../testing/test-server.js";

describe("OpenAPI and /docs", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await testServer();
  });
  afterAll(() => t.close());

  it("documents every API path with schemas generated from zod", async () => {
    const res = await t.server.app.inject("/openapi.json");
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe("3.0.3");
    expect(Object.keys(doc.paths).filter((p) => p.startsWith("/api/")).sort()).toEqual([
      "/api/v1/acquisitions",
      "/api/v1/acquisitions/{id}",
      "/api/v1/acquisitions/{id}/acquisition-order",
      "/api/v1/acquisitions/{id}/decision-settings",
      "/api/v1/acquisitions/{id}/decisions",
      "/api/v1/acquisitions/{id}/decisions/override",
      "/api/v1/acquisitions/{id}/decisions/recompute",
      "/api/v1/acquisitions/{id}/grids",
      "/api/v1/acquisitions/{id}/instructions",
      "/api/v1/acquisitions/{id}/processing",
      "/api/v1/acquisitions/{id}/processing/failures",
      "/api/v1/acquisitions/{id}/processing/resume",
      "/api/v1/acquisitions/{id}/processing/start",
      "/api/v1/acquisitions/{id}/processing/stop",
      "/api/v1/acquisitions/{id}/scenario",
      "/api/v1/acquisitions/{id}/scores",
      "/api/v1/acquisitions/{id}/summary",
      "/api/v1/agents/{agentId}/instructions",
      "/api/v1/agents/{agentId}/instructions/{id}/ack",
      "/api/v1/decisions/{id}",
      "/api/v1/decisions/{id}/accept",
      "/api/v1/decisions/{id}/reject",
      "/api/v1/decisions/{id}/send",
      "/api/v1/events",
      "/api/v1/foil-holes/{id}",
      "/api/v1/foil-holes/{id}/micrographs",
      "/api/v1/grid-squares/{id}",
      "/api/v1/grid-squares/{id}/foil-holes",
      "/api/v1/grid-squares/{id}/scores",
      "/api/v1/grids/{id}",
      "/api/v1/grids/{id}/atlas",
      "/api/v1/grids/{id}/grid-squares",
      "/api/v1/health",
      "/api/v1/ingest",
      "/api/v1/micrographs",
      "/api/v1/micrographs/{id}",
      "/api/v1/micrographs/{id}/images/{kind}",
      "/api/v1/micrographs/{id}/processing",
      "/api/v1/queues",
      "/api/v1/queues/dead-letters",
      "/api/v1/queues/dead-letters/reinject",
    ]);
    const ingest = doc.paths["/api/v1/ingest"].post;
    const body = ingest.requestBody.content["application/json"].schema;
    expect(body.required).toEqual(expect.arrayContaining(["batchId", "session", "items"]));
    expect(body.properties.items.maxItems).toBe(5000);
    expect(ingest.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(ingest.responses).sort()).toEqual(["200", "400", "401", "409", "413"]);

    const holes = doc.paths["/api/v1/grid-squares/{id}/foil-holes"].get;
    const params = Object.fromEntries(holes.parameters.map((p: { name: string; in: string }) => [p.name, p.in]));
    expect(params).toMatchObject({ id: "path", limit: "query", cursor: "query", state: "query", nearGridBar: "query" });
    const item = holes.responses["200"].content["application/json"].schema.properties.items.items;
    expect(item.properties.stageXUm).toEqual({ type: "number" });
    expect(item.required).toEqual(expect.arrayContaining(["id", "gridSquareId", "naturalId"]));
    expect(doc.paths["/api/v1/events"].get.responses["200"].content).toHaveProperty("text/event-stream");
  });

  it("serves the docs UI and its assets from the package, pointing at the local document", async () => {
    let res = await t.server.app.inject("/docs");
    if (res.statusCode >= 300 && res.statusCode < 400) res = await t.server.app.inject(String(res.headers.location));
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/html");
    expect(res.body).toContain("swagger-ui");
    // Every script and stylesheet is a relative (local) URL.
    const refs = [...res.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter((r) => /^(https?:)?\/\//.test(r))).toEqual([]);
    const init = await t.server.app.inject("/docs/static/swagger-initializer.js");
    expect(init.statusCode).toBe(200);
    expect(init.body).not.toMatch(/url: "https?:/);
    const bundle = await t.server.app.inject("/docs/static/swagger-ui-bundle.js");
    expect(bundle.statusCode).toBe(200);
    const json = await t.server.app.inject("/docs/json");
    expect(json.json().paths).toHaveProperty(["/api/v1/ingest"]);
  });
});
