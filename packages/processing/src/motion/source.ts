import { ProcessingError } from "@emflow/core";
import type { MovieReader } from "@emflow/formats";

/**
 * Where motion correction reads frames from. `MovieReader` (@emflow/formats) satisfies it; so do
 * in-memory frames via `framesSource`. Frames are float32, row-major, `width * height` values.
 */
export interface FrameSource {
  readonly width: number;
  readonly height: number;
  readonly frameCount: number;
  /** Stored sample type, as MovieReader.sampleType ("uint8": every value is an integer 0–255). */
  readonly sampleType?: string;
  readFrame(index: number): Promise<Float32Array>;
  /** Like readFrame, into `out` (returned); optional, as on MovieReader. */
  readFrameInto?(index: number, out: Float32Array): Promise<Float32Array>;
}

/** Wrap frames already in memory (or made on demand by `frame`) as a FrameSource. */
export function framesSource(width: number, height: number, frames: readonly Float32Array[] | { frameCount: number; frame(i: number): Float32Array }): FrameSource {
  if ("frameCount" in frames) {
    return { width, height, frameCount: frames.frameCount, readFrame: (i) => Promise.resolve(frames.frame(i)) };
  }
  for (const [i, f] of frames.entries()) {
    if (f.length !== width * height) {
      throw new ProcessingError(`frame ${i} has ${f.length} values, expected ${width} × ${height} = ${width * height}; all frames must have the same size`);
    }
  }
  return {
    width,
    height,
    frameCount: frames.length,
    readFrame: (i) => {
      const f = frames[i];
      return f === undefined ? Promise.reject(new ProcessingError(`frame ${i} does not exist`)) : Promise.resolve(f);
    },
  };
}

/** Read frame `i` and check its size. */
export async function readChecked(source: FrameSource, i: number): Promise<Float32Array> {
  const frame = await source.readFrame(i);
  if (frame.length !== source.width * source.height) {
    throw new ProcessingError(`frame ${i} has ${frame.length} values, expected ${source.width} × ${source.height}; all frames must have the same size`);
  }
  return frame;
}

/**
 * Read frame `i` into the memory `view()` covers (a fresh view of the kernels' memory each call;
 * make a new one after awaiting this, as the memory may have grown since). Uses `readFrameInto` when the source has it, saving a frame-sized allocation; when
 * the memory grew during the read (detaching the view), the frame is read again the plain way.
 */
export async function readInto(source: FrameSource, i: number, view: () => Float32Array): Promise<void> {
  const n = source.width * source.height;
  if (source.readFrameInto !== undefined) {
    const out = view();
    let got: Float32Array | undefined;
    try {
      got = await source.readFrameInto(i, out);
    } catch (err) {
      if (out.length === n) throw err; // a real error, not a view detached under the reader
    }
    if (got === out && out.length === n) return;
    if (got !== undefined && got !== out && got.length === n) {
      view().set(got);
      return;
    }
  }
  const frame = await readChecked(source, i);
  view().set(frame);
}

// A MovieReader from @emflow/formats must stay usable as a FrameSource: this fails to compile if not.
type Assert<T extends true> = T;
export type MovieReaderIsFrameSource = Assert<MovieReader extends FrameSource ? true : false>;
