/**
 * The OpenAPI 3 document (/openapi.json), generated from the routes' zod
 * schemas by @fastify/swagger in dynamic mode, and interactive docs at /docs
 * (@fastify/swagger-ui serves its bundled assets; nothing is fetched from the
 * internet, and its validator badge is off).
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { App } from "./app-types.js";
import { toOpenApiSchema } from "./zod-schemas.js";

const REQUEST_PARTS = ["body", "querystring", "params", "headers"] as const;
const SSE_ROUTES: Record<string, string> = {
  "/api/v1/events": "text/event-stream of change events",
  "/api/v1/agents/:agentId/instructions": "text/event-stream of instructions",
};

/** Register the document, its route and the docs UI. Call before registering routes. */
export async function registerOpenApi(app: App, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "emflow API",
        version,
        description:
          "Live cryo-EM sessions: acquisitions → grids → atlas → grid squares → foil holes → micrographs. Units: µm, Å, e/Å², kV, degrees, s, ISO 8601 UTC times. Reads are open; writes need a bearer token.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    },
    transform: ({ schema, url }) => {
      if (schema === undefined || schema === null) return { schema, url };
      const out: Record<string, unknown> = { ...schema };
      for (const part of REQUEST_PARTS) if (out[part] !== undefined) out[part] = toOpenApiSchema(out[part], "input");
      const response = out.response as Record<string, unknown> | undefined;
      if (response !== undefined) {
        out.response = Object.fromEntries(Object.entries(response).map(([code, s]) => [code, toOpenApiSchema(s, "output")]));
        // The event streams' 200 is text/event-stream, one JSON object per event.
        const stream = SSE_ROUTES[url];
        if (stream !== undefined) {
          out.response = { ...(out.response as Record<string, unknown>), 200: { description: stream, content: { "text/event-stream": { schema: (out.response as Record<string, unknown>)["200"] } } } };
        }
      }
      return { schema: out as typeof schema, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs", uiConfig: { deepLinking: true }, validatorUrl: false });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}
