/**
 * Reading and writing STAR files on disk. Writes are atomic (a temporary file
 * in the same directory, then rename), so a reader such as RELION's GUI never
 * sees a half-written table while results keep arriving.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { FormatError } from "@emflow/core";
import type { StarDocument } from "./model.js";
import { parseStar } from "./parse.js";
import { formatStar, type FormatStarOptions, type StarBlockSpec } from "./write.js";

/** Read and parse a STAR file; a missing file is a FormatError naming it. */
export async function readStarFile(path: string, opts: { signal?: AbortSignal } = {}): Promise<StarDocument> {
  opts.signal?.throwIfAborted();
  let text: string;
  try {
    text = await readFile(path, { encoding: "utf8", ...(opts.signal === undefined ? {} : { signal: opts.signal }) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new FormatError("STAR file not found", { file: path, cause: err });
    throw err;
  }
  return parseStar(text, { file: path });
}

/** Write `text` to `path` atomically: temp file in the same directory, then rename. Creates the directory. */
export async function writeFileAtomic(path: string, text: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Format `blocks` and write them to `path` atomically. */
export async function writeStarFile(path: string, blocks: readonly StarBlockSpec[], options: FormatStarOptions = {}): Promise<void> {
  await writeFileAtomic(path, formatStar(blocks, { file: path, ...options }));
}
