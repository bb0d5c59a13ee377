/**
 * EPU records other files (the atlas, the storage folder) as Windows paths on
 * the microscope PC, e.g. Z:\DoseFractions\cm40593-1\atlas\...\Atlas.dm. On the
 * machine reading the session those live somewhere else, usually beside the
 * session directory. This finds them by matching the path's trailing
 * components, case-insensitively (Windows is), under the session's ancestors.
 */

/** Lists the entries of a directory, or returns undefined if it does not exist. Injected: core does no I/O. */
export type DirLister = (dir: string) => string[] | undefined;

/** Components of a Windows (or POSIX) path, without drive letter or UNC host. */
export function windowsPathParts(winPath: string): string[] {
  let p = winPath.trim().replace(/^\\\\[^\\]+\\[^\\]+/, "").replace(/^[A-Za-z]:/, "");
  p = p.replace(/[\\/]+/g, "/");
  return p.split("/").filter((s) => s.length > 0);
}

function join(a: string, b: string): string {
  return a.endsWith("/") ? a + b : `${a}/${b}`;
}

function parentOf(dir: string): string | undefined {
  const trimmed = dir.replace(/\/+$/, "");
  const i = trimmed.lastIndexOf("/");
  if (i <= 0) return i === 0 && trimmed.length > 1 ? "/" : undefined;
  return trimmed.slice(0, i);
}

/** Follow `parts` from `base`, matching each component case-insensitively. */
function walk(base: string, parts: readonly string[], list: DirLister): string | undefined {
  let cur = base;
  for (const part of parts) {
    const entries = list(cur);
    if (entries === undefined) return undefined;
    const hit = entries.find((e) => e === part) ?? entries.find((e) => e.toLowerCase() === part.toLowerCase());
    if (hit === undefined) return undefined;
    cur = join(cur, hit);
  }
  return cur;
}

/**
 * Resolve `winPath` against `nearDir` (a POSIX directory, e.g. the session
 * directory) and up to `levels` of its ancestors, preferring the longest
 * matching suffix and the closest ancestor. At least `minParts` trailing
 * components must match. Returns the local path, or undefined.
 */
export function resolveWindowsPath(
  winPath: string,
  nearDir: string,
  list: DirLister,
  opts: { levels?: number; minParts?: number } = {},
): string | undefined {
  const parts = windowsPathParts(winPath);
  const levels = opts.levels ?? 4;
  const minParts = Math.min(opts.minParts ?? 2, parts.length);
  const bases: string[] = [];
  for (let d: string | undefined = nearDir, i = 0; d !== undefined && i <= levels; d = parentOf(d), i++) bases.push(d);
  for (let start = 0; parts.length - start >= minParts; start++) {
    const suffix = parts.slice(start);
    for (const base of bases) {
      const hit = walk(base, suffix, list);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}
