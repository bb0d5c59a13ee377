/**
 * One HTTP exchange with the Decision Service: per-attempt timeout, retries by policy, and the
 * mapping of failures to tagged errors (5xx and network → TransportError naming the URL; 4xx →
 * ValidationError / NotFoundError / ConflictError / UnauthorizedError with the service's message).
 */
import { setTimeout as delay } from "node:timers/promises";
import { EmflowError, TransportError, type EmflowErrorTag } from "@emflow/core";
import type { z } from "zod";
import { backoffDelay, DEFAULT_ATHENA_RETRY, parseRetryAfter, type AthenaAttemptFailure, type AthenaRetryPolicy } from "./retry.js";
import { AthenaProblemDetails, describeIssues } from "./schemas.js";

/** How to reach the service, plus the seams tests replace (fetch, sleep, clock). */
export interface AthenaTransportOptions {
  /** Root the `/api/v1/...` paths hang from, e.g. `http://athena:5000` or `https://host/smartepu`. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Extra headers on every request (another auth scheme, a tracing id). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per-attempt limit, ms (default 10 s). */
  readonly timeoutMs?: number;
  readonly retry?: Partial<AthenaRetryPolicy>;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Epoch ms; used to read `Retry-After` dates. */
  readonly clock?: () => number;
}

type QueryValue = string | number | boolean | undefined | null | ReadonlyArray<string | number>;

/** One request: method, path under the base URL, query, JSON body, caller's signal. */
export interface AthenaCall {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly path: string;
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly body?: unknown;
  readonly signal?: AbortSignal | undefined;
}

/** A successful (2xx) response: `data` is the parsed body, undefined when there is none. */
export interface AthenaResponse {
  readonly status: number;
  readonly url: string;
  readonly data: unknown;
  readonly text: string;
}

/** Performs calls; the client's only dependency on HTTP. */
export type AthenaTransport = (call: AthenaCall) => Promise<AthenaResponse>;

const TAG_BY_STATUS: Readonly<Record<number, EmflowErrorTag>> = { 401: "UnauthorizedError", 403: "UnauthorizedError", 404: "NotFoundError", 409: "ConflictError" };

/** The URL of `call` under `baseUrl`; array query values repeat the key. */
export function athenaUrl(baseUrl: string, call: Pick<AthenaCall, "path" | "query">): string {
  const url = new URL(baseUrl.replace(/\/+$/, "") + call.path);
  for (const [key, value] of Object.entries(call.query ?? {})) {
    if (value === undefined || value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(v));
  }
  return url.toString();
}

/** A transport over `fetch` with the given options. */
export function createAthenaTransport(options: AthenaTransportOptions): AthenaTransport {
  const policy: AthenaRetryPolicy = { ...DEFAULT_ATHENA_RETRY, ...options.retry };
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, signal === undefined ? {} : { signal }));
  const clock = options.clock ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const headers: Record<string, string> = { accept: "application/json", ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;

  return async (call) => {
    const url = athenaUrl(options.baseUrl, call);
    const init = { method: call.method, headers: call.body === undefined ? headers : { ...headers, "content-type": "application/json" }, body: call.body === undefined ? null : JSON.stringify(call.body) };
    for (let attempt = 1; ; attempt++) {
      call.signal?.throwIfAborted();
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = call.signal === undefined ? timeout : AbortSignal.any([call.signal, timeout]);
      let failure: AthenaAttemptFailure;
      let cause: unknown;
      try {
        const res = await doFetch(url, { ...init, signal });
        const text = await res.text();
        if (res.ok) return { status: res.status, url, data: parseJson(text), text };
        if (res.status < 500) throw clientError(call.method, url, res.status, res.statusText, text);
        failure = { kind: "status", method: call.method, status: res.status, retryAfterMs: parseRetryAfter(res.headers.get("retry-after"), clock()) };
        cause = new Error(`${res.status} ${res.statusText}${text === "" ? "" : `: ${problemMessage(text)}`}`);
      } catch (err) {
        if (err instanceof EmflowError) throw err;
        if (call.signal?.aborted) throw call.signal.reason;
        cause = err;
        failure = timeout.aborted ? { kind: "timeout", method: call.method } : { kind: "network", method: call.method, code: errorCode(err) };
      }
      if (attempt > policy.retries || !policy.retryOn(failure, attempt)) {
        throw new TransportError(`${call.method} ${url}: ${describeFailure(failure, timeoutMs, cause)} (${attempt} attempt${attempt === 1 ? "" : "s"})`, { cause });
      }
      await sleep(backoffDelay(policy, attempt, failure.kind === "status" ? failure.retryAfterMs : undefined), call.signal);
    }
  };
}

/** Validate a response body with `schema`; a mismatch is a ValidationError naming the call. */
export function decode<S extends z.ZodType>(schema: S, res: AthenaResponse, method: string): z.infer<S> {
  const parsed = schema.safeParse(res.data);
  if (parsed.success) return parsed.data;
  throw new EmflowError("ValidationError", `${method} ${res.url}: unexpected response (${res.status}): ${describeIssues(parsed.error)}`, { cause: parsed.error });
}

function parseJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text; // text/plain bodies (Version, Status) stay strings; schemas reject them elsewhere
  }
}

function clientError(method: string, url: string, status: number, statusText: string, text: string): EmflowError {
  const tag = TAG_BY_STATUS[status] ?? "ValidationError";
  return new EmflowError(tag, `${method} ${url}: ${status} ${statusText}${text === "" ? "" : `: ${problemMessage(text)}`}`);
}

/** The human part of an error body: ProblemDetails detail/title plus field errors, else the text. */
function problemMessage(text: string): string {
  const problem = AthenaProblemDetails.safeParse(parseJson(text));
  if (!problem.success) return text.length > 300 ? `${text.slice(0, 300)}…` : text;
  const p = problem.data;
  const fields = Object.entries(p.errors ?? {}).map(([k, v]) => `${k}: ${v.join(", ")}`);
  return [p.detail ?? p.title ?? "", ...fields].filter((s) => s !== "").join("; ");
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

function describeFailure(f: AthenaAttemptFailure, timeoutMs: number, cause: unknown): string {
  if (f.kind === "timeout") return `no response within ${timeoutMs} ms`;
  if (f.kind === "status") return cause instanceof Error ? cause.message : `status ${f.status}`;
  const message = cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause);
  return f.code === undefined || message.includes(f.code) ? message : `${message} (${f.code})`;
}
