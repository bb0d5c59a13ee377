/**
 * A Smart EPU Decision Service simulator: a real HTTP server (node:http) serving the API subset of
 * simulator-routes.ts over in-memory state, with errors as ProblemDetails (400 bad body, 404 unknown
 * id or route, 405 wrong method, 409 conflict, 413 body over the limit), for tests and the demo.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isEmflowError, type EmflowErrorTag } from "@emflow/core";
import { ATHENA_ROUTES, matchRoute, type AthenaRouteResult } from "./simulator-routes.js";
import { createAthenaSimState, type AthenaSimState } from "./simulator-store.js";
import { addAlgorithmResult, consumeDecision, type AthenaSimDecisionFilter } from "./simulator-decisions.js";
import type { AthenaAlgorithmResult, AthenaAlgorithmResultType, AthenaDecisionRecord } from "./schemas.js";

/** Where to listen and the seams tests replace. */
export interface AthenaSimulatorOptions {
  /** 0 or absent: an ephemeral port. */
  readonly port?: number;
  readonly host?: string;
  /** Epoch ms for every timestamp the service writes. */
  readonly clock?: () => number;
  /** GUID generator for sessions and decisions. */
  readonly newId?: () => string;
  /** When set, requests must carry `Authorization: Bearer <token>` (else 401). */
  readonly token?: string;
  /** What `GET /Version` answers. */
  readonly version?: string;
  /** Request bodies above this many bytes get a 413 (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /** Called once per request, after the response is written. */
  readonly onRequest?: (entry: AthenaSimRequestLog) => void;
  /** Fault injection: a status to answer instead of routing (e.g. 503 for the first tries). */
  readonly fault?: (req: { method: string; path: string }) => number | undefined;
}

/** One line of the request log. */
export interface AthenaSimRequestLog {
  readonly at: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly ms: number;
  /** The problem's detail for 4xx/5xx. */
  readonly error?: string;
}

/** A running simulator: its base URL (pass it to AthenaClient), its state, and the microscope's hand. */
export interface AthenaSimulator {
  readonly url: string;
  readonly state: AthenaSimState;
  /** The next decision the simulated microscope acts on: the newest not yet acted on, or undefined. */
  consume(sessionId: string, filter?: AthenaSimDecisionFilter): AthenaDecisionRecord | undefined;
  /** Seed a result as Athena's own algorithms would (the API only reads them). */
  addAlgorithmResult(sessionId: string, areaId: number, name: AthenaAlgorithmResultType, result: Record<string, unknown>): AthenaAlgorithmResult;
  close(): Promise<void>;
}

const STATUS_BY_TAG: Partial<Record<EmflowErrorTag, number>> = { ValidationError: 400, NotFoundError: 404, ConflictError: 409, UnauthorizedError: 401 };
const DEFAULT_MAX_BODY = 1024 * 1024;

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Start the simulator; resolves once it listens. */
export async function startAthenaSimulator(options: AthenaSimulatorOptions = {}): Promise<AthenaSimulator> {
  const clock = options.clock ?? Date.now;
  const state = createAthenaSimState(clock, options.newId);
  const host = options.host ?? "127.0.0.1";
  const ctx = { state, version: options.version ?? "1.0.0-emflow-simulator", maxBody: options.maxBodyBytes ?? DEFAULT_MAX_BODY, token: options.token, fault: options.fault };

  const server = createServer((req, res) => {
    const started = clock();
    const path = req.url ?? "/";
    void respond(ctx, req, res).then((r) => options.onRequest?.({ at: new Date(started).toISOString(), method: req.method ?? "?", path, status: r.status, ms: clock() - started, ...(r.error === undefined ? {} : { error: r.error }) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    state,
    consume: (sessionId, filter) => consumeDecision(state, sessionId, filter),
    addAlgorithmResult: (sessionId, areaId, name, result) => addAlgorithmResult(state, sessionId, areaId, name, result),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err === undefined ? resolve() : reject(err)));
        server.closeAllConnections(); // keep-alive sockets of fetch would otherwise hold close() open
      }),
  };
}

type Ctx = { state: AthenaSimState; version: string; maxBody: number; token: string | undefined; fault: AthenaSimulatorOptions["fault"] };

async function respond(ctx: Ctx, req: IncomingMessage, res: ServerResponse): Promise<{ status: number; error?: string }> {
  let result: AthenaRouteResult;
  try {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://simulator");
    // Drain the body first, so every answer (even 404) reaches a client still sending.
    const raw = await readBody(req, ctx.maxBody);
    const faultStatus = ctx.fault?.({ method, path: url.pathname });
    if (faultStatus !== undefined) throw new HttpProblem(faultStatus, "injected fault");
    if (ctx.token !== undefined && req.headers.authorization !== `Bearer ${ctx.token}`) throw new HttpProblem(401, "missing or wrong bearer token");
    const match = matchRoute(ATHENA_ROUTES, method, url.pathname);
    if (!("route" in match)) {
      if (match.allowed.length === 0) throw new HttpProblem(404, `no such endpoint: ${url.pathname}`);
      throw new HttpProblem(405, `${method} is not allowed on ${url.pathname}`, { allow: [...new Set(match.allowed)].join(", ") });
    }
    result = match.route.handle({ params: match.params, query: url.searchParams, body: parseJson(raw), state: ctx.state, version: ctx.version });
  } catch (err) {
    const problem = toProblem(err);
    const body = { type: `https://httpstatuses.io/${problem.status}`, title: STATUS_CODES[problem.status] ?? "Error", status: problem.status, detail: problem.message, instance: req.url ?? "/" };
    res.writeHead(problem.status, { "content-type": "application/problem+json; charset=utf-8", ...problem.headers }).end(JSON.stringify(body));
    return { status: problem.status, error: problem.message };
  }
  if (result.body === undefined) res.writeHead(result.status).end();
  else if (result.text === true) res.writeHead(result.status, { "content-type": "text/plain; charset=utf-8" }).end(String(result.body));
  else res.writeHead(result.status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(result.body));
  return { status: result.status };
}

function toProblem(err: unknown): HttpProblem {
  if (err instanceof HttpProblem) return err;
  if (isEmflowError(err)) return new HttpProblem(STATUS_BY_TAG[err._tag] ?? 500, err.message);
  return new HttpProblem(500, `internal error: ${err instanceof Error ? err.message : String(err)}`);
}

/** The whole body as text; past `max` bytes the rest is read and dropped, then a 413 is thrown. */
async function readBody(req: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= max) chunks.push(chunk);
  }
  if (size > max) throw new HttpProblem(413, `request body of ${size} bytes exceeds the limit of ${max} bytes`);
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(raw: string): unknown {
  if (raw.trim() === "") return undefined;
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new HttpProblem(400, `body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}
