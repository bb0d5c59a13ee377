/**
 * Names that come from a URL and become directory names under the data root.
 * A segment is one plain directory name (no separators, no dot-only names, no
 * NUL, no backslashes); `resolveInside` then checks lexically that the joined
 * path stays under the root, so request input alone can never leave it.
 */
import { isAbsolute, relative, resolve, sep } from "node:path";
import { z } from "zod";
import { ValidationError } from "../errors.js";

/** Longest accepted segment: three of them still fit a 300-character session name (see register.ts). */
export const MAX_SEGMENT = 96;

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

/** True when `s` is a plain directory name we serve: letters, digits, `_ . + -`, not starting with a dot. */
export function isSafeSegment(s: string): boolean {
  return s.length > 0 && s.length <= MAX_SEGMENT && SEGMENT.test(s);
}

/** A project, user or session name in a URL (400 naming the parameter otherwise). */
export const SafeSegment = z
  .string()
  .max(MAX_SEGMENT, `must be at most ${MAX_SEGMENT} characters`)
  .refine(isSafeSegment, "must be a plain name (letters, digits, _ . + -; no path separators, no leading dot)");

/**
 * `root/segments…` as an absolute path, after checking every segment and that
 * the result is strictly inside `root`. Throws ValidationError otherwise.
 */
export function resolveInside(root: string, ...segments: readonly string[]): string {
  for (const s of segments) if (!isSafeSegment(s)) throw new ValidationError(`not a plain name: ${JSON.stringify(s)}`);
  const base = resolve(root);
  const target = resolve(base, ...segments);
  const rel = relative(base, target);
  // Belt and braces: the segment check already excludes "..", separators and absolute paths.
  if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new ValidationError(`path escapes the data root: ${JSON.stringify(segments.join("/"))}`);
  }
  return target;
}
