/**
 * Streaming multi-page TIFF reader: the directory chain is walked once at open
 * (entries only), each page's strip table is read when the page is first
 * needed, and readFrame reads and decodes only that page's strips.
 */
import { FormatError } from "@emflow/core";
import type { MovieReader } from "../movie.js";
import { openFileSource } from "../mrc/byte-source.js";
import type { ByteSource } from "../mrc/byte-source.js";
import { checkFrameIndex, framesInOrder, SerialQueue } from "../mrc/frame-iter.js";
import { decodePage } from "./decode.js";
import { LzwThread } from "./lzw-thread.js";
import { fieldValues, listIfds, readTiffHeader } from "./ifd.js";
import type { Ifd, TiffHeader } from "./ifd.js";
import { describePage } from "./page.js";
import type { TiffPage } from "./page.js";

/** A TIFF's structure: header, the directories of its full-resolution pages, and page descriptions on demand. */
export interface TiffStructure {
  readonly source: ByteSource;
  readonly header: TiffHeader;
  readonly ifds: readonly Ifd[];
  /** Page `index` described (strip table read once, then cached). */
  page(index: number): Promise<TiffPage>;
}

/** Reads the header and directory chain, skipping reduced-resolution pages (NewSubfileType bit 0). */
export async function loadTiffStructure(source: ByteSource): Promise<TiffStructure> {
  const header = await readTiffHeader(source);
  const all = await listIfds(source, header);
  const ifds: Ifd[] = [];
  for (const ifd of all) {
    const subfile = ifd.fields.get(254);
    const type = subfile === undefined ? 0 : ((await fieldValues(source, header, subfile))[0] ?? 0);
    if ((type & 1) === 0) ifds.push(ifd);
  }
  if (ifds.length === 0) throw new FormatError("TIFF has no full-resolution pages", { file: source.name });
  const pages = new Map<number, Promise<TiffPage>>();
  return {
    source,
    header,
    ifds,
    page(index) {
      let p = pages.get(index);
      if (p === undefined) {
        p = describePage(source, header, ifds[index]!, index);
        pages.set(index, p);
        p.catch(() => pages.delete(index));
      }
      return p;
    },
  };
}

/** A MovieReader over a multi-page TIFF. */
export interface TiffReader extends MovieReader {
  readonly format: "tiff";
  readonly structure: TiffStructure;
  /** Compression of the first page (1 none, 5 LZW, 8 deflate, …). */
  readonly compression: number;
  /** Like readFrame, into `out` (length width·height), which is returned. */
  readFrameInto(index: number, out: Float32Array): Promise<Float32Array>;
}

export interface OpenTiffOptions {
  /**
   * Reverse the row order of every frame. RELION, MotionCor2 and IMOD flip
   * TIFFs along y on read (so a TIFF and the MRC made from it look alike in
   * IMOD); set this to get their orientation. Default false: file row order.
   */
  readonly flipY?: boolean;
  /**
   * Decode LZW pages on a worker thread (when the compiled worker exists), so the
   * page read ahead decodes while the caller computes. Default false: on a busy
   * 2-core machine it measured slower (the copies, and no idle core to use).
   */
  readonly decodeThread?: boolean;
}

/**
 * Opens a (multi-page) TIFF for streaming reads: classic or BigTIFF, either
 * byte order, strips or tiles, no/LZW/deflate/PackBits compression with
 * predictor 2 or 3, one sample per pixel of 8–64 bits. Frames are pages.
 */
export async function openTiff(path: string, opts: OpenTiffOptions = {}): Promise<TiffReader> {
  const source = await openFileSource(path);
  try {
    return await openTiffSource(source, opts);
  } catch (err) {
    await source.close();
    throw err;
  }
}

/** openTiff over any ByteSource (closing the reader closes the source). */
export async function openTiffSource(source: ByteSource, opts: OpenTiffOptions = {}): Promise<TiffReader> {
  const structure = await loadTiffStructure(source);
  const first = await structure.page(0);
  const { width, height } = first;
  const file = source.name;
  if (first.sampleType === undefined) {
    throw new FormatError(`page 0 uses EER compression ${first.compression}; open it with openEer`, { file });
  }
  const count = structure.ifds.length;
  const queue = new SerialQueue();
  const scratch = { buf: new Uint8Array(0) };
  const thread = first.compression === 5 && opts.decodeThread === true ? LzwThread.create() : undefined;

  const readInto = (index: number, out: Float32Array): Promise<Float32Array> => {
    checkFrameIndex(index, count);
    if (out.length !== width * height) throw new RangeError(`output has ${out.length} values; a frame has ${width * height}`);
    return queue.run(async () => {
      const page = await structure.page(index);
      if (page.width !== width || page.height !== height || page.sampleType !== first.sampleType) {
        throw new FormatError(
          `page ${index} is ${page.width} × ${page.height} ${page.sampleType ?? "EER"}, unlike page 0 (${width} × ${height} ${first.sampleType})`,
          { file },
        );
      }
      await decodePage(source, structure.header, page, out, scratch, thread);
      if (opts.flipY) flipRows(out, width, height);
      return out;
    });
  };
  const readFrame = (index: number) => readInto(index, new Float32Array(width * height));

  return {
    file,
    format: "tiff",
    width,
    height,
    frameCount: count,
    sampleType: first.sampleType,
    structure,
    compression: first.compression,
    readFrame,
    readFrameInto: readInto,
    frames: () => framesInOrder(count, readFrame),
    close: () => queue.run(async () => {
      await thread?.close();
      await source.close();
    }),
  };
}

/** Reverses the row order of a width × height image in place. */
export function flipRows(data: Float32Array, width: number, height: number): void {
  const tmp = new Float32Array(width);
  for (let top = 0, bottom = height - 1; top < bottom; top++, bottom--) {
    const a = top * width;
    const b = bottom * width;
    tmp.set(data.subarray(a, a + width));
    data.copyWithin(a, b, b + width);
    data.set(tmp, b);
  }
}
