/**
 * A test-only EER encoder: known electron events in, an EER file out, so the
 * decoder can be checked against exact ground truth. It writes the layout
 * described in eer/decode.ts (the inverse of the decoder, built from the same
 * reading of RELION's and FEI's decoders, and cross-checked against RELION's
 * renderer in eer/read.test.ts when RELION is installed).
 */
import { TiffFileWriter } from "../tiff/page-writer.js";
import type { TiffTag } from "../tiff/page-writer.js";
import { EER_CODING_7BIT, EER_CODING_8BIT } from "../eer/decode.js";
import type { EerCoding } from "../eer/decode.js";

/** One electron: sensor pixel (x, y) and its position inside it on the 4 × 4 sub-pixel grid. */
export interface EerEvent {
  readonly x: number;
  readonly y: number;
  /** 0..3 (sub-pixel column, as the decoder reports it). */
  readonly sx: number;
  readonly sy: number;
}

/** LSB-first bit writer. */
class BitWriter {
  private bytes = new Uint8Array(1024);
  private length = 0;
  private acc = 0;
  private accBits = 0;

  put(value: number, bits: number): void {
    this.acc |= value << this.accBits;
    this.accBits += bits;
    while (this.accBits >= 8) {
      if (this.length === this.bytes.length) {
        const grown = new Uint8Array(this.bytes.length * 2);
        grown.set(this.bytes);
        this.bytes = grown;
      }
      this.bytes[this.length++] = this.acc & 0xff;
      this.acc >>>= 8;
      this.accBits -= 8;
    }
  }

  /** The stream, zero-padded to a multiple of `multiple` bytes. */
  finish(multiple = 2): Uint8Array {
    if (this.accBits > 0) this.put(0, 8 - this.accBits);
    while (this.length % multiple !== 0) this.put(0, 8);
    return this.bytes.slice(0, this.length);
  }
}

/**
 * Encodes one fraction's events (any order; at most one per pixel, as the
 * detector produces) as an EER stream. The stream always ends with a run
 * reaching the last pixel (a zero run after an event on it), which RELION reads.
 */
export function encodeEerFraction(events: readonly EerEvent[], width: number, height: number, coding: EerCoding): Uint8Array {
  const { runBits, horzBits, vertBits } = coding;
  const max = (1 << runBits) - 1;
  const pixels = width * height;
  const sorted = events.map((e) => ({ ...e, p: e.y * width + e.x })).sort((a, b) => a.p - b.p);
  const out = new BitWriter();
  const overflow = () => {
    out.put(max, runBits);
    if (coding.overflowCarriesSubpixel) out.put(0, horzBits + vertBits);
  };
  let next = 0;
  for (const e of sorted) {
    if (e.p < next) throw new Error(`two events on pixel (${e.x}, ${e.y}) in one fraction`);
    if (e.x >= width || e.y >= height || e.x < 0 || e.y < 0) throw new Error(`event (${e.x}, ${e.y}) is off the sensor`);
    let run = e.p - next;
    while (run >= max) {
      overflow();
      run -= max;
    }
    out.put(run, runBits);
    out.put(e.sx ^ (1 << (horzBits - 1)), horzBits);
    out.put(e.sy ^ (1 << (vertBits - 1)), vertBits);
    next = e.p + 1;
  }
  let rest = pixels - next;
  while (rest > max) {
    overflow();
    rest -= max;
  }
  out.put(rest, runBits);
  return out.finish();
}

export interface WriteEerOptions {
  readonly width: number;
  readonly height: number;
  /** 65001 (7-bit, what Falcon 4 writes) or 65000 (8-bit, early files). */
  readonly compression: 65000 | 65001;
  /** Events of each fraction (one TIFF page each); an iterable, so long movies need not be held in memory. */
  readonly fractions: Iterable<readonly EerEvent[]>;
  /** Acquisition metadata XML for tag 65001 of the first page. */
  readonly metadataXml?: string;
  readonly bigTiff?: boolean;
  /** Split each page's stream into this many strips (the decoder concatenates them). Default 1. */
  readonly stripsPerPage?: number;
}

/** Writes an EER file (a TIFF with one page per fraction). */
export async function writeEerFile(path: string, opts: WriteEerOptions): Promise<void> {
  const coding = opts.compression === 65000 ? EER_CODING_8BIT : EER_CODING_7BIT;
  const writer = await TiffFileWriter.create(path, { bigTiff: opts.bigTiff ?? false });
  try {
    let f = 0;
    for (const events of opts.fractions) {
      const stream = encodeEerFraction(events, opts.width, opts.height, coding);
      const parts = opts.stripsPerPage ?? 1;
      const step = Math.ceil(stream.length / parts);
      const strips = Array.from({ length: parts }, (_, i) => stream.subarray(i * step, Math.min(stream.length, (i + 1) * step)));
      const extraTags: TiffTag[] =
        f === 0 && opts.metadataXml !== undefined ? [{ tag: 65001, type: 7, values: new Uint8Array(Buffer.from(opts.metadataXml, "utf8")) }] : [];
      await writer.writePage({
        width: opts.width,
        height: opts.height,
        compression: opts.compression,
        rowsPerStrip: Math.ceil(opts.height / parts),
        strips,
        extraTags,
      });
      f++;
    }
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

/** Deterministic random events for tests: about `dose` events per pixel per fraction, at most one per pixel. */
export function randomFractions(width: number, height: number, count: number, dose: number, seed = 1): EerEvent[][] {
  let s = seed >>> 0 || 1;
  const rand = () => {
    // xorshift32: fast and reproducible.
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
  const pixels = width * height;
  const wanted = Math.min(pixels, Math.round(dose * pixels));
  return Array.from({ length: count }, () => {
    const taken = new Set<number>();
    while (taken.size < wanted) taken.add(Math.floor(rand() * pixels));
    return [...taken].map((p) => ({ x: p % width, y: Math.floor(p / width), sx: Math.floor(rand() * 4), sy: Math.floor(rand() * 4) }));
  });
}

/** Events at about `dose` per pixel in raster order, drawn with geometric gaps (fast for 4k sensors and long movies). */
export function rasterFraction(width: number, height: number, dose: number, seed: number): EerEvent[] {
  let s = seed >>> 0 || 1;
  const rand = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 2 ** 32;
  };
  const events: EerEvent[] = [];
  const logq = Math.log(1 - dose);
  for (let p = Math.floor(Math.log(rand()) / logq); p < width * height; p += 1 + Math.floor(Math.log(rand()) / logq)) {
    events.push({ x: p % width, y: Math.floor(p / width), sx: (s >>> 3) & 3, sy: (s >>> 5) & 3 });
  }
  return events;
}

/** Ground truth: counts per output pixel of `fractions` summed, at upsampling `up`. */
export function renderEvents(fractions: readonly (readonly EerEvent[])[], width: number, height: number, up: 1 | 2 | 4): Float32Array {
  const out = new Float32Array(width * up * height * up);
  const shift = up === 1 ? 2 : up === 2 ? 1 : 0;
  for (const events of fractions) {
    for (const e of events) out[(e.y * up + (e.sy >> shift)) * width * up + e.x * up + (e.sx >> shift)]! += 1;
  }
  return out;
}
