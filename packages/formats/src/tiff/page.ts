/**
 * One TIFF page described for decoding: geometry, sample type, compression,
 * predictor and the strip (or tile) table, validated with errors that name the page.
 */
import { FormatError } from "@emflow/core";
import type { ByteSource } from "../mrc/byte-source.js";
import type { SampleType } from "../mrc/samples.js";
import { fieldValues } from "./ifd.js";
import type { Ifd, TiffHeader } from "./ifd.js";

/** TIFF tags we read. */
export const TAG = {
  width: 256,
  height: 257,
  bitsPerSample: 258,
  compression: 259,
  photometric: 262,
  fillOrder: 266,
  stripOffsets: 273,
  samplesPerPixel: 277,
  rowsPerStrip: 278,
  stripByteCounts: 279,
  planarConfig: 284,
  predictor: 317,
  tileWidth: 322,
  tileLength: 323,
  tileOffsets: 324,
  tileByteCounts: 325,
  sampleFormat: 339,
} as const;

/** Compression codes: 1 none, 5 LZW, 8 and 32946 deflate, 32773 PackBits, 65000–65002 EER. */
export const COMPRESSION_NAMES: Readonly<Record<number, string>> = {
  1: "none", 2: "CCITT RLE", 3: "CCITT G3", 4: "CCITT G4", 5: "LZW", 6: "old JPEG", 7: "JPEG", 8: "deflate",
  32773: "PackBits", 32946: "deflate (old code)", 34712: "JPEG 2000", 50000: "zstd", 65000: "EER 8-bit", 65001: "EER 7-bit", 65002: "EER (tagged bit sizes)",
};

export interface TiffPage {
  readonly index: number;
  readonly width: number;
  readonly height: number;
  readonly bitsPerSample: number;
  readonly compression: number;
  readonly predictor: number;
  /** Undefined for EER pages, whose "samples" are an event stream. */
  readonly sampleType: SampleType | undefined;
  /** Strips: full-width blocks of `chunkHeight` rows. Tiles: `chunkWidth` × `chunkHeight`. */
  readonly tiled: boolean;
  readonly chunkWidth: number;
  readonly chunkHeight: number;
  readonly offsets: readonly number[];
  readonly byteCounts: readonly number[];
  readonly ifd: Ifd;
}

/** Describes page `index` from its IFD (reads its strip or tile tables). */
export async function describePage(source: ByteSource, header: TiffHeader, ifd: Ifd, index: number): Promise<TiffPage> {
  const file = source.name;
  const fail = (message: string) => new FormatError(`page ${index}: ${message}`, { file });
  const get = async (tag: number): Promise<number[] | undefined> => {
    const field = ifd.fields.get(tag);
    return field === undefined ? undefined : fieldValues(source, header, field);
  };
  const one = async (tag: number, fallback?: number): Promise<number> => {
    const v = (await get(tag))?.[0] ?? fallback;
    if (v === undefined) throw fail(`required tag ${tag} is missing`);
    return v;
  };

  const width = await one(TAG.width);
  const height = await one(TAG.height);
  if (!(width >= 1 && height >= 1)) throw fail(`bad size ${width} × ${height}`);
  const compression = await one(TAG.compression, 1);
  const eer = compression >= 65000 && compression <= 65002;
  const spp = await one(TAG.samplesPerPixel, 1);
  if (spp !== 1) throw fail(`${spp} samples per pixel; only grayscale (1 sample) is supported`);
  const bits = await one(TAG.bitsPerSample, 1);
  const format = await one(TAG.sampleFormat, 1);
  if ((await one(TAG.fillOrder, 1)) !== 1) throw fail("FillOrder 2 (reversed bits) is not supported");
  const sampleType = eer ? undefined : sampleTypeOf(bits, format);
  if (!eer && sampleType === undefined) throw fail(`${bits}-bit samples of SampleFormat ${format} are not supported`);

  const tiled = ifd.fields.has(TAG.tileOffsets);
  const offsets = (await get(tiled ? TAG.tileOffsets : TAG.stripOffsets)) ?? [];
  const chunkWidth = tiled ? await one(TAG.tileWidth) : width;
  const chunkHeight = tiled ? await one(TAG.tileLength) : Math.min(height, await one(TAG.rowsPerStrip, 2 ** 32 - 1));
  const chunks = tiled ? Math.ceil(width / chunkWidth) * Math.ceil(height / chunkHeight) : Math.ceil(height / chunkHeight);
  if (!(chunkWidth >= 1 && chunkHeight >= 1)) throw fail(`bad ${tiled ? "tile" : "strip"} size ${chunkWidth} × ${chunkHeight}`);
  // EER pages are one event stream however many strips carry it; images need one entry per chunk.
  if (offsets.length === 0 || (!eer && offsets.length < chunks)) {
    throw fail(`${offsets.length} ${tiled ? "tile" : "strip"} offsets for ${chunks} ${tiled ? "tiles" : "strips"}`);
  }
  let byteCounts = await get(tiled ? TAG.tileByteCounts : TAG.stripByteCounts);
  if (byteCounts === undefined) {
    // Some writers omit StripByteCounts for uncompressed data; it follows from the geometry.
    if (compression !== 1) throw fail("StripByteCounts is missing");
    byteCounts = offsets.map((_, i) => chunkBytes(i));
  }
  if (byteCounts.length < offsets.length) throw fail(`${byteCounts.length} byte counts for ${offsets.length} offsets`);
  function chunkBytes(i: number): number {
    const rows = tiled ? chunkHeight : Math.min(chunkHeight, height - i * chunkHeight);
    return Math.ceil((chunkWidth * rows * bits) / 8);
  }

  return {
    index,
    width,
    height,
    bitsPerSample: bits,
    compression,
    predictor: await one(TAG.predictor, 1),
    sampleType,
    tiled,
    chunkWidth,
    chunkHeight,
    offsets,
    byteCounts,
    ifd,
  };
}

function sampleTypeOf(bits: number, format: number): SampleType | undefined {
  const key = `${format}:${bits}`;
  const types: Record<string, SampleType> = {
    "1:8": "uint8", "1:16": "uint16", "1:32": "uint32",
    "2:8": "int8", "2:16": "int16", "2:32": "int32",
    "3:16": "float16", "3:32": "float32", "3:64": "float64",
  };
  // SampleFormat 4 ("undefined") is read as unsigned, as libtiff does.
  return types[key] ?? (format === 4 ? types[`1:${bits}`] : undefined);
}
