/**
 * One entry point for movies and images: the format is recognised from the
 * file's first bytes (TIFF byte-order mark and magic; EER is a TIFF whose
 * first page uses compression 65000–65002; MRC's "MAP " tag at byte 208),
 * with the extension as the fallback for old MRC files that lack the tag.
 */
import { extname } from "node:path";
import { FormatError } from "@emflow/core";
import { openFileSource } from "./mrc/byte-source.js";
import type { ByteSource } from "./mrc/byte-source.js";
import { openMrcSource } from "./mrc/read.js";
import type { MrcReader, OpenMrcOptions } from "./mrc/read.js";
import { openTiffSource } from "./tiff/read.js";
import type { OpenTiffOptions, TiffReader } from "./tiff/read.js";
import { openEerSource } from "./eer/read.js";
import type { EerReader, OpenEerOptions } from "./eer/read.js";
import { fieldValues, readIfd, readTiffHeader } from "./tiff/ifd.js";

export type MovieFormat = "mrc" | "tiff" | "eer";

/** What openMovie returns: a MovieReader, narrowed by `format`; all have readFrameInto. */
export type AnyMovieReader = MrcReader | TiffReader | EerReader;

/** Options of every reader; each reader takes the ones it knows. */
export type OpenMovieOptions = OpenMrcOptions & OpenTiffOptions & OpenEerOptions;

const MRC_EXTENSIONS = new Set([".mrc", ".mrcs", ".st", ".ali", ".map", ".rec", ".preali"]);

/** The format of the file at `path`, from its content (and extension for MRC without a "MAP " tag). */
export async function detectMovieFormat(path: string): Promise<MovieFormat> {
  const source = await openFileSource(path);
  try {
    return await detectFormat(source);
  } finally {
    await source.close();
  }
}

/**
 * Opens an MRC/MRCS, TIFF or EER movie (or single image) for streaming reads,
 * whatever its extension. Throws FormatError for anything else.
 */
export async function openMovie(path: string, opts: OpenMovieOptions = {}): Promise<AnyMovieReader> {
  const source = await openFileSource(path);
  try {
    const format = await detectFormat(source);
    if (format === "mrc") return await openMrcSource(source, opts);
    if (format === "eer") return await openEerSource(source, opts);
    return await openTiffSource(source, opts);
  } catch (err) {
    await source.close();
    throw err;
  }
}

async function detectFormat(source: ByteSource): Promise<MovieFormat> {
  const head = new Uint8Array(1024);
  const n = await source.read(head, 0, head.length, 0);
  const mark = String.fromCharCode(head[0] ?? 0, head[1] ?? 0);
  if ((mark === "II" && (head[2] === 42 || head[2] === 43) && head[3] === 0) || (mark === "MM" && head[2] === 0 && (head[3] === 42 || head[3] === 43))) {
    const header = await readTiffHeader(source);
    const first = await readIfd(source, header, header.firstIfd, 0);
    const field = first.fields.get(259);
    const compression = field === undefined ? 1 : ((await fieldValues(source, header, field))[0] ?? 1);
    return compression >= 65000 && compression <= 65002 ? "eer" : "tiff";
  }
  if (n >= 212 && Buffer.from(head.subarray(208, 212)).toString("latin1") === "MAP ") return "mrc";
  if (MRC_EXTENSIONS.has(extname(source.name).toLowerCase()) && n > 0) return "mrc";
  throw new FormatError(
    n === 0 ? "file is empty" : "not a movie format emflow reads (no TIFF header, no MRC 'MAP ' tag, and not an MRC extension)",
    { file: source.name },
  );
}
