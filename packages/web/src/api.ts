/**
 * The HTTP API client: JSON reads, authorised writes (a bearer token kept in
 * localStorage for remote use), and one error type carrying the API's
 * `{error: {status, code, message}}`.
 */
import type { Page } from "./types.js";

const TOKEN_KEY = "emflow.token";

/** An API or network failure, with what the server said. */
export class ApiError extends Error {
  readonly _tag = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The bearer token for writes, if one was entered. */
export function getToken(): string {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? "";
  } catch {
    return "";
  }
}

/** Remember (or, with "", forget) the bearer token. */
export function setToken(token: string): void {
  if (token === "") localStorage.removeItem(TOKEN_KEY);
  else localStorage.setItem(TOKEN_KEY, token);
}

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, "network", `cannot reach the server (${err instanceof Error ? err.message : String(err)})`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const e = (body as { error?: { status?: number; code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, e?.code ?? "http_error", e?.message ?? `${res.status} ${res.statusText}`);
  }
  return body as T;
}

/** GET a JSON resource; `query` values that are undefined are left out. */
export function get<T>(path: string, query: Record<string, string | number | boolean | undefined> = {}, signal?: AbortSignal): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
  const qs = q.toString();
  return request<T>(qs === "" ? path : `${path}?${qs}`, signal === undefined ? {} : { signal });
}

function send<T>(method: "POST" | "PUT", path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  const token = getToken();
  if (token !== "") headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  return request<T>(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

/** GET a resource of a feature the server may not run (processing, decisions): undefined when it answers 503. */
export function getIfEnabled<T>(path: string): Promise<T | undefined> {
  return get<T>(path).catch((e: unknown) => {
    if (e instanceof ApiError && e.status === 503) return undefined;
    throw e;
  });
}

/** POST JSON with the stored token (if any). */
export function post<T>(path: string, body?: unknown): Promise<T> {
  return send("POST", path, body);
}

/** PUT JSON with the stored token (if any). */
export function put<T>(path: string, body: unknown): Promise<T> {
  return send("PUT", path, body);
}

/** Every item of a list, following cursors, up to `max` items (lists are capped at 1000 per page). */
export async function allPages<T>(path: string, query: Record<string, string | number | boolean | undefined> = {}, max = 20_000): Promise<Page<T>> {
  const items: T[] = [];
  let cursor: string | undefined;
  let total = 0;
  for (;;) {
    const page = await get<Page<T>>(path, { ...query, limit: 1000, cursor });
    items.push(...page.items);
    total = page.total;
    if (page.nextCursor === null || items.length >= max) return { items, total, nextCursor: page.nextCursor };
    cursor = page.nextCursor;
  }
}

/** A write's error, with a hint on how to authorise when the server answered 401. */
export function withTokenHint(e: unknown): unknown {
  return e instanceof ApiError && e.status === 401 ? new ApiError(401, e.code, `${e.message} (set a bearer token with the token button at the top)`) : e;
}

/** One line for an error, as the dashboard shows it. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.status === 0 ? err.message : `${err.status} ${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
