/**
 * Staging inputs for programs that want relative paths (RELION names its
 * outputs after the input's relative path): a symbolic link in the work
 * directory pointing at the real file.
 */
import { lstat, mkdir, readlink, rm, stat, symlink } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import { ExternalToolError } from "@emflow/core";

/** The file name without directory and extension: `/a/b/mov_001.tiff` → `mov_001`. */
export function stem(path: string): string {
  return basename(path, extname(path));
}

/**
 * Make `<workDir>/<rel>` a symbolic link to `target` (absolute), replacing a
 * stale link. Throws ExternalToolError naming `target` if it does not exist.
 */
export async function linkInto(workDir: string, rel: string, target: string, toolName: string): Promise<string> {
  const abs = resolve(target);
  const s = await stat(abs).catch(() => undefined);
  if (s === undefined) throw new ExternalToolError(`${toolName}: input ${abs} does not exist`, { file: abs });
  const link = join(workDir, rel);
  await mkdir(dirname(link), { recursive: true });
  const existing = await lstat(link).catch(() => undefined);
  if (existing !== undefined) {
    if (existing.isSymbolicLink() && (await readlink(link)) === abs) return link;
    await rm(link, { force: true });
  }
  await symlink(abs, link);
  return link;
}
