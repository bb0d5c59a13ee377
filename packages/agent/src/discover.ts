/**
 * Where the sessions are. A user may point emflow at a session directory, at
 * a visit directory holding several sessions (and usually an `atlas/`
 * folder), or at an atlas directory with Sample*\/ sub-directories.
 */
import path from "node:path";
import { readdir, stat } from "node:fs/promises";

/** Directory components that only occur inside a session directory. */
const SESSION_CHILD = /^(Images-Disc\d+|Metadata|EpuSession\.dm)$/i;

/**
 * The session directory a file belongs to: the path up to the first
 * component that only exists inside a session (Images-Disc*, Metadata,
 * EpuSession.dm). Works before EpuSession.dm exists. Undefined for files
 * outside any session (e.g. the atlas folder).
 */
export function sessionDirOf(root: string, file: string): string | undefined {
  const rel = path.relative(root, file);
  if (rel.startsWith("..") || path.isAbsolute(rel)) return undefined;
  const parts = rel.split(path.sep);
  const at = parts.findIndex((p) => SESSION_CHILD.test(p));
  if (at === -1) return undefined;
  return path.join(root, ...parts.slice(0, at));
}

/** One thing a directory holds, as `emflow epu parse/validate` report it. */
export type Found = { kind: "session"; dir: string } | { kind: "atlas"; file: string };

/** Is `dir` itself a session directory (holds EpuSession.dm, Metadata or Images-Disc*)? */
export async function looksLikeSession(dir: string): Promise<boolean> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries.some((e) => SESSION_CHILD.test(e));
}

/**
 * Find sessions and atlases under `dir` (itself included), at most `depth`
 * levels down. Session directories are not searched inside.
 */
export async function discover(dir: string, depth = 4): Promise<Found[]> {
  const found: Found[] = [];
  const info = await stat(dir).catch(() => undefined);
  if (info?.isFile()) {
    return path.basename(dir).toLowerCase() === "atlas.dm" ? [{ kind: "atlas", file: dir }] : [];
  }
  async function walk(d: string, level: number): Promise<void> {
    if (await looksLikeSession(d)) {
      found.push({ kind: "session", dir: d });
      return;
    }
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isFile() && e.name.toLowerCase() === "atlas.dm") found.push({ kind: "atlas", file: path.join(d, e.name) });
      else if (e.isDirectory() && level < depth && !e.name.startsWith(".")) await walk(path.join(d, e.name), level + 1);
    }
  }
  await walk(dir, 0);
  return found;
}
