/**
 * Streaming MRC writer: frames go to disk as they arrive (the next frame is
 * encoded while the previous one is written), and the header, with the frame
 * count and dmin/dmax/dmean/rms of the stored values, is written last.
 */
import { open, rm } from "node:fs/promises";
import type { Vec3 } from "./header.js";
import type { MrcMode } from "./header.js";
import { MRC_HEADER_BYTES } from "./header.js";
import { encodeMrcHeader } from "./header-write.js";
import { bytesPerSampleOfMode, encodeFrame, RunningStats } from "./encode.js";
import type { FrameData } from "./encode.js";

export interface WriteMrcOptions {
  /** Frame size in pixels. */
  readonly width: number;
  readonly height: number;
  /** 0 int8, 1 int16, 2 float32, 6 uint16, 12 float16. */
  readonly mode: MrcMode;
  /** Å per pixel, stored as cella = size × pixel size (mx = nx, my = ny). */
  readonly pixelSizeA?: number;
  /**
   * Frames expected. When given, a header with this nz is written first (a
   * reader polling the file sees the final geometry) and the count is checked.
   */
  readonly frameCount?: number;
  /** 0 (default): image or image stack (mz = 1). 1: a volume (mz = nz). */
  readonly ispg?: 0 | 1;
  readonly origin?: Vec3;
  /** Up to 10 labels of 80 characters (default: one naming emflow and the date). */
  readonly labels?: readonly string[];
  readonly signal?: AbortSignal;
}

/** What was written: the header's statistics are of the stored (rounded, clamped) values. */
export interface WriteMrcResult {
  readonly frameCount: number;
  readonly bytes: number;
  readonly dmin: number;
  readonly dmax: number;
  readonly dmean: number;
  readonly rms: number;
}

/**
 * Writes `frames` (each width × height values, row-major) as an MRC2014 file,
 * little-endian. Integer modes round to nearest and clamp (see encodeFrame).
 * On any error (a bad frame, an abort, a count mismatch) the file is removed.
 */
export async function writeMrc(
  path: string,
  opts: WriteMrcOptions,
  frames: Iterable<FrameData> | AsyncIterable<FrameData>,
): Promise<WriteMrcResult> {
  const { width, height, mode } = opts;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(`writeMrc: bad frame size ${width} × ${height}`);
  }
  if (![0, 1, 2, 6, 12].includes(mode)) throw new RangeError(`writeMrc: mode ${mode} cannot be written (0, 1, 2, 6 or 12)`);
  const pixels = width * height;
  const frameBytes = pixels * bytesPerSampleOfMode(mode);
  const labels = opts.labels ?? [`emflow ${new Date().toISOString().slice(0, 19).replace("T", " ")}`];
  const headerOf = (nz: number, s: ReturnType<RunningStats["result"]>) =>
    encodeMrcHeader({
      nx: width,
      ny: height,
      nz,
      mode,
      ispg: opts.ispg ?? 0,
      labels,
      ...s,
      ...(opts.pixelSizeA === undefined ? {} : { pixelSizeA: opts.pixelSizeA }),
      ...(opts.origin === undefined ? {} : { origin: opts.origin }),
    });

  const handle = await open(path, "w");
  try {
    const stats = new RunningStats();
    await handle.write(headerOf(Math.max(1, opts.frameCount ?? 1), stats.result()), 0, MRC_HEADER_BYTES, 0);
    // Two buffers: one being written while the next frame is encoded into the other.
    const buffers = [new Uint8Array(frameBytes), new Uint8Array(frameBytes)];
    let pending: Promise<unknown> = Promise.resolve();
    let count = 0;
    for await (const frame of frames) {
      opts.signal?.throwIfAborted();
      if (frame.length !== pixels) {
        throw new RangeError(`writeMrc: frame ${count} has ${frame.length} values; ${width} × ${height} needs ${pixels}`);
      }
      const buf = buffers[count % 2]!;
      stats.add(encodeFrame(frame, mode, buf), mode === 12);
      await pending;
      pending = handle.write(buf, 0, frameBytes, MRC_HEADER_BYTES + count * frameBytes);
      count++;
    }
    await pending;
    if (count === 0) throw new RangeError("writeMrc: no frames to write (an MRC file needs at least one section)");
    if (opts.frameCount !== undefined && opts.frameCount !== count) {
      throw new RangeError(`writeMrc: frameCount said ${opts.frameCount} but ${count} frames came`);
    }
    const result = stats.result();
    await handle.write(headerOf(count, result), 0, MRC_HEADER_BYTES, 0);
    await handle.close();
    return { frameCount: count, bytes: MRC_HEADER_BYTES + count * frameBytes, ...result };
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(path, { force: true });
    throw err;
  }
}

/** Writes one micrograph (width × height float32 values) as a mode-2 MRC with its pixel size in Å. */
export function writeMrcImage(path: string, data: Float32Array, width: number, height: number, pixelSizeA?: number): Promise<WriteMrcResult> {
  return writeMrc(path, { width, height, mode: 2, frameCount: 1, ...(pixelSizeA === undefined ? {} : { pixelSizeA }) }, [data]);
}
