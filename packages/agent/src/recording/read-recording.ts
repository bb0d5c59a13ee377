/**
 * Load a recording (.tar.gz, or a legacy plain recording.json), validating
 * everything before anything touches the disk; bad input is an EmflowError
 * naming the file and the problem.
 */
import { open } from "node:fs/promises";
import { EmflowError } from "@emflow/core";
import type { z } from "zod";
import { ArchiveError, readArchive } from "./archive.js";
import { RecordingJson, type Recording } from "./schema.js";

function invalid(file: string, message: string, cause?: unknown): EmflowError {
  return new EmflowError("ValidationError", message, { file, ...(cause === undefined ? {} : { cause }) });
}

function issuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}

function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((i) => `${issuePath(i.path) || "(root)"}: ${i.message}`);
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more problems)` : "";
  return shown.join("; ") + more;
}

/** Validate parsed recording.json content plus its chunks; throws an EmflowError naming `source`. */
export function parseRecording(json: unknown, chunks: ReadonlyMap<string, Uint8Array>, source: string): Recording {
  const r = RecordingJson.safeParse(json);
  if (!r.success) throw invalid(source, `recording.json is not a valid epuplayer recording: ${describeIssues(r.error)}`);
  r.data.events.forEach((e, i) => {
    if (e.binary_chunk_id !== null && !chunks.has(e.binary_chunk_id)) {
      throw invalid(source, `recording.json: events[${i}] refers to ${e.binary_chunk_id}, but the archive has no chunks/${e.binary_chunk_id}.bin`);
    }
  });
  return { ...r.data, chunks, source };
}

async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, "r");
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** Read a recording from `path`: epuplayer's .tar.gz (version 2.0) or a legacy plain JSON file. */
export async function readRecording(path: string): Promise<Recording> {
  let gz: boolean;
  try {
    gz = await isGzip(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new EmflowError("NotFoundError", "recording file not found", { file: path });
    throw invalid(path, `cannot read the recording: ${(err as Error).message}`, err);
  }
  let text: Buffer;
  let chunks: ReadonlyMap<string, Uint8Array> = new Map();
  if (gz) {
    try {
      const contents = await readArchive(path);
      if (contents.recordingJson === undefined) throw invalid(path, "the archive has no recording.json");
      text = contents.recordingJson;
      chunks = contents.chunks;
    } catch (err) {
      if (err instanceof ArchiveError) throw invalid(path, `bad recording archive: ${err.message}`, err);
      throw err;
    }
  } else {
    const fh = await open(path, "r");
    try {
      text = await fh.readFile();
    } finally {
      await fh.close();
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text.toString("utf8"));
  } catch (err) {
    throw invalid(path, `recording.json is not valid JSON: ${(err as Error).message}`, err);
  }
  return parseRecording(json, chunks, path);
}
