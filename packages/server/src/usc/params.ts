/**
 * Query parameters of the USC routes. Numbers are plain decimals (no hex,
 * no Infinity, no blanks) within physically sane ranges; the 400 names the
 * parameter. `superresolution` takes true/false/1/0 (any case; also yes/no,
 * on/off, which FastAPI, the USC service's framework, accepted).
 */
import { z } from "zod";
import type { StartParams } from "../processing/control.js";
import { SafeSegment } from "./segments.js";

const DECIMAL = /^\+?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d{1,3})?$/;

function quantity(what: string, max: number, min = 0) {
  const range = min === 0 ? `> 0 and ≤ ${max}` : `between ${min} and ${max}`;
  return z
    .string()
    .regex(DECIMAL, `must be a positive decimal number (${what})`)
    .transform(Number)
    .refine((n) => Number.isFinite(n) && n > 0 && n >= min && n <= max, `must be ${range} (${what})`);
}

const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off"]);
const BoolString = z
  .string()
  .refine((s) => TRUE.has(s.toLowerCase()) || FALSE.has(s.toLowerCase()), "must be true or false (or 1 / 0)")
  .transform((s) => TRUE.has(s.toLowerCase()));

/** The token as a query parameter (the USC service's `access_token`). */
const AccessToken = z.string().max(500).optional().describe("the caller's token, for clients that cannot send `Authorization: Bearer`");

/** `{project}/{user}`. */
export const UserParams = z.object({ project: SafeSegment, user: SafeSegment });

/** `{project}/{user}/session/{id}`. */
export const SessionParams = UserParams.extend({ id: SafeSegment.describe("session directory name, or the UUID of an agent (EPU) session") });

/** Query of the read routes: only the token. */
export const ReadQuery = z.object({ access_token: AccessToken }).strict();

/** Query of start- and resume-processing. */
export const StartQuery = z
  .object({
    apix: quantity("pixel size of the movies, Å/px", 20).optional(),
    fmdose: quantity("dose per frame, e/Å²", 20).optional(),
    dose: quantity("dose per frame, e/Å² (newer USC clients' name for fmdose)", 20).optional(),
    kev: quantity("acceleration voltage, kV", 1000, 20).optional(),
    superresolution: BoolString.optional().describe("true if the movies are super-resolution (K2/K3)"),
    access_token: AccessToken,
  })
  .strict()
  .refine((q) => q.fmdose === undefined || q.dose === undefined || q.fmdose === q.dose, { message: "fmdose and dose disagree (give one)", path: ["dose"] });
export type StartQuery = z.infer<typeof StartQuery>;

/** The ProcessingControl parameters given in a start query (only those present). */
export function startParams(q: StartQuery): StartParams {
  const out: { apix?: number; kv?: number; dosePerFrame?: number; superResolution?: boolean } = {};
  if (q.apix !== undefined) out.apix = q.apix;
  if (q.kev !== undefined) out.kv = q.kev;
  const dose = q.fmdose ?? q.dose;
  if (dose !== undefined) out.dosePerFrame = dose;
  if (q.superresolution !== undefined) out.superResolution = q.superresolution;
  return out;
}

/** Names (USC spelling) of the parameters a data-root session needs before it can start: its files carry none. */
export function missingForDataRoot(stored: Record<string, unknown>, given: StartParams): string[] {
  const has = (k: keyof StartParams) => given[k] !== undefined || typeof stored[k] === "number";
  const missing: string[] = [];
  if (!has("apix")) missing.push("apix");
  if (!has("dosePerFrame")) missing.push("fmdose");
  if (!has("kv")) missing.push("kev");
  return missing;
}
