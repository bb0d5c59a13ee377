/**
 * EER movies: a TIFF whose pages are detector fractions of electron events.
 * A frame here is the sum of `grouping` consecutive fractions rendered on the
 * sensor grid or an upsampled one, as counts in float32.
 */
import { FormatError } from "@emflow/core";
import type { MovieReader } from "../movie.js";
import { openFileSource } from "../mrc/byte-source.js";
import type { ByteSource } from "../mrc/byte-source.js";
import { checkFrameIndex, framesInOrder, SerialQueue } from "../mrc/frame-iter.js";
import { fieldBytes, fieldValues } from "../tiff/ifd.js";
import { readRawChunks } from "../tiff/decode.js";
import { loadTiffStructure } from "../tiff/read.js";
import type { TiffPage } from "../tiff/page.js";
import { addEerFraction, EER_CODING_7BIT, EER_CODING_8BIT, EER_STREAM_PADDING } from "./decode.js";
import type { EerCoding, EerUpsampling } from "./decode.js";
import { parseEerMetadata, sensorPixelSizeA } from "./metadata.js";
import type { EerMetadata } from "./metadata.js";

export interface OpenEerOptions {
  /** Fractions summed into one frame (default 1: every fraction is a frame). */
  readonly grouping?: number;
  /** 1: sensor grid (4096² on Falcon 4), 2: twice (8192²), 4: four times (16384²). Default 1. */
  readonly upsampling?: EerUpsampling;
  /**
   * Fractions left over when grouping does not divide their number: "drop"
   * them (default; RELION does the same) or make a last, "partial" frame of them.
   */
  readonly remainder?: "drop" | "partial";
}

/** A MovieReader over an EER file: frames are groups of fractions, in counts. */
export interface EerReader extends MovieReader {
  readonly format: "eer";
  readonly fractionCount: number;
  readonly grouping: number;
  readonly upsampling: EerUpsampling;
  /** Sensor size (the TIFF pages' size); width and height are this × upsampling. */
  readonly sensorWidth: number;
  readonly sensorHeight: number;
  /** The acquisition metadata XML's items (tag 65001), e.g. items["sensorPixelSize.width"] in units["…"]. */
  readonly metadata: EerMetadata;
  /** Like readFrame, into `out`, which is returned; also counts the events. */
  readFrameInto(index: number, out: Float32Array): Promise<Float32Array>;
  /** Events in frame `index` (decodes it). */
  countEvents(index: number): Promise<number>;
}

/**
 * Opens an EER movie (TIFF pages with compression 65000, 65001 or 65002).
 * Pixel size, when the metadata holds sensorPixelSize (in m), is in Å per output pixel.
 * Corrupt or cut streams throw FormatError naming the file, the fraction and the frame.
 */
export async function openEer(path: string, opts: OpenEerOptions = {}): Promise<EerReader> {
  const source = await openFileSource(path);
  try {
    return await openEerSource(source, opts);
  } catch (err) {
    await source.close();
    throw err;
  }
}

/** openEer over any ByteSource (closing the reader closes the source). */
export async function openEerSource(source: ByteSource, opts: OpenEerOptions = {}): Promise<EerReader> {
  const file = source.name;
  const grouping = opts.grouping ?? 1;
  const up = opts.upsampling ?? 1;
  if (!Number.isInteger(grouping) || grouping < 1) throw new RangeError(`EER grouping must be a positive integer, not ${grouping}`);
  if (![1, 2, 4].includes(up)) throw new RangeError(`EER upsampling must be 1, 2 or 4, not ${up}`);
  const structure = await loadTiffStructure(source);
  const first = await structure.page(0);
  if (!isEer(first)) {
    throw new FormatError(`not an EER movie: page 0 has compression ${first.compression}, not 65000, 65001 or 65002`, { file });
  }
  const fractionCount = structure.ifds.length;
  const frameCount = opts.remainder === "partial" ? Math.ceil(fractionCount / grouping) : Math.floor(fractionCount / grouping);
  if (frameCount === 0) throw new RangeError(`EER grouping ${grouping} is more than the ${fractionCount} fractions in ${file}`);
  const { width: sensorWidth, height: sensorHeight } = first;
  const width = sensorWidth * up;
  const height = sensorHeight * up;
  const metaField = first.ifd.fields.get(65001);
  const metadata = metaField ? parseEerMetadata(Buffer.from(await fieldBytes(source, metaField)).toString("utf8")) : { items: {}, units: {} };
  const sensorA = sensorPixelSizeA(metadata);
  const pixelSizeA = sensorA === undefined ? undefined : sensorA / up;
  const queue = new SerialQueue();
  let scratch = new Uint8Array(0);
  const rawScratch = { buf: new Uint8Array(0) };

  const codingOf = async (page: TiffPage): Promise<EerCoding> => {
    if (page.compression === 65000) return EER_CODING_8BIT;
    if (page.compression === 65001) return EER_CODING_7BIT;
    const bits = async (tag: number, fallback: number) => {
      const field = page.ifd.fields.get(tag);
      return field ? ((await fieldValues(source, structure.header, field))[0] ?? fallback) : fallback;
    };
    return { runBits: await bits(65007, 7), horzBits: await bits(65008, 2), vertBits: await bits(65009, 2), overflowCarriesSubpixel: false };
  };

  /** Adds fraction `f` to `out`; returns its events. */
  const addFraction = async (f: number, frame: number, out: Float32Array): Promise<number> => {
    const page = await structure.page(f);
    const where = `fraction ${f} (frame ${frame})`;
    if (!isEer(page)) throw new FormatError(`${where}: page has compression ${page.compression}, not EER`, { file });
    if (page.width !== sensorWidth || page.height !== sensorHeight) {
      throw new FormatError(`${where}: page is ${page.width} × ${page.height}, unlike page 0 (${sensorWidth} × ${sensorHeight})`, { file });
    }
    const coding = await codingOf(page);
    const chunks = await readRawChunks(source, page, rawScratch);
    const bytes = chunks.reduce((n, c) => n + c.length, 0);
    if (scratch.length < bytes + EER_STREAM_PADDING) scratch = new Uint8Array(Math.ceil((bytes + EER_STREAM_PADDING) * 1.25));
    let at = 0;
    for (const c of chunks) {
      scratch.set(c, at);
      at += c.length;
    }
    scratch.fill(0, bytes, bytes + EER_STREAM_PADDING);
    try {
      return addEerFraction(scratch, bytes, sensorWidth, sensorHeight, coding, up, out);
    } catch (err) {
      throw new FormatError(`${where}: corrupt EER stream: ${(err as Error).message}`, { file, cause: err });
    }
  };

  const render = (index: number, out: Float32Array): Promise<number> => {
    checkFrameIndex(index, frameCount);
    if (out.length !== width * height) throw new RangeError(`output has ${out.length} values; a frame has ${width * height}`);
    return queue.run(async () => {
      out.fill(0);
      let events = 0;
      const end = Math.min(fractionCount, (index + 1) * grouping);
      for (let f = index * grouping; f < end; f++) events += await addFraction(f, index, out);
      return events;
    });
  };
  const readFrameInto = async (index: number, out: Float32Array) => {
    await render(index, out);
    return out;
  };
  const readFrame = (index: number) => readFrameInto(index, new Float32Array(width * height));

  return {
    file,
    format: "eer",
    width,
    height,
    frameCount,
    ...(pixelSizeA === undefined ? {} : { pixelSizeA }),
    sampleType: "eer",
    fractionCount,
    grouping,
    upsampling: up,
    sensorWidth,
    sensorHeight,
    metadata,
    readFrame,
    readFrameInto,
    countEvents: (index) => render(index, new Float32Array(width * height)),
    frames: () => framesInOrder(frameCount, readFrame),
    close: () => queue.run(() => source.close()),
  };
}

function isEer(page: TiffPage): boolean {
  return page.compression >= 65000 && page.compression <= 65002;
}
