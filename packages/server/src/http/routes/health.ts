/** GET /api/v1/health: liveness plus which store backs this server. */
import type { App, RouteContext } from "../app-types.js";
import { Health } from "../schemas.js";

/** Register the health route. */
export function healthRoutes(app: App, ctx: RouteContext): void {
  app.get(
    "/api/v1/health",
    { schema: { tags: ["meta"], summary: "Server health", response: { 200: Health } } },
    async () => ({
      status: "ok" as const,
      store: ctx.store.kind,
      version: ctx.version,
      uptimeS: Math.round((Date.now() - ctx.startedAt) / 100) / 10,
    }),
  );
}
