/**
 * Retry policy as data: how many extra attempts, the capped exponential backoff between them, and
 * which failures are worth another attempt. The default never repeats a POST or PATCH that the
 * service may already have applied (a duplicated decision is worse than a reported failure).
 */

/** Why one attempt failed. `network` carries the socket error code (ECONNREFUSED, ...). */
export type AthenaAttemptFailure =
  | { kind: "status"; method: string; status: number; retryAfterMs: number | undefined }
  | { kind: "network"; method: string; code: string | undefined }
  | { kind: "timeout"; method: string };

/** When and how often the client tries again. */
export interface AthenaRetryPolicy {
  /** Attempts after the first one. */
  readonly retries: number;
  /** Delay before the first retry, ms; multiplied by `factor` for each later one. */
  readonly baseDelayMs: number;
  readonly factor: number;
  /** No delay exceeds this, not even a server's `Retry-After`. */
  readonly maxDelayMs: number;
  /** Whether this failure (the `attempt`-th, from 1) deserves another attempt. */
  readonly retryOn: (failure: AthenaAttemptFailure, attempt: number) => boolean;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE"]);
/** Errors raised before the request could reach the service. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

/**
 * The default `retryOn`: idempotent methods retry any 5xx, network error or timeout; POST and PATCH
 * only 502/503/504 (not processed) and connection errors that happen before anything was sent.
 */
export function retryTransient(failure: AthenaAttemptFailure): boolean {
  const idempotent = IDEMPOTENT.has(failure.method);
  switch (failure.kind) {
    case "status":
      return failure.status >= 500 && (idempotent || failure.status === 502 || failure.status === 503 || failure.status === 504);
    case "network":
      return idempotent || (failure.code !== undefined && NOT_SENT.has(failure.code));
    case "timeout":
      return idempotent;
  }
}

/** 3 retries after 250, 500, 1000 ms (capped at 5 s), on transient failures only. */
export const DEFAULT_ATHENA_RETRY: AthenaRetryPolicy = { retries: 3, baseDelayMs: 250, factor: 2, maxDelayMs: 5_000, retryOn: retryTransient };

/** The delay before retry number `attempt` (from 1), honouring a server's `Retry-After` up to the cap. */
export function backoffDelay(policy: AthenaRetryPolicy, attempt: number, retryAfterMs?: number): number {
  const computed = policy.baseDelayMs * policy.factor ** (attempt - 1);
  return Math.max(0, Math.min(policy.maxDelayMs, retryAfterMs ?? computed));
}

/** `Retry-After` as ms: delta-seconds or an HTTP date relative to `now` (ms); undefined if absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
