import { goodSizeAtMost } from "../fft/sizes.js";
import type { Fft } from "../fft/fft.js";
import type { Spectrum2D } from "../fft/spectrum2d.js";
import type { FrameCodec } from "./frame-codec.js";
import { normaliseAndTaper } from "../image/taper.js";
import { ProcessingError } from "@emflow/core";

/** The binned grid alignment runs on: `bin`-fold binning of the central region at (x0, y0). */
export interface AlignGrid {
  readonly bin: number;
  readonly width: number;
  readonly height: number;
  /** Top-left corner of the binned region in full-resolution pixels. */
  readonly x0: number;
  readonly y0: number;
}

/** Pick the alignment grid: binning so the longer side is ≤ alignSize, then good FFT sizes. */
export function alignGrid(width: number, height: number, alignSize: number, binning?: number): AlignGrid {
  const bin = binning ?? Math.max(1, Math.ceil(Math.max(width, height) / alignSize));
  const bw = goodSizeAtMost(Math.floor(width / bin), "real");
  const bh = goodSizeAtMost(Math.floor(height / bin), "complex");
  if (bw < 64 || bh < 64) throw new ProcessingError(`frames of ${width} × ${height} are too small to align at binning ${bin}`);
  return { bin, width: bw, height: bh, x0: Math.floor((width - bw * bin) / 2), y0: Math.floor((height - bh * bin) / 2) };
}

/**
 * Prepare the frame in `codec`'s frame slot for alignment: bin it onto the grid (after the gain,
 * when `gain`), normalise, taper and transform it. With `narrow`, also returns the raw frame as
 * bytes when it holds only integers 0–255 (for the frame cache; "trusted": known to, unchecked).
 */
export function prepareFrame(fft: Fft, codec: FrameCodec, width: number, height: number, grid: AlignGrid, gain: boolean, narrow: boolean | "trusted"): { spectrum: Spectrum2D; bytes: Uint8Array | undefined } {
  const { binned, bytes } = codec.prepare(width, height, grid.bin, grid.width, grid.height, grid.x0, grid.y0, gain, narrow);
  normaliseAndTaper(binned, grid.width, grid.height, Math.max(4, 0.05 * Math.min(grid.width, grid.height)));
  return { spectrum: fft.forward2d(binned, grid.width, grid.height), bytes };
}
