/**
 * Per-user tokens for the USC routes.
 *
 * A token comes as `Authorization: Bearer <token>`, or, as the USC service
 * took it, an `access_token` query parameter or header. Every token a request
 * presents must be valid and name the same user (401 otherwise, with
 * `WWW-Authenticate`). A user may only address their own `{user}` path
 * segment unless they are an admin: 403 otherwise. The 403 is decided from the
 * path alone, before anything is looked up, so it is the same whether or not
 * that user, project or session exists: it reveals nothing a 404 would hide,
 * and tells a script plainly that its token is the problem.
 *
 * With no tokens configured at all, only loopback clients are let in, as
 * admin (the embedded single-user default, like emflow's write policy).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { Credential } from "../config/config.js";
import { UnauthorizedError, ValidationError } from "../errors.js";
import { HttpError } from "../http/http-error.js";

/** Who a request acts as. */
export interface UscIdentity {
  readonly user: string;
  readonly admin: boolean;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const digest = (s: string): Buffer => createHash("sha256").update(s).digest();

/** The hooks that enforce the policy and the identity they found. */
export interface UscGuard {
  /** onRequest: 401 unless the request carries valid, consistent tokens. */
  authenticate(request: FastifyRequest): Promise<void>;
  /** preHandler of routes with a `{user}` segment: 403 unless it is the caller's own (or the caller is an admin). */
  authorizeUser(request: FastifyRequest): Promise<void>;
  /** The identity `authenticate` found (throws if the route has no guard, which is a bug). */
  identity(request: FastifyRequest): UscIdentity;
}

/** Build the guard for `tokens` (user:token pairs) and `admins` (user names). */
export function uscGuard(tokens: readonly Credential[], admins: readonly string[]): UscGuard {
  // Constant-time comparison of fixed-length digests: response timing reveals nothing about a token.
  const known = tokens.map((t) => ({ user: t.user, digest: digest(t.token) }));
  const adminSet = new Set(admins);
  const identities = new WeakMap<FastifyRequest, UscIdentity>();

  const userOf = (token: string): string | undefined => {
    const d = digest(token);
    let user: string | undefined;
    for (const k of known) if (timingSafeEqual(k.digest, d)) user = k.user;
    return user;
  };

  const identity = (request: FastifyRequest): UscIdentity => {
    const id = identities.get(request);
    if (id === undefined) throw new Error("bug: USC route without authentication");
    return id;
  };

  return {
    identity,
    async authenticate(request) {
      if (known.length === 0) {
        if (!LOOPBACK.test(request.ip)) throw new UnauthorizedError("no USC tokens are configured ([usc] tokens or EMFLOW_USC_TOKENS): only this machine may use these routes");
        identities.set(request, { user: "", admin: true });
        return;
      }
      const presented = presentedTokens(request);
      if (presented.length === 0) throw new UnauthorizedError("missing token: send Authorization: Bearer <token> (or ?access_token=)");
      const users = new Set(presented.map(userOf));
      if (users.has(undefined)) throw new UnauthorizedError("invalid token");
      if (users.size > 1) throw new UnauthorizedError("the request carries tokens of different users");
      const user = [...users][0]!;
      identities.set(request, { user, admin: adminSet.has(user) });
      request.log = request.log.child({ user });
    },

    async authorizeUser(request) {
      const id = identity(request);
      const pathUser = (request.params as { user?: unknown }).user;
      if (id.admin || pathUser === id.user) return;
      throw new HttpError(403, `user ${id.user} may not access the sessions of ${String(pathUser)}`);
    },
  };
}

/** Every token the request carries: bearer header, `access_token` header and query parameter. */
function presentedTokens(request: FastifyRequest): string[] {
  const out: string[] = [];
  const auth = request.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m === null) throw new UnauthorizedError("unsupported Authorization header: send Authorization: Bearer <token>");
    out.push(m[1]!);
  }
  const header = request.headers.access_token;
  if (header !== undefined) {
    if (typeof header !== "string") throw new ValidationError("access_token: given more than once");
    out.push(header);
  }
  const query = (request.query as Record<string, unknown> | undefined)?.access_token;
  if (query !== undefined) {
    if (typeof query !== "string") throw new ValidationError("access_token: given more than once");
    out.push(query);
  }
  return out;
}

/** `url` with the value of any `access_token` query parameter replaced, for request logs. */
export function redactAccessToken(url: string): string {
  return url.replace(/([?&]access_token=)[^&#]*/gi, "$1[redacted]");
}

/**
 * fastify's default `req` log serializer with the URL's `access_token`
 * redacted. Pass it to the pino logger the server uses:
 * `pino({ serializers: { req: requestLogSerializer } })`.
 */
export function requestLogSerializer(req: FastifyRequest): Record<string, unknown> {
  return {
    method: req.method,
    url: redactAccessToken(req.url),
    version: req.headers["accept-version"],
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}
