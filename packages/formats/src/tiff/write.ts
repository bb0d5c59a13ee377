/**
 * Streaming multi-page TIFF writer for synthetic movies: one page per frame,
 * written as it arrives (strips deflated in parallel on libuv's thread pool).
 */
import { promisify } from "node:util";
import { deflate } from "node:zlib";
import { encodeSamples } from "../mrc/encode.js";
import type { FrameData } from "../mrc/encode.js";
import { lzwEncode } from "./lzw.js";
import { TiffFileWriter } from "./page-writer.js";
import { applyHorizontal } from "./predictor.js";

const deflateAsync = promisify(deflate);

export interface WriteTiffOptions {
  /** Frame size in pixels. */
  readonly width: number;
  readonly height: number;
  readonly sampleType: "uint8" | "uint16" | "float32";
  readonly compression: "none" | "lzw" | "deflate";
  /** Horizontal differencing (predictor 2) before compression; integer samples only. Default false. */
  readonly predictor?: boolean;
  /** Rows per strip (default: about 256 KiB of samples per strip). */
  readonly rowsPerStrip?: number;
  /** Write BigTIFF (64-bit offsets; needed past 4 GiB). Default false. */
  readonly bigTiff?: boolean;
  /** zlib level for deflate, 1 (fast) to 9. Default 6. */
  readonly deflateLevel?: number;
  readonly signal?: AbortSignal;
}

const COMPRESSION = { none: 1, lzw: 5, deflate: 8 } as const;
const BYTES = { uint8: 1, uint16: 2, float32: 4 } as const;

/**
 * Writes `frames` (each width × height values, row-major) as a multi-page
 * little-endian TIFF, one page per frame. Integer types round to nearest and
 * clamp (as the MRC writer does). On any error the partial file is removed.
 */
export async function writeTiffMovie(
  path: string,
  opts: WriteTiffOptions,
  frames: Iterable<FrameData> | AsyncIterable<FrameData>,
): Promise<{ frameCount: number; bytes: number }> {
  const { width, height, sampleType, compression } = opts;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(`writeTiffMovie: bad frame size ${width} × ${height}`);
  }
  if (opts.predictor && sampleType === "float32") throw new RangeError("writeTiffMovie: the predictor is for integer samples only");
  const size = BYTES[sampleType];
  const rowBytes = width * size;
  const rowsPerStrip = Math.min(height, Math.max(1, opts.rowsPerStrip ?? Math.floor(262144 / rowBytes)));
  const pixels = width * height;
  const writer = await TiffFileWriter.create(path, { bigTiff: opts.bigTiff ?? false });
  try {
    let count = 0;
    for await (const frame of frames) {
      opts.signal?.throwIfAborted();
      if (frame.length !== pixels) {
        throw new RangeError(`writeTiffMovie: frame ${count} has ${frame.length} values; ${width} × ${height} needs ${pixels}`);
      }
      const samples = new Uint8Array(pixels * size);
      encodeSamples(frame, sampleType, samples);
      const strips: Promise<Uint8Array>[] = [];
      for (let y = 0; y < height; y += rowsPerStrip) {
        const rows = Math.min(rowsPerStrip, height - y);
        const strip = samples.subarray(y * rowBytes, (y + rows) * rowBytes);
        if (opts.predictor) applyHorizontal(strip, width, rows, size);
        strips.push(
          compression === "deflate"
            ? deflateAsync(strip, { level: opts.deflateLevel ?? 6 })
            : Promise.resolve(compression === "lzw" ? lzwEncode(strip) : strip),
        );
      }
      await writer.writePage({
        width,
        height,
        bitsPerSample: 8 * size,
        sampleFormat: sampleType === "float32" ? 3 : 1,
        compression: COMPRESSION[compression],
        predictor: opts.predictor ? 2 : 1,
        rowsPerStrip,
        strips: await Promise.all(strips),
      });
      count++;
    }
    if (count === 0) throw new RangeError("writeTiffMovie: no frames to write");
    const { bytes } = await writer.close();
    return { frameCount: count, bytes };
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
