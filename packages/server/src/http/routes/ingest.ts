/**
 * POST /api/v1/ingest: the agent's batches. Validated with core's IngestBatch
 * schema at the edge, applied in one transaction by the store, then fanned
 * out to live SSE streams.
 */
import { IngestBatch, IngestResult } from "@emflow/core";
import type { App, RouteContext } from "../app-types.js";
import { writeGuard } from "../auth.js";
import { ErrorResponse } from "../schemas.js";

/** Register the ingest route. */
export function ingestRoutes(app: App, ctx: RouteContext): void {
  app.post(
    "/api/v1/ingest",
    {
      onRequest: writeGuard(ctx.config.tokens),
      schema: {
        tags: ["ingest"],
        summary: "Apply a batch of upserts from an agent",
        description:
          "Idempotent: a batchId already applied returns `duplicate: true`. Items whose parent is neither stored nor in the batch fail the whole batch with 409.",
        security: [{ bearer: [] }],
        body: IngestBatch,
        response: { 200: IngestResult, 400: ErrorResponse, 401: ErrorResponse, 409: ErrorResponse, 413: ErrorResponse },
      },
    },
    async (request) => {
      const batch = request.body;
      const log = request.log.child({ batchId: batch.batchId, session: batch.session.epuId });
      const t0 = performance.now();
      const outcome = await ctx.store.ingest(batch);
      ctx.hub.publish(outcome.events);
      ctx.processing?.onIngest(outcome);
      const { events: _events, ...result } = outcome;
      log.child({ acquisitionId: result.acquisitionId }).info(
        { items: batch.items.length, created: result.created, updated: result.updated, duplicate: result.duplicate, ms: Math.round(performance.now() - t0) },
        result.duplicate ? "batch already applied" : "batch applied",
      );
      return result;
    },
  );
}
