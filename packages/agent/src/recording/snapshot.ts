/**
 * What the recorder knows about one file at one moment: size, sha256, and its
 * bytes when small enough to keep, plus the chunk store that holds binary or
 * large contents on disk until the archive is written.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { open, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import { binaryByExtension, isBinary } from "./classify.js";

/** Text files under this size go inline into recording.json (epuplayer's limit). */
export const INLINE_LIMIT = 1024 * 1024;
/** Files up to this size are read into memory to snapshot them; larger ones are streamed. */
export const MEMORY_LIMIT = 64 * 1024 * 1024;

export interface Snapshot {
  size: number;
  hash: string;
  binary: boolean;
  /** The whole content, when it was read into memory. */
  bytes?: Buffer;
  /** A copy of the content already in the chunk store (large files whose content is needed). */
  chunkId?: string;
  mtime: number;
  atime: number;
}

/** Binary contents of the recording, kept as files until the archive is written. */
export class ChunkStore {
  readonly files = new Map<string, string>();
  private next = 0;
  constructor(private readonly dir: string) {}

  private allocate(): [string, string] {
    const id = `chunk_${this.next++}`;
    const file = join(this.dir, `${id}.bin`);
    this.files.set(id, file);
    return [id, file];
  }

  /** Store bytes; returns the chunk id. */
  async put(bytes: Uint8Array): Promise<string> {
    const [id, file] = this.allocate();
    const fh = await open(file, "w");
    try {
      await fh.writeFile(bytes);
    } finally {
      await fh.close();
    }
    return id;
  }

  /** Copy a file into the store while hashing it, in one pass. */
  async copyFrom(path: string): Promise<{ id: string; hash: string; size: number }> {
    const [id, file] = this.allocate();
    const h = createHash("sha256");
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        h.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    await pipeline(createReadStream(path), tap, createWriteStream(file));
    return { id, hash: h.digest("hex"), size };
  }
}

async function streamHash(path: string, limit?: number): Promise<{ hash: string; size: number }> {
  const h = createHash("sha256");
  let size = 0;
  const opts = limit === undefined ? {} : { end: limit - 1 };
  if (limit !== 0) {
    for await (const chunk of createReadStream(path, opts)) {
      h.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  }
  return { hash: h.digest("hex"), size };
}

/** sha256 of the first `n` bytes of a file. */
export async function prefixHash(path: string, n: number): Promise<string> {
  return (await streamHash(path, n)).hash;
}

async function head(path: string): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(1024);
    const { bytesRead } = await fh.read(buf, 0, 1024, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Snapshot a file. Placeholder candidates (binary while skipping binary
 * content) are only hashed; other large files are copied into `store`.
 */
export async function snapshot(path: string, rel: string, skipBinary: boolean, store: ChunkStore): Promise<Snapshot> {
  const st = await stat(path);
  const times = { mtime: st.mtimeMs / 1000, atime: st.atimeMs / 1000 };
  const binaryGuess = binaryByExtension(rel) ?? isBinary(rel, await head(path));
  if (binaryGuess && skipBinary) {
    const { hash, size } = await streamHash(path);
    return { size, hash, binary: true, ...times };
  }
  if (st.size <= MEMORY_LIMIT) {
    const bytes = await readFile(path);
    const hash = createHash("sha256").update(bytes).digest("hex");
    return { size: bytes.length, hash, binary: isBinary(rel, bytes), bytes, ...times };
  }
  const copy = await store.copyFrom(path);
  return { size: copy.size, hash: copy.hash, binary: binaryGuess, chunkId: copy.id, ...times };
}
