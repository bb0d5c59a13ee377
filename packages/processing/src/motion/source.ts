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
  readFrame(index: number): Promise<Float32Array>;
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

// A MovieReader from @emflow/formats must stay usable as a FrameSource: this fails to compile if not.
type Assert<T extends true> = T;
export type MovieReaderIsFrameSource = Assert<MovieReader extends FrameSource ? true : false>;
