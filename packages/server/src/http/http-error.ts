/**
 * One typed HTTP error and the one place every error becomes a response:
 * core's tagged errors, fastify's own errors and database data errors map to
 * `{ error: { status, code, message } }`; anything else is a logged 500 with
 * a generic message (no stack traces, no SQL).
 */
import { isEmflowError, type EmflowErrorTag } from "@emflow/core";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** An error that already knows its HTTP status. */
export class HttpError extends Error {
  readonly _tag = "HttpError";
  constructor(
    readonly status: number,
    message: string,
    opts: { cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "HttpError";
  }
}

/** The JSON error body. */
export interface ErrorBody {
  readonly error: { readonly status: number; readonly code: string; readonly message: string };
}

const TAG_STATUS: Record<EmflowErrorTag, number> = {
  ValidationError: 400,
  XmlSyntaxError: 400,
  EpuFormatError: 400,
  NotFoundError: 404,
  ConflictError: 409,
  UnauthorizedError: 401,
  FormatError: 422,
  ProcessingError: 422,
  TransportError: 503,
  ExternalToolError: 502,
};

const CODES: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  406: "not_acceptable",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  422: "unprocessable",
  502: "bad_gateway",
  429: "too_many_requests",
  500: "internal",
  503: "unavailable",
};

/** Map any thrown value to an HttpError. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (isEmflowError(err)) return new HttpError(TAG_STATUS[err._tag], err.message, { cause: err });
  const e = err as Partial<FastifyError> & { code?: unknown };
  // fastify's own client errors (bad JSON 400, body too large 413, bad media type 415, …) carry their status.
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    return new HttpError(e.statusCode, e.message ?? "bad request", { cause: err });
  }
  // PostgreSQL class 22 (data exception): a value the database cannot store, e.g. an int out of range.
  if (typeof e.code === "string" && /^22[0-9A-Z]{3}$/.test(e.code)) {
    return new HttpError(400, `invalid value: ${e.message ?? "rejected by the database"}`, { cause: err });
  }
  return new HttpError(500, "internal server error", { cause: err });
}

/** The response body for an HttpError. */
export function errorBody(err: HttpError): ErrorBody {
  return { error: { status: err.status, code: CODES[err.status] ?? (err.status >= 500 ? "internal" : "bad_request"), message: err.message } };
}

/** Install the error and not-found handlers on `app`. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const http = toHttpError(err);
    if (http.status >= 500) request.log.error({ err }, "request failed");
    else request.log.info({ status: http.status, reason: http.message }, "request rejected");
    if (http.status === 401) reply.header("www-authenticate", 'Bearer realm="emflow"');
    return reply.status(http.status).send(errorBody(http));
  });
  app.setNotFoundHandler((request, reply) => {
    const http = new HttpError(404, `no route ${request.method} ${request.url.split("?")[0]}`);
    return reply.status(404).send(errorBody(http));
  });
}
