/**
 * Recording paths come from files we did not write: every one must stay
 * inside the replay target. Only plain relative POSIX paths are accepted.
 */
import { realpath } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";

/** Why `p` is not a safe relative POSIX path, or undefined when it is. */
export function checkRelativePath(p: string): string | undefined {
  if (p.length === 0) return "empty path";
  if (p.length > 4096) return "path too long";
  if (p.includes("\u0000")) return "path contains a NUL byte";
  if (p.includes("\\")) return "path contains a backslash (recordings use POSIX paths)";
  if (p.startsWith("/") || /^[A-Za-z]:/.test(p)) return "absolute path";
  const parts = p.split("/");
  if (parts.includes("..")) return "path escapes the target directory with '..'";
  if (p !== "." && parts.some((s) => s === "" || s === ".")) return "path has empty or '.' segments";
  return undefined;
}

/** The absolute target of `rel` under `root`; throws if it would leave `root` (defence in depth). */
export function targetPath(root: string, rel: string): string {
  const problem = checkRelativePath(rel);
  if (problem !== undefined) throw new Error(`${problem}: ${rel}`);
  const abs = resolve(root, ...rel.split("/"));
  const back = relative(root, abs);
  if (back.startsWith("..") || isAbsolute(back)) throw new Error(`path escapes the target directory: ${rel}`);
  return abs;
}

/**
 * Check that the existing part of `abs`'s parent chain resolves (through
 * symlinks) inside `rootReal`, so a symlink in the target cannot redirect writes.
 */
export async function assertInsideReal(rootReal: string, abs: string): Promise<void> {
  let dir = dirname(abs);
  for (;;) {
    try {
      const real = await realpath(dir);
      if (real !== rootReal && !real.startsWith(rootReal + sep)) throw new Error(`${abs} resolves outside the target directory (via ${real})`);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      const up = dirname(dir);
      if (up === dir) return;
      dir = up;
    }
  }
}

/** POSIX relative path of `abs` under `root` (for events), on every OS. */
export function posixRelative(root: string, abs: string): string {
  const rel = relative(root, abs);
  return rel === "" ? "." : rel.split(sep).join("/");
}

