/**
 * Processing: per-micrograph status and results, per-session summary and
 * failures, start / stop / resume, and the work queues with their dead letters.
 */
import { readFile } from "node:fs/promises";
import { resolve, sep } from "node:path";
import { z } from "zod";
import { NotFoundError } from "../../errors.js";
import { MicrographProcessing, ProcessingFailure, ProcessingSettings, ProcessingSummary } from "../../model/processing.js";
import type { ProcessingControl } from "../../processing/control.js";
import type { App, RouteContext } from "../app-types.js";
import { writeGuard } from "../auth.js";
import { HttpError } from "../http-error.js";
import { ErrorResponse, IdParams } from "../schemas.js";
import { found } from "./found.js";

const tags = ["processing"];

const positive = z.number().positive().max(1e6);
/** Start parameters: what the files lack (names as in the CLI flags and the USC API). */
export const StartBody = z
  .object({
    apix: positive.max(100).optional().describe("pixel size of the movies, Å/px"),
    kv: positive.max(1000).optional().describe("acceleration voltage, kV"),
    cs: z.number().min(0).max(20).optional().describe("spherical aberration, mm"),
    ac: z.number().min(0).max(1).optional().describe("amplitude contrast (0–1)"),
    dosePerFrame: positive.max(100).optional().describe("dose per movie frame, e/Å²"),
    diameter: positive.max(10_000).optional().describe("particle diameter for picking, Å"),
    superResolution: z.boolean().optional(),
    gain: z.string().min(1).max(4096).optional().describe("gain reference file (MRC/TIFF) as the workers see it"),
  })
  .strict();

const ImageKind = z.enum(["micrograph", "power-spectrum"]);

/** The file of a micrograph's image, if processing wrote one under the processing root. */
async function imageFile(ctx: RouteContext, id: string, kind: z.infer<typeof ImageKind>): Promise<string> {
  const p = found(await ctx.store.getProcessing(id), "micrograph", id);
  const step = p.steps.find((s) => s.step === (kind === "micrograph" ? "thumbnails" : "ctf"));
  const file = step?.result?.[kind === "micrograph" ? "micrograph" : "power_spectrum"];
  if (typeof file !== "string") throw new NotFoundError(`micrograph ${id} has no ${kind} image yet`);
  const root = resolve(ctx.config.processing.root);
  const abs = resolve(file);
  // Only files under the processing root are served, whatever a result says.
  if (abs !== root && !abs.startsWith(root + sep)) throw new NotFoundError(`micrograph ${id}: its ${kind} image is outside the processing directory`);
  return abs;
}

const Backlog = z.object({ queue: z.string(), ready: z.number().int(), inFlight: z.number().int(), dead: z.number().int() });
const Queues = z.object({ transport: z.string(), queues: z.array(Backlog) });
const DeadLetter = z.object({
  id: z.string(),
  queue: z.string(),
  error: z.string(),
  deliveries: z.number().int(),
  micrographId: z.string().optional(),
  step: z.string().optional(),
  at: z.string().optional(),
});
const ReinjectBody = z.object({ ids: z.array(z.string().max(200)).max(10_000).optional() }).strict();

function control(ctx: RouteContext): ProcessingControl {
  if (ctx.processing === undefined) throw new HttpError(503, "processing is not enabled on this server (start it with `emflow serve --process`)");
  return ctx.processing;
}

/** Register the processing routes. */
export function processingRoutes(app: App, ctx: RouteContext): void {
  const { store } = ctx;
  const guard = writeGuard(ctx.config.tokens);

  app.get(
    "/api/v1/micrographs/:id/processing",
    { schema: { tags, summary: "A micrograph's processing: steps, results, metrics", params: IdParams, response: { 200: MicrographProcessing, 404: ErrorResponse } } },
    async (request) => found(await store.getProcessing(request.params.id), "micrograph", request.params.id),
  );

  app.get(
    "/api/v1/micrographs/:id/images/:kind",
    {
      schema: {
        tags,
        summary: "A micrograph's thumbnail (JPEG) or power spectrum with the fitted CTF zeros (PNG)",
        params: z.object({ id: z.string().max(100), kind: ImageKind }),
      },
    },
    async (request, reply) => {
      const file = await imageFile(ctx, request.params.id, request.params.kind);
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch {
        throw new NotFoundError(`micrograph ${request.params.id}: ${request.params.kind} image file is gone`);
      }
      return reply
        .type(file.endsWith(".png") ? "image/png" : "image/jpeg")
        .header("cache-control", "public, max-age=3600")
        .send(bytes);
    },
  );

  app.get(
    "/api/v1/acquisitions/:id/processing",
    {
      schema: {
        tags,
        summary: "A session's processing at a glance",
        description: "Per-step state counts, processed/failed micrographs, means of the quality figures, and the session's settings.",
        params: IdParams,
        response: { 200: ProcessingSummary, 404: ErrorResponse },
      },
    },
    async (request) => found(await store.processingSummary(request.params.id), "acquisition", request.params.id),
  );

  app.get(
    "/api/v1/acquisitions/:id/processing/failures",
    {
      schema: {
        tags,
        summary: "The newest failed steps of a session, with their errors",
        params: IdParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) }),
        response: { 200: z.array(ProcessingFailure), 404: ErrorResponse },
      },
    },
    async (request) => {
      found(await store.getAcquisition(request.params.id), "acquisition", request.params.id);
      return store.listFailures(request.params.id, request.query.limit);
    },
  );

  const action = (name: "start" | "stop" | "resume", summary: string): void => {
    app.post(
      `/api/v1/acquisitions/:id/processing/${name}`,
      {
        onRequest: guard,
        schema: {
          tags,
          summary,
          security: [{ bearer: [] }],
          params: IdParams,
          ...(name === "start" ? { body: StartBody.optional() } : {}),
          response: {
            200: z.object({ settings: ProcessingSettings, queued: z.number().int() }),
            400: ErrorResponse,
            401: ErrorResponse,
            404: ErrorResponse,
            503: ErrorResponse,
          },
        },
      },
      async (request) => {
        const id = request.params.id;
        const p = control(ctx);
        found(await store.getAcquisition(id), "acquisition", id);
        let queued = 0;
        if (name === "start") queued = (await p.start(id, (request.body as z.infer<typeof StartBody> | undefined) ?? {})).queued;
        else if (name === "resume") queued = (await p.resume(id)).queued;
        else await p.stop(id);
        request.log.info({ acquisitionId: id, queued }, `processing ${name}`);
        return { settings: await store.getProcessingSettings(id), queued };
      },
    );
  };
  action("start", "Start processing a session: queue every micrograph not yet done, and new ones as they arrive");
  action("stop", "Stop processing a session: nothing new is queued; queued work finishes");
  action("resume", "Resume processing with the stored parameters; finished micrographs are never reprocessed");

  app.get(
    "/api/v1/queues",
    { schema: { tags, summary: "Work queues: ready, in flight and dead messages", response: { 200: Queues, 503: ErrorResponse } } },
    async () => {
      const p = control(ctx);
      return { transport: p.transport, queues: await p.backlog() };
    },
  );

  app.get(
    "/api/v1/queues/dead-letters",
    {
      schema: {
        tags,
        summary: "Messages that failed their delivery limit, with the last error",
        querystring: z.object({ queue: z.string().max(200).optional() }),
        response: { 200: z.array(DeadLetter), 503: ErrorResponse },
      },
    },
    async (request) => control(ctx).deadLetters(request.query.queue),
  );

  app.post(
    "/api/v1/queues/dead-letters/reinject",
    {
      onRequest: guard,
      schema: {
        tags,
        summary: "Put dead letters back on their queues (all, or the given ids)",
        security: [{ bearer: [] }],
        body: ReinjectBody,
        response: { 200: z.object({ reinjected: z.number().int() }), 400: ErrorResponse, 401: ErrorResponse, 503: ErrorResponse },
      },
    },
    async (request) => ({ reinjected: await control(ctx).reinject(request.body.ids) }),
  );
}
