/**
 * Random-access bytes behind every binary reader (MRC, TIFF, EER, gain), so a
 * local file and, later, an HTTP range server are interchangeable. Shared by
 * the format folders; it lives here because MRC is the simplest consumer.
 */
import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";

/** A readable, seekable run of bytes with a name for error messages. */
export interface ByteSource {
  /** Path or URL, used in error messages. */
  readonly name: string;
  /** Current size in bytes (a file still being written may grow). */
  size(): Promise<number>;
  /**
   * Reads up to `length` bytes at byte `position` into `buf` at `offset`.
   * Resolves to the number of bytes read: fewer than `length` only at the end.
   */
  read(buf: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

/** A ByteSource over a local file, read with one FileHandle. */
export async function openFileSource(path: string): Promise<ByteSource> {
  const handle: FileHandle = await open(path, "r");
  let closed = false;
  return {
    name: path,
    async size() {
      return (await handle.stat()).size;
    },
    async read(buf, offset, length, position) {
      let done = 0;
      // A regular file returns short reads only at its end, but a network share may not.
      while (done < length) {
        const { bytesRead } = await handle.read(buf, offset + done, length - done, position + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done;
    },
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

/** A ByteSource over bytes already in memory (tests, small files, decoded archives). */
export function memorySource(bytes: Uint8Array, name = "<memory>"): ByteSource {
  return {
    name,
    async size() {
      return bytes.length;
    },
    async read(buf, offset, length, position) {
      const n = Math.max(0, Math.min(length, bytes.length - position));
      buf.set(bytes.subarray(position, position + n), offset);
      return n;
    },
    async close() {},
  };
}
