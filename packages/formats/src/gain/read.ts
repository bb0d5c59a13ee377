/**
 * Gain references from MRC or TIFF files (one image), optionally rotated and
 * flipped in RELION's conventions, and EER gains resampled to the EER grid.
 */
import { extname } from "node:path";
import { FormatError } from "@emflow/core";
import { openMovie } from "../open-movie.js";
import { transformGain } from "./transform.js";
import type { GainReference, GainTransform } from "./transform.js";

export interface ReadGainOptions extends GainTransform {
  /** Reverse the rows of a TIFF gain as RELION does on reading (see transformGain). Default false. */
  readonly flipY?: boolean;
}

/**
 * Reads a multiplicative gain reference (corrected = raw × gain) from an MRC
 * or TIFF file holding one image, then applies `rotate` and `flip`.
 * FormatError when the file holds several images or is not a format we read.
 */
export async function readGain(path: string, opts: ReadGainOptions = {}): Promise<GainReference> {
  const reader = await openMovie(path, opts.flipY ? { flipY: true } : {});
  try {
    if (reader.format === "eer") throw new FormatError("an EER movie is not a gain reference", { file: path });
    if (reader.frameCount !== 1) {
      throw new FormatError(`a gain reference holds one image; this file holds ${reader.frameCount}`, { file: path });
    }
    const data = await reader.readFrame(0);
    return transformGain({ width: reader.width, height: reader.height, data, file: path }, opts);
  } finally {
    await reader.close();
  }
}

export interface ReadEerGainOptions {
  /** The EER frames' size (EerReader width and height: sensor size × upsampling). */
  readonly width: number;
  readonly height: number;
  /**
   * "sensitivity": EPU's .gain files (a TIFF), proportional to each pixel's
   * response, so it is inverted to mean / value (0 stays 0: a defect).
   * "multiplicative": already raw × gain (e.g. from relion_estimate_gain).
   * Default: "sensitivity" for a .gain extension, else "multiplicative" (RELION's rule).
   */
  readonly kind?: "sensitivity" | "multiplicative";
}

/**
 * Reads an EER gain reference and brings it to the EER frames' grid: a 4k
 * gain is repeated over 2 × 2 (or 4 × 4) pixels for an upsampled grid; an 8k
 * sensitivity gain for a 4k grid sums each 2 × 2 block (RELION's rule; a
 * multiplicative one is averaged). EPU writes .gain files in the EER frames'
 * row order, so no flip is needed (RELION reverts its TIFF flip for them).
 */
export async function readEerGain(path: string, opts: ReadEerGainOptions): Promise<GainReference> {
  const raw = await readGain(path);
  const kind = opts.kind ?? (extname(path).toLowerCase() === ".gain" ? "sensitivity" : "multiplicative");
  const { width, height } = opts;
  let data: Float32Array;
  if (raw.width === width && raw.height === height) data = raw.data;
  else if (width % raw.width === 0 && height % raw.height === 0 && width / raw.width === height / raw.height) {
    data = repeat(raw, width / raw.width);
  } else if (raw.width % width === 0 && raw.height % height === 0 && raw.width / width === raw.height / height) {
    data = bin(raw, raw.width / width, kind === "sensitivity");
  } else {
    throw new FormatError(`EER gain is ${raw.width} × ${raw.height}; it cannot be resampled to the ${width} × ${height} frames`, { file: path });
  }
  if (kind === "sensitivity") {
    let sum = 0;
    for (let i = 0; i < data.length; i++) sum += data[i]!;
    const mean = sum / data.length;
    if (data === raw.data) data = data.slice();
    for (let i = 0; i < data.length; i++) data[i] = data[i] === 0 ? 0 : mean / data[i]!;
  }
  return { width, height, data, file: path };
}

function repeat(gain: GainReference, k: number): Float32Array {
  const ow = gain.width * k;
  const out = new Float32Array(ow * gain.height * k);
  for (let y = 0; y < gain.height * k; y++) {
    const src = ((y / k) | 0) * gain.width;
    for (let x = 0; x < ow; x++) out[y * ow + x] = gain.data[src + ((x / k) | 0)]!;
  }
  return out;
}

function bin(gain: GainReference, k: number, sum: boolean): Float32Array {
  const ow = gain.width / k;
  const out = new Float32Array(ow * (gain.height / k));
  for (let y = 0; y < gain.height; y++) {
    for (let x = 0; x < gain.width; x++) {
      const o = ((y / k) | 0) * ow + ((x / k) | 0);
      out[o] = out[o]! + gain.data[y * gain.width + x]!;
    }
  }
  if (!sum) for (let i = 0; i < out.length; i++) out[i] = out[i]! / (k * k);
  return out;
}
