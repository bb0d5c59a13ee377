/**
 * Write a simulated movie (simulate/) to disk as MRC or TIFF, with its ground
 * truth as JSON beside it: what `emflow synth movie`, `emflow epu synth
 * --movies`, the benchmarks and the end-to-end tests use.
 */
import { writeFile } from "node:fs/promises";
import { writeMrc, writeTiffMovie, type MrcMode } from "@emflow/formats";
import { EmflowError } from "@emflow/core";
import { simulateMovie, type MovieTruth, type SimulateOptions } from "../simulate/index.js";

/** How the frames are stored. */
export interface MovieFileFormat {
  /** "mrc" (.mrc/.mrcs) or "tiff" (.tif/.tiff); default from the file extension. */
  readonly format?: "mrc" | "tiff";
  /** MRC mode (default 1, int16 counts) or TIFF sample type (default uint8 counts). */
  readonly mrcMode?: MrcMode;
  readonly tiffSampleType?: "uint8" | "uint16" | "float32";
  /** TIFF compression (default lzw, as EPU writes counting movies). */
  readonly tiffCompression?: "none" | "lzw" | "deflate";
}

/** The format a path implies, or a ValidationError. */
export function movieFormatOf(path: string, given?: "mrc" | "tiff"): "mrc" | "tiff" {
  if (given !== undefined) return given;
  const ext = path.toLowerCase().split(".").pop() ?? "";
  if (ext === "mrc" || ext === "mrcs") return "mrc";
  if (ext === "tif" || ext === "tiff") return "tiff";
  throw new EmflowError("ValidationError", `${path}: cannot tell the movie format from the extension .${ext} (use .mrc, .mrcs, .tif or .tiff)`);
}

/** The truth file written beside a movie: `<movie>.truth.json`. */
export const truthPathOf = (moviePath: string): string => `${moviePath}.truth.json`;

/**
 * Simulate a movie and write it to `path` (frame by frame: memory stays at a
 * few frames whatever the size) and its truth to `<path>.truth.json`.
 */
export async function writeSyntheticMovie(
  path: string,
  options: SimulateOptions,
  file: MovieFileFormat = {},
  onFrame?: (done: number, total: number) => void,
): Promise<{ truth: MovieTruth; bytes: number; truthPath: string }> {
  const format = movieFormatOf(path, file.format);
  const movie = await simulateMovie(options);
  const total = movie.frameCount;
  async function* frames(): AsyncGenerator<Float32Array> {
    let done = 0;
    for (const f of movie.frames()) {
      yield f;
      onFrame?.(++done, total);
    }
  }
  const geometry = { width: movie.width, height: movie.height };
  const written =
    format === "mrc"
      ? await writeMrc(path, { ...geometry, mode: file.mrcMode ?? 1, pixelSizeA: movie.truth.apix, frameCount: total }, frames())
      : await writeTiffMovie(path, { ...geometry, sampleType: file.tiffSampleType ?? "uint8", compression: file.tiffCompression ?? "lzw" }, frames());
  const truthPath = truthPathOf(path);
  const gain = movie.gain;
  await writeFile(truthPath, `${JSON.stringify({ file: path, format, ...movie.truth, has_gain: gain !== undefined }, null, 1)}\n`);
  return { truth: movie.truth, bytes: written.bytes, truthPath };
}
