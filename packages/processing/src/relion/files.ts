/**
 * Small file operations for the project writer that must never leave a
 * half-done state visible: symbolic links and markers are replaced atomically.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";

/** Make `link` point at `target` (absolute), replacing whatever is there in one rename. */
export async function linkAtomic(link: string, target: string): Promise<void> {
  const abs = resolve(target);
  const current = await readlink(link).catch(() => undefined);
  if (current === abs) return;
  await mkdir(dirname(link), { recursive: true });
  const tmp = `${link}.${randomBytes(4).toString("hex")}.tmp`;
  await symlink(abs, tmp);
  try {
    await rename(tmp, link);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Write a small text file atomically (temp file, then rename). */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Create an empty file (and its directory) if it does not exist. */
export async function touch(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, "", { flag: "a" });
}
