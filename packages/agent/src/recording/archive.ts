/**
 * The .tar.gz container of a recording: `recording.json` plus
 * `chunks/chunk_<n>.bin`. Read into memory (never extracted to disk, so entry
 * names cannot escape anywhere) and written as a stream with tar-stream + zlib.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import tar from "tar-stream";

export interface ArchiveContents {
  recordingJson: Buffer | undefined;
  chunks: Map<string, Uint8Array>;
}

/** Upper bound on recording.json, so a hostile archive cannot exhaust memory with it. */
export const MAX_RECORDING_JSON_BYTES = 2 * 1024 ** 3 - 1;

/** A problem with the archive's structure (the caller adds the file name). */
export class ArchiveError extends Error {}

function entryName(raw: string): string {
  return raw.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
}

/** Read a recording archive's entries; throws ArchiveError for names or types it must not contain. */
export async function readArchive(path: string): Promise<ArchiveContents> {
  const out: ArchiveContents = { recordingJson: undefined, chunks: new Map() };
  const extract = tar.extract();
  const consume = (async () => {
    try {
      for await (const entry of extract) {
        const name = entryName(entry.header.name);
        const type = entry.header.type ?? "file";
        if (name === "" || name === "chunks") {
          entry.resume();
          continue;
        }
        if (type !== "file" && type !== "contiguous-file") throw new ArchiveError(`unexpected ${type} entry '${entry.header.name}'`);
        if (name.split("/").includes("..") || name.startsWith("/")) throw new ArchiveError(`entry name escapes the archive: '${entry.header.name}'`);
        const chunk = /^chunks\/(chunk_\d+)\.bin$/.exec(name);
        if (name !== "recording.json" && chunk === null) {
          throw new ArchiveError(`unexpected entry '${entry.header.name}' (a recording holds only recording.json and chunks/chunk_<n>.bin)`);
        }
        if (name === "recording.json" && (entry.header.size ?? 0) > MAX_RECORDING_JSON_BYTES) throw new ArchiveError("recording.json is too large");
        const parts: Buffer[] = [];
        for await (const b of entry) parts.push(b as Buffer);
        const data = Buffer.concat(parts);
        if (chunk === null) out.recordingJson = data;
        else out.chunks.set(chunk[1]!, data);
      }
    } catch (err) {
      // Stop reading the rest of the archive once it is known to be bad.
      extract.destroy();
      throw err;
    }
  })();
  const [feed, read] = await Promise.allSettled([pipeline(createReadStream(path), createGunzip(), extract), consume]);
  if (read.status === "rejected" && read.reason instanceof ArchiveError) throw read.reason;
  const failure = feed.status === "rejected" ? feed.reason : read.status === "rejected" ? read.reason : undefined;
  if (failure !== undefined) throw new ArchiveError(`not a readable .tar.gz: ${(failure as Error).message}`);
  return out;
}

/** Write `recording.json` and the chunk files (chunk id → file on disk) as a .tar.gz. */
export async function writeArchive(outFile: string, recordingJson: string, chunkFiles: ReadonlyMap<string, string>): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, createGzip(), createWriteStream(outFile));
  const json = Buffer.from(recordingJson, "utf8");
  const mtime = new Date();
  await new Promise<void>((res, rej) => pack.entry({ name: "recording.json", size: json.length, mtime, mode: 0o644 }, json, (e) => (e ? rej(e) : res())));
  for (const [id, file] of chunkFiles) {
    const { size } = await stat(file);
    const sink = pack.entry({ name: `chunks/${id}.bin`, size, mtime, mode: 0o644 });
    await pipeline(createReadStream(file), sink);
  }
  pack.finalize();
  await done;
}
