/**
 * Opaque keyset cursors. A cursor is the `seq` of the last row of a page,
 * base64url-encoded so clients treat it as a token, not a number to compute with.
 */
import { ValidationError } from "../errors.js";

/** Default and maximum page sizes. */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** Encode the seq of a page's last row. */
export function encodeCursor(seq: string): string {
  return Buffer.from(JSON.stringify({ s: seq }), "utf8").toString("base64url");
}

/** Decode a cursor into a seq (decimal string); throws ValidationError for anything this API did not issue. */
export function decodeCursor(cursor: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    const s = (parsed as { s?: unknown } | null)?.s;
    if (typeof s === "string" && /^\d{1,19}$/.test(s)) return s;
  } catch {
    // fall through: not JSON
  }
  throw new ValidationError("cursor: not a cursor issued by this API");
}

/** Check a page size: 1–MAX_LIMIT, default DEFAULT_LIMIT. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new ValidationError(`limit: must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return limit;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Is `s` shaped like a UUID? Checked before any query so PostgreSQL's uuid cast never fails on user input. */
export function isUuid(s: string): boolean {
  return UUID.test(s);
}
