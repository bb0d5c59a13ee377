/**
 * createServer: the HTTP API on a store, ready to `listen()` (the CLI) or to
 * `app.inject()` (tests). Start it on port 0 to get a free port.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import Fastify, { type FastifyBaseLogger } from "fastify";
import { pino } from "pino";
import type { ServerConfig } from "./config/config.js";
import { ChangeHub } from "./events/hub.js";
import type { App, RouteContext } from "./http/app-types.js";
import { installErrorHandlers } from "./http/http-error.js";
import { registerOpenApi } from "./http/openapi.js";
import { acquisitionRoutes } from "./http/routes/acquisitions.js";
import { eventRoutes } from "./http/routes/events.js";
import { foilHoleRoutes } from "./http/routes/foil-holes.js";
import { gridSquareRoutes } from "./http/routes/grid-squares.js";
import { gridRoutes } from "./http/routes/grids.js";
import { healthRoutes } from "./http/routes/health.js";
import { ingestRoutes } from "./http/routes/ingest.js";
import { instructionRoutes } from "./http/routes/instructions.js";
import { decisionRoutes } from "./http/routes/decisions.js";
import { AthenaClient } from "@emflow/decisions";
import type { DecisionControl } from "./decisions/control.js";
import { DecisionEngine, type EngineTimers } from "./decisions/engine.js";
import { makeDecisionLinks } from "./decisions/links.js";
import { micrographRoutes } from "./http/routes/micrographs.js";
import { processingRoutes } from "./http/routes/processing.js";
import { webRoutes } from "./http/routes/web.js";
import type { ProcessingControl } from "./processing/control.js";
import { startLiveProcessing } from "./processing/live.js";
import { requestLogSerializer, uscRoutes, type DirFs, type UscConfig, type UscHandle } from "./usc/index.js";
import { jsonSerializerCompiler, zodValidatorCompiler, type ZodTypeProvider } from "./http/zod-schemas.js";
import { openStore } from "./store/open-store.js";
import type { Store } from "./store/store.js";

/** Optional collaborators; anything left out is created from the config. */
export interface ServerDeps {
  /** Use this store (not closed by `close()`); default: open the configured one (closed by `close()`). */
  readonly store?: Store;
  /** A pino (or compatible) logger, e.g. `pino({ level: "silent" })` in tests or a pretty one in the CLI. */
  readonly logger?: FastifyBaseLogger;
  readonly hub?: ChangeHub;
  /**
   * Live processing on this server's store (started after the store opens; closed by `close()`).
   * Without it the processing routes answer 503 and ingest queues nothing.
   */
  readonly processing?: (store: Store, hub: ChangeHub, logger: FastifyBaseLogger) => Promise<ProcessingControl>;
  /** The USC-compatible API: its settings (default: config.usc), and a clock and file system for tests. */
  readonly usc?: { readonly config?: UscConfig; readonly now?: () => number; readonly fs?: DirFs };
  /** How long `close()` lets requests in flight finish before cutting connections (default 3000 ms). */
  readonly closeGraceMs?: number;
  /** The decision engine's timers (tests); and an Athena client in place of the configured URL's. */
  readonly decisions?: { readonly timers?: EngineTimers; readonly now?: () => number; readonly athena?: AthenaClient };
}

/** A created server. */
export interface EmflowServer {
  readonly app: App;
  readonly store: Store;
  readonly hub: ChangeHub;
  readonly config: ServerConfig;
  /** The USC-compatible API's catalog, data-root sync and scanner. */
  readonly usc: UscHandle;
  /** The decision engine, when decisions are enabled ([decisions] enabled, the default). */
  readonly decisions: DecisionControl | undefined;
  /** Live processing, when this server runs it. */
  readonly processing: ProcessingControl | undefined;
  /** Start listening on config.host:config.port; resolves to the base URL (e.g. http://127.0.0.1:41234). */
  listen(): Promise<string>;
  /** Stop: end event streams, stop listening, close the store if this server opened it. */
  close(): Promise<void>;
}

/** The server package's version, for /health and the OpenAPI document. */
export const SERVER_VERSION: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

const REQUEST_ID = /^[\w.:-]{1,100}$/;

/** Build the HTTP server (routes, docs, error handling) on `deps.store` or the configured store. */
export async function createServer(config: ServerConfig, deps: ServerDeps = {}): Promise<EmflowServer> {
  // The request serializer keeps `?access_token=` (USC compatibility) out of the logs, whichever logger we are given.
  const serializers = { req: requestLogSerializer };
  const logger = deps.logger?.child({}, { serializers }) ?? pino({ level: config.logLevel, serializers });
  const store = deps.store ?? (await openStore(config, { onIdleError: (err) => logger.warn({ err }, "idle database connection failed") }));
  const hub = deps.hub ?? new ChangeHub();
  let processing: ProcessingControl | undefined;
  try {
    // Live processing: the caller's, or the built-in one when the config enables it.
    const start =
      deps.processing ??
      (config.processing.enabled ? (s: Store, h: ChangeHub, l: FastifyBaseLogger) => startLiveProcessing({ store: s, hub: h, logger: l, config: config.processing }) : undefined);
    processing = start === undefined ? undefined : await start(store, hub, logger);
    return await build(config, { logger, store, hub, processing, usc: deps.usc ?? {}, decisions: deps.decisions ?? {}, ownsStore: deps.store === undefined, closeGraceMs: deps.closeGraceMs ?? 3000 });
  } catch (err) {
    await processing?.close();
    if (deps.store === undefined) await store.close();
    throw err;
  }
}

async function build(
  config: ServerConfig,
  {
    logger,
    store,
    hub,
    processing,
    usc,
    decisions,
    ownsStore,
    closeGraceMs,
  }: {
    logger: FastifyBaseLogger;
    store: Store;
    hub: ChangeHub;
    processing: ProcessingControl | undefined;
    usc: NonNullable<ServerDeps["usc"]>;
    decisions: NonNullable<ServerDeps["decisions"]>;
    ownsStore: boolean;
    closeGraceMs: number;
  },
): Promise<EmflowServer> {
  const app: App = Fastify({
    loggerInstance: logger,
    bodyLimit: config.bodyLimitBytes,
    // Honour a caller's request id (proxies, the agent) so one id follows a request across logs.
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(jsonSerializerCompiler);
  installErrorHandlers(app);
  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });

  await registerOpenApi(app, SERVER_VERSION);
  const ctx: RouteContext = { store, hub, config, version: SERVER_VERSION, startedAt: Date.now(), ...(processing === undefined ? {} : { processing }) };
  healthRoutes(app, ctx);
  ingestRoutes(app, ctx);
  acquisitionRoutes(app, ctx);
  gridRoutes(app, ctx);
  gridSquareRoutes(app, ctx);
  foilHoleRoutes(app, ctx);
  micrographRoutes(app, ctx);
  processingRoutes(app, ctx);
  const instructions = instructionRoutes(app, ctx);
  let engine: DecisionControl | undefined;
  if (config.decisions.enabled) {
    const athena =
      decisions.athena ??
      (config.decisions.athenaUrl === undefined ? undefined : new AthenaClient({ baseUrl: config.decisions.athenaUrl, ...(config.decisions.athenaToken === undefined ? {} : { token: config.decisions.athenaToken }) }));
    const links = makeDecisionLinks({ db: store.sql, instructions: store.instructions, wake: instructions.wake, instructionTtlS: config.decisions.instructionTtlS, ...(athena === undefined ? {} : { athena }) });
    engine = new DecisionEngine({ db: store.sql, hub, logger, config: config.decisions, links, ...(decisions.timers === undefined ? {} : { timers: decisions.timers }), ...(decisions.now === undefined ? {} : { now: decisions.now }) });
  }
  decisionRoutes(app, ctx, engine);
  webRoutes(app);
  const uscHandle = uscRoutes(app, {
    store,
    hub,
    usc: usc.config ?? config.usc,
    fallbackTokens: config.tokens,
    ...(processing === undefined ? {} : { processing }),
    ...(usc.now === undefined ? {} : { now: usc.now }),
    ...(usc.fs === undefined ? {} : { fs: usc.fs }),
  });
  const closeStreams = eventRoutes(app, ctx);

  // Open SSE streams are never idle, so end them before the HTTP server waits for connections to drain.
  app.addHook("preClose", async () => closeStreams());
  // Housekeeping, hourly: expire overdue instructions, delete closed ones past their keeping time.
  const housekeeping = setInterval(() => {
    const now = Date.now();
    void (async () => {
      const expired = await store.instructions.expire(now);
      const pruned = await store.instructions.prune(now - config.decisions.keepInstructionsDays * 86_400_000);
      if (expired + pruned > 0) logger.info({ expired, pruned }, "instruction housekeeping");
    })().catch((err: unknown) => logger.warn({ err }, "instruction housekeeping failed"));
  }, 3_600_000);
  housekeeping.unref();
  // Processing and decisions first (they write to the store), then the store.
  app.addHook("onClose", async () => {
    clearInterval(housekeeping);
    try {
      await engine?.close();
      await processing?.close();
    } finally {
      if (ownsStore) await store.close();
    }
  });

  if (config.tokens.length === 0) {
    logger.warn("no write tokens configured: POST /api/v1/ingest is accepted only from loopback clients");
  }
  logger.info({ store: store.kind, ...(ownsStore && store.kind === "pglite" ? { dataDir: config.dataDir } : {}) }, "store ready");

  let closed = false;
  return {
    app,
    store,
    hub,
    config,
    usc: uscHandle,
    decisions: engine,
    processing,
    listen: () => app.listen({ port: config.port, host: config.host }),
    close: async () => {
      if (closed) return;
      closed = true;
      // Connections that never sent a request (browser preconnects, a client's spare socket) are not
      // "idle" to Node and would hold close() open until the client gives up, so cut them after a grace period.
      const cut = setTimeout(() => app.server.closeAllConnections(), closeGraceMs);
      cut.unref();
      try {
        await app.close();
      } finally {
        clearTimeout(cut);
      }
    },
  };
}
