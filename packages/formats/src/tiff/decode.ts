/**
 * Decodes one TIFF page (strips or tiles) into float32: read the raw chunks
 * (one read when they lie together), decompress (deflate on libuv's thread
 * pool, several chunks at once), fix the byte order, undo the predictor, convert.
 */
import { promisify } from "node:util";
import { inflate } from "node:zlib";
import { FormatError } from "@emflow/core";
import type { ByteSource } from "../mrc/byte-source.js";
import { BYTES_PER_SAMPLE, samplesToFloat32, swapInPlace } from "../mrc/samples.js";
import type { TiffHeader } from "./ifd.js";
import { lzwDecode } from "./lzw.js";
import { LzwChunkError, type LzwThread } from "./lzw-thread.js";
import { COMPRESSION_NAMES } from "./page.js";
import type { TiffPage } from "./page.js";
import { undoFloatingPoint, undoHorizontal } from "./predictor.js";
import { packBitsDecode } from "./packbits.js";

const inflateAsync = promisify(inflate);

/** A read buffer kept between pages, so each frame does not allocate (and page-fault) a fresh one. */
export interface Scratch {
  buf: Uint8Array;
  /** Where LZW and PackBits chunks decode to (grown to a page's bytes as needed). */
  decoded?: Uint8Array;
}

/**
 * Reads the raw (still compressed) bytes of every chunk of `page`; FormatError
 * if the file ends first. The chunks are views into `scratch` when given:
 * valid until the next call with it.
 */
export async function readRawChunks(source: ByteSource, page: TiffPage, scratch?: Scratch): Promise<Uint8Array[]> {
  const { offsets, byteCounts } = page;
  const count = offsets.length;
  let lo = Infinity;
  let hi = 0;
  let total = 0;
  for (let i = 0; i < count; i++) {
    lo = Math.min(lo, offsets[i]!);
    hi = Math.max(hi, offsets[i]! + byteCounts[i]!);
    total += byteCounts[i]!;
  }
  const truncated = async (i: number, present: number) =>
    new FormatError(
      `page ${page.index}: ${page.tiled ? "tile" : "strip"} ${i} needs ${byteCounts[i]} bytes at offset ${offsets[i]} ` +
        `but the file ends after ${present} of them (file is ${await source.size()} bytes)`,
      { file: source.name },
    );
  // Chunks written back to back (the usual case) come in one read.
  if (hi - lo <= total * 1.25 + 65536) {
    let span: Uint8Array;
    if (scratch === undefined) span = new Uint8Array(hi - lo);
    else {
      if (scratch.buf.length < hi - lo) scratch.buf = new Uint8Array(hi - lo);
      span = scratch.buf.subarray(0, hi - lo);
    }
    const n = await source.read(span, 0, span.length, lo);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const start = offsets[i]! - lo;
      if (start + byteCounts[i]! > n) throw await truncated(i, Math.max(0, n - start));
      chunks.push(span.subarray(start, start + byteCounts[i]!));
    }
    return chunks;
  }
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const chunk = new Uint8Array(byteCounts[i]!);
    const n = await source.read(chunk, 0, chunk.length, offsets[i]!);
    if (n < chunk.length) throw await truncated(i, n);
    chunks.push(chunk);
  }
  return chunks;
}

/**
 * Decodes page `page` into `out` (width × height float32, row-major, file row order), reading through `scratch`;
 * LZW chunks decode on `lzw`'s worker thread when given.
 */
export async function decodePage(
  source: ByteSource,
  header: TiffHeader,
  page: TiffPage,
  out: Float32Array,
  scratch?: Scratch,
  lzw?: LzwThread,
): Promise<void> {
  const file = source.name;
  const type = page.sampleType;
  if (type === undefined) throw new FormatError(`page ${page.index}: EER pages need openEer`, { file });
  const name = COMPRESSION_NAMES[page.compression] ?? "unknown";
  if (![1, 5, 8, 32773, 32946].includes(page.compression)) {
    throw new FormatError(`page ${page.index}: compression ${page.compression} (${name}) is not supported (none, LZW, deflate, PackBits are)`, { file });
  }
  if (![1, 2, 3].includes(page.predictor)) throw new FormatError(`page ${page.index}: unknown predictor ${page.predictor}`, { file });
  const size = BYTES_PER_SAMPLE[type];
  const raw = await readRawChunks(source, page, scratch);
  const { width, height, chunkWidth, chunkHeight, tiled } = page;
  const across = tiled ? Math.ceil(width / chunkWidth) : 1;
  const rowsOf = (i: number) => (tiled ? chunkHeight : Math.min(chunkHeight, height - i * chunkHeight));
  const chunkCount = tiled ? across * Math.ceil(height / chunkHeight) : Math.ceil(height / chunkHeight);

  // LZW and PackBits decode synchronously, each chunk into its place in one reused
  // page buffer; deflate goes to the thread pool, several chunks at once.
  const chunkBytes = chunkWidth * chunkHeight * size;
  let pageBuf: Uint8Array | undefined;
  if ((page.compression === 5 && lzw === undefined) || page.compression === 32773) {
    const need = chunkBytes * chunkCount;
    if (scratch === undefined) pageBuf = new Uint8Array(need);
    else {
      if (scratch.decoded === undefined || scratch.decoded.length < need) scratch.decoded = new Uint8Array(need);
      pageBuf = scratch.decoded;
    }
  }
  const corrupt = (i: number, err: unknown) =>
    new FormatError(`page ${page.index}: ${tiled ? "tile" : "strip"} ${i} is corrupt (${name}: ${err instanceof Error ? err.message : String(err)})`, {
      file,
      cause: err,
    });
  const expects = Array.from({ length: Math.min(chunkCount, raw.length) }, (_, i) => chunkWidth * rowsOf(i) * size);
  let threaded: Uint8Array | undefined;
  let decoded: Uint8Array[];
  if (page.compression === 5 && lzw !== undefined) {
    const r = await lzw.decode(raw.slice(0, expects.length), expects).catch((err: unknown) => {
      throw corrupt(err instanceof LzwChunkError ? err.chunk : 0, err);
    });
    threaded = r.bytes;
    decoded = expects.map((_, i) => r.bytes.subarray(i * chunkBytes, i * chunkBytes + r.lengths[i]!));
  } else {
    decoded = await Promise.all(
      raw.slice(0, expects.length).map(async (bytes, i) => {
        const dst = pageBuf?.subarray(i * chunkBytes, i * chunkBytes + expects[i]!);
        return decompress(bytes, page.compression, expects[i]!, dst).catch((err: unknown) => {
          throw corrupt(i, err);
        });
      }),
    );
  }
  for (let i = 0; i < decoded.length; i++) {
    const data = decoded[i]!;
    if (data.length < expects[i]!) {
      throw new FormatError(
        `page ${page.index}: ${tiled ? "tile" : "strip"} ${i} decodes to ${data.length} bytes, ${expects[i]} expected (${name}); the data are cut short`,
        { file },
      );
    }
    decoded[i] = data.subarray(0, expects[i]!);
  }

  for (let i = 0; i < decoded.length; i++) {
    const rows = rowsOf(i);
    // Typed views need aligned bytes; copy the (rare) unaligned chunk.
    let data = decoded[i]!;
    if (data.byteOffset % size !== 0) data = data.slice();
    try {
      if (page.predictor === 3) undoFloatingPoint(data, chunkWidth, rows, size);
      else {
        if (!header.littleEndian) swapInPlace(data, size);
        if (page.predictor === 2) undoHorizontal(data, chunkWidth, rows, size);
      }
    } catch (err) {
      throw new FormatError(`page ${page.index}: ${(err as Error).message}`, { file, cause: err });
    }
    if (!tiled) {
      samplesToFloat32(type, data, out, i * chunkHeight * width);
      continue;
    }
    const x0 = (i % across) * chunkWidth;
    const y0 = Math.floor(i / across) * chunkHeight;
    const w = Math.min(chunkWidth, width - x0);
    for (let r = 0; r < rows && y0 + r < height; r++) {
      const from = r * chunkWidth * size;
      samplesToFloat32(type, data.subarray(from, from + w * size), out, (y0 + r) * width + x0);
    }
  }
  if (threaded !== undefined) lzw?.recycle(threaded);
}

/** Decompressed bytes of one chunk (LZW and PackBits into `into` when given). Uncompressed data are returned as they are (a view). */
async function decompress(bytes: Uint8Array, compression: number, expect: number, into?: Uint8Array): Promise<Uint8Array> {
  switch (compression) {
    case 1:
      // A view into our own read buffer: swapping or undoing a predictor in place is safe.
      return bytes;
    case 5: {
      const dst = into ?? new Uint8Array(expect);
      return dst.subarray(0, lzwDecode(bytes, dst));
    }
    case 8:
    case 32946:
      return inflateAsync(bytes);
    case 32773: {
      const dst = into ?? new Uint8Array(expect);
      return dst.subarray(0, packBitsDecode(bytes, dst));
    }
    default:
      throw new Error(`compression ${compression}`);
  }
}
