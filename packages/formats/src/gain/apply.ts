/** Gain correction of frames: raw counts × the multiplicative gain, pixel by pixel, in place. */
import { ProcessingError } from "@emflow/core";
import type { GainReference } from "./transform.js";

/**
 * Multiplies `frame` (the movie's width × height, row-major) by `gain` in
 * place and returns it. Throws ProcessingError naming both sizes when they
 * differ (and hinting at a 90° rotation when the gain is the transpose).
 */
export function applyGain(frame: Float32Array, gain: GainReference, movie: { readonly width: number; readonly height: number }): Float32Array {
  const { width, height } = movie;
  if (frame.length !== width * height) {
    throw new RangeError(`frame has ${frame.length} values, not ${width} × ${height}`);
  }
  if (gain.width !== width || gain.height !== height) {
    const turned = gain.width === height && gain.height === width ? " (it is the movie's size turned by 90°: set a gain rotation of 1 or 3)" : "";
    throw new ProcessingError(
      `gain reference is ${gain.width} × ${gain.height} but the movie's frames are ${width} × ${height}${turned}`,
      gain.file === undefined ? {} : { file: gain.file },
    );
  }
  const g = gain.data;
  for (let i = 0; i < frame.length; i++) frame[i] = frame[i]! * g[i]!;
  return frame;
}
