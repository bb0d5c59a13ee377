/**
 * Write authorisation. With tokens configured, writes need
 * `Authorization: Bearer <token>`; with none, only loopback clients may write
 * (the embedded single-user default). Reads are open.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { Credential } from "../config/config.js";
import { UnauthorizedError } from "../errors.js";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

const digest = (s: string): Buffer => createHash("sha256").update(s).digest();

// Who made each authorised write: the token's user, or "local" for a loopback client without tokens.
const users = new WeakMap<FastifyRequest, string>();

/** The user a write guard let through (for audit fields such as a decision's operator); undefined before it ran. */
export function requestUser(request: FastifyRequest): string | undefined {
  return users.get(request);
}

/** An onRequest hook enforcing the write policy; it adds the user to the request's log lines. */
export function writeGuard(tokens: readonly Credential[]) {
  // Compare fixed-length digests in constant time, so response timing reveals nothing about a token.
  const known = tokens.map((t) => ({ user: t.user, digest: digest(t.token) }));
  return async (request: FastifyRequest): Promise<void> => {
    if (known.length === 0) {
      if (LOOPBACK.test(request.ip)) {
        users.set(request, "local");
        return;
      }
      throw new UnauthorizedError("writes are allowed only from this machine until tokens are configured ([auth] tokens or EMFLOW_TOKENS)");
    }
    const header = request.headers.authorization;
    const m = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (m === null) throw new UnauthorizedError("missing bearer token: send Authorization: Bearer <token>");
    const presented = digest(m[1]!);
    const user = known.find((k) => timingSafeEqual(k.digest, presented))?.user;
    if (user === undefined) throw new UnauthorizedError("invalid token");
    users.set(request, user);
    request.log = request.log.child({ user });
  };
}
