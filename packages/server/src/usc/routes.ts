/**
 * The USC "CryoEM Service" API on emflow: list a user's sessions, read a
 * session's status, and start / stop / resume its processing through the
 * ProcessingControl port. Paths, query names and response fields follow the
 * USC service so its clients work unchanged (see index.ts for the differences).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Credential } from "../config/config.js";
import { ValidationError } from "../errors.js";
import type { ChangeHub } from "../events/hub.js";
import type { App } from "../http/app-types.js";
import { errorBody, HttpError } from "../http/http-error.js";
import type { ProcessingControl } from "../processing/control.js";
import type { Store } from "../store/store.js";
import { hasAgentSessions } from "./agent-sessions.js";
import { uscGuard } from "./auth.js";
import { UscCatalog, type UscSession } from "./catalog.js";
import type { UscConfig } from "./config.js";
import type { DirFs } from "./dir-cache.js";
import { missingForDataRoot, ReadQuery, SessionParams, startParams, StartQuery, UserParams } from "./params.js";
import { startPoller } from "./poller.js";
import { DataRootScanner } from "./scanner.js";
import { ActionResponse, ErrorResponse, NoSuchSession, ProjectsResponse, SessionListResponse, SessionStatusResponse } from "./schemas.js";
import { DataRootSync } from "./sync.js";

/** What the USC routes need. Built from the server's RouteContext plus the `[usc]` settings. */
export interface UscContext {
  readonly store: Store;
  readonly hub?: ChangeHub;
  /** Live processing; without it the processing routes answer 503. */
  readonly processing?: ProcessingControl;
  readonly usc: UscConfig;
  /** The server's `[auth] tokens`, used when `[usc] tokens` is empty. */
  readonly fallbackTokens?: readonly Credential[];
  /** Clock for the scan cache and the settle check (tests). */
  readonly now?: () => number;
  /** File-system calls of the scanner and the settle check (tests count them). */
  readonly fs?: DirFs;
}

/** What uscRoutes returns, for tests and the CLI. */
export interface UscHandle {
  readonly catalog: UscCatalog;
  readonly sync: DataRootSync;
  readonly scanner: DataRootScanner | undefined;
}

const tags = ["usc"];
const security = [{ bearer: [] }];
const authErrors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse };

type SessionRequest = FastifyRequest<{ Params: { project: string; user: string; id: string } }>;

/** Register the USC-compatible routes on `app` (paths under `ctx.usc.prefix`). */
export function uscRoutes(app: App, ctx: UscContext): UscHandle {
  const { store, usc } = ctx;
  const guard = uscGuard(usc.tokens.length > 0 ? usc.tokens : (ctx.fallbackTokens ?? []), usc.admins);
  const scanner =
    usc.dataRoot === undefined
      ? undefined
      : new DataRootScanner({ root: usc.dataRoot, ttlMs: usc.cacheTtlMs, ...(ctx.now === undefined ? {} : { now: ctx.now }), ...(ctx.fs === undefined ? {} : { fs: ctx.fs }) });
  const sync = new DataRootSync({
    store,
    logger: app.log,
    settleMs: usc.settleMs,
    ...(ctx.hub === undefined ? {} : { hub: ctx.hub }),
    ...(ctx.processing === undefined ? {} : { processing: ctx.processing }),
    ...(ctx.now === undefined ? {} : { now: ctx.now }),
    ...(ctx.fs === undefined ? {} : { fs: ctx.fs }),
  });
  const catalog = new UscCatalog({ store, mapping: usc, sync, ...(scanner === undefined ? {} : { scanner }) });
  const P = usc.prefix;
  const userRoute = { onRequest: guard.authenticate, preHandler: guard.authorizeUser };

  const notFound = (request: FastifyRequest, reply: FastifyReply) => {
    const { project, user, id } = request.params as SessionRequest["params"];
    const err = new HttpError(404, `no session ${id} of user ${user} in project ${project}`);
    request.log.info({ status: 404, reason: err.message }, "request rejected");
    return reply.code(404).send({ ...errorBody(err), state: "no_such_session" as const });
  };

  app.get(
    `${P}/projects`,
    {
      onRequest: guard.authenticate,
      schema: { tags, summary: "Projects the caller has sessions in (all projects for admins)", security, querystring: ReadQuery, response: { 200: ProjectsResponse, ...authErrors } },
    },
    async (request) => {
      const id = guard.identity(request);
      const projects = new Set<string>();
      for (const p of (await scanner?.listProjects()) ?? []) {
        if (id.admin || (await scanner!.listSessions(p, id.user)) !== undefined) projects.add(p);
      }
      if (id.admin || (await hasAgentSessions(store, usc, id.user))) projects.add(usc.agentProject);
      return { projects: [...projects].sort().map((project_id) => ({ project_id })) };
    },
  );

  app.get(
    `${P}/:project/:user/sessions`,
    {
      ...userRoute,
      schema: {
        tags,
        summary: "A user's sessions in a project, with their state",
        description: `Directories under <data root>/<project>/sessions/<user>, and, in project "${usc.agentProject}", the EPU sessions agents sent (id = acquisition UUID).`,
        security,
        params: UserParams,
        querystring: ReadQuery,
        response: { 200: SessionListResponse, ...authErrors, 404: ErrorResponse },
      },
    },
    async (request) => {
      const { project, user } = request.params;
      const known = project === usc.agentProject || (await scanner?.listSessions(project, user)) !== undefined;
      if (!known) throw new HttpError(404, `no sessions of user ${user} in project ${project}`);
      const sessions = [];
      for (const s of await catalog.list(project, user)) {
        const st = await catalog.status(s);
        sessions.push({ session_id: s.id, state: st.state, source: s.source, ...(st.name === undefined ? {} : { name: st.name }) });
      }
      return { sessions };
    },
  );

  app.get(
    `${P}/:project/:user/session/:id`,
    {
      ...userRoute,
      schema: {
        tags,
        summary: "A session's status: state, raw_files, processed_files, failed_jobs, percent_done_total, percent_current_cycle",
        security,
        params: SessionParams,
        querystring: ReadQuery,
        response: { 200: SessionStatusResponse, ...authErrors, 404: NoSuchSession },
      },
    },
    async (request, reply) => {
      const { project, user, id } = request.params;
      const s = await catalog.resolve(project, user, id);
      if (s === undefined) return notFound(request, reply);
      return catalog.status(s);
    },
  );

  const action = (kind: "start" | "stop" | "resume", summary: string, description: string): void => {
    app.route({
      method: ["GET", "POST"],
      url: `${P}/:project/:user/session/:id/${kind}-processing`,
      // GET is here for USC clients; a HEAD (link checkers, prefetch) must not start anything.
      exposeHeadRoute: false,
      ...userRoute,
      schema: {
        tags,
        summary,
        description,
        security,
        params: SessionParams,
        querystring: kind === "stop" ? ReadQuery : StartQuery,
        response: { 200: ActionResponse, ...authErrors, 404: NoSuchSession, 503: ErrorResponse },
      },
      handler: async (request, reply) => {
        const req = request as SessionRequest;
        const { project, user, id } = req.params;
        const p = ctx.processing;
        if (p === undefined) throw new HttpError(503, "processing is not enabled on this server (start it with `emflow serve --process`)");
        const s = await catalog.resolve(project, user, id);
        if (s === undefined) return notFound(req, reply);
        const log = request.log.child({ project, sessionId: id, source: s.source });
        const given = kind === "stop" ? {} : startParams(request.query as StartQuery);
        const existing = await catalog.acquisitionId(s);
        const summary = existing === undefined ? undefined : await store.processingSummary(existing);

        let acquisitionId = existing;
        let queued = 0;
        let detail: string;
        if (kind === "stop") {
          if (existing !== undefined) await p.stop(existing);
          detail = existing === undefined ? "never started: nothing to stop" : "stopped: nothing new is queued; queued work finishes";
        } else if (summary?.settings.state === "running") {
          // As the USC service: a running session is left alone (stop it first to change parameters).
          detail = "already running: nothing changed (stop it first to change parameters)";
        } else {
          acquisitionId = await processable(s, summary?.settings.params ?? {}, given);
          const withParams = kind === "start" || Object.keys(given).length > 0;
          queued = (withParams ? await p.start(acquisitionId, given) : await p.resume(acquisitionId)).queued;
          detail = `${kind === "start" ? "started" : "resumed"}: ${queued} movies queued; finished movies are never processed again`;
        }
        log.info({ acquisitionId, queued, params: given }, `usc ${kind}-processing`);
        const status = await catalog.status(s);
        return { result: "ok" as const, session_id: id, state: status.state, queued, detail, ...(acquisitionId === undefined ? {} : { acquisition_id: acquisitionId }) };
      },
    });
  };

  /** The session's acquisition, registering a data-root session's movies first (which needs its parameters). */
  const processable = async (s: UscSession, stored: Record<string, unknown>, given: ReturnType<typeof startParams>): Promise<string> => {
    if (s.source === "agent") return s.acquisition.id;
    const missing = missingForDataRoot(stored, given);
    if (missing.length > 0) throw new ValidationError(`${missing.join(", ")}: required for a data-root session (its movies carry no pixel size, dose or voltage)`);
    return (await sync.sync(s.ref, s.scan)).acquisitionId;
  };

  action(
    "start",
    "Start processing a session (apix Å/px, fmdose e/Å² per frame, kev kV, superresolution)",
    "Registers a data-root session's movies (apix, fmdose and kev are then required), stores the parameters and queues every movie not yet processed; new movies are queued as they arrive. A session already running is left unchanged. POST or GET.",
  );
  action("stop", "Stop processing a session", "Nothing new is queued; work already queued finishes. POST or GET.");
  action(
    "resume",
    "Resume processing with the stored parameters (or the given ones)",
    "Finished movies are never processed again. Parameters given here are merged first (as a start). POST or GET.",
  );

  if (scanner !== undefined && usc.syncIntervalMs > 0) {
    let stop: (() => void) | undefined;
    app.addHook("onReady", async () => {
      stop = startPoller({ store, scanner, sync, logger: app.log }, usc.syncIntervalMs);
    });
    app.addHook("onClose", async () => stop?.());
  }
  return { catalog, sync, scanner };
}
