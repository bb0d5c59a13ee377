/**
 * Low-level TIFF writing, page by page: each page is its directory (with the
 * out-of-line values) followed by its strips, and the previous directory's
 * next pointer is patched once the new page is on disk. Little-endian,
 * classic TIFF or BigTIFF. Strips arrive already compressed.
 */
import { open, rm } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { TYPE_SIZES } from "./ifd.js";

/** An extra field: numbers of a TIFF type, or raw bytes (type 1, 2 or 7). */
export interface TiffTag {
  readonly tag: number;
  readonly type: number;
  readonly values: readonly number[] | Uint8Array;
}

export interface TiffPageSpec {
  readonly width: number;
  readonly height: number;
  /** Omitted from the page when undefined (EER pages carry none). */
  readonly bitsPerSample?: number;
  /** 1 unsigned, 2 signed, 3 float. */
  readonly sampleFormat?: 1 | 2 | 3;
  readonly compression: number;
  readonly predictor?: number;
  readonly rowsPerStrip: number;
  readonly strips: readonly Uint8Array[];
  readonly extraTags?: readonly TiffTag[];
}

/** A TIFF being written; call close() to finish or abort() to remove it. */
export class TiffFileWriter {
  private pages = 0;
  private end: number;
  /** Where the pointer to the next directory lives (the header's first-IFD slot to begin with). */
  private nextPointerAt: number;

  private constructor(
    private readonly handle: FileHandle,
    private readonly path: string,
    readonly bigTiff: boolean,
  ) {
    this.end = bigTiff ? 16 : 8;
    this.nextPointerAt = bigTiff ? 8 : 4;
  }

  /** Creates (or truncates) `path` and writes the header. */
  static async create(path: string, opts: { bigTiff?: boolean } = {}): Promise<TiffFileWriter> {
    const handle = await open(path, "w");
    const big = opts.bigTiff ?? false;
    const head = Buffer.alloc(big ? 16 : 8);
    head.write("II", 0, "latin1");
    head.writeUInt16LE(big ? 43 : 42, 2);
    if (big) head.writeUInt16LE(8, 4);
    await handle.write(head, 0, head.length, 0);
    return new TiffFileWriter(handle, path, big);
  }

  /** Appends one page (directory, then strips) and links it into the chain. */
  async writePage(spec: TiffPageSpec): Promise<void> {
    const big = this.bigTiff;
    const offsetType = big ? 16 : 4;
    const ifdAt = align(this.end, 8);
    const stripBytes = spec.strips.map((s) => s.length);
    const tags: TiffTag[] = [
      { tag: 254, type: 4, values: [0] },
      { tag: 256, type: 4, values: [spec.width] },
      { tag: 257, type: 4, values: [spec.height] },
      ...(spec.bitsPerSample !== undefined ? [{ tag: 258, type: 3, values: [spec.bitsPerSample] }] : []),
      { tag: 259, type: 3, values: [spec.compression] },
      { tag: 262, type: 3, values: [1] },
      { tag: 273, type: offsetType, values: stripBytes.map(() => 0) },
      { tag: 277, type: 3, values: [1] },
      { tag: 278, type: 4, values: [spec.rowsPerStrip] },
      { tag: 279, type: offsetType, values: stripBytes },
      { tag: 284, type: 3, values: [1] },
      ...(spec.predictor !== undefined && spec.predictor !== 1 ? [{ tag: 317, type: 3, values: [spec.predictor] }] : []),
      ...(spec.sampleFormat !== undefined ? [{ tag: 339, type: 3, values: [spec.sampleFormat] }] : []),
      ...(spec.extraTags ?? []),
    ].sort((a, b) => a.tag - b.tag);

    // Directory size first (strip offsets depend on where the data start).
    const entry = big ? 20 : 12;
    const inlineMax = big ? 8 : 4;
    const head = (big ? 8 : 2) + tags.length * entry + (big ? 8 : 4);
    let extra = 0;
    for (const t of tags) {
      const bytes = valueBytes(t);
      if (bytes > inlineMax) extra += align(bytes, 2);
    }
    const dataAt = align(ifdAt + head + extra, 8);
    let at = dataAt;
    const offsets = stripBytes.map((n) => {
      const o = at;
      at += n;
      return o;
    });
    const stripTag = tags.find((t) => t.tag === 273)!;
    tags[tags.indexOf(stripTag)] = { ...stripTag, values: offsets };

    const block = Buffer.alloc(dataAt - ifdAt);
    const dv = new DataView(block.buffer, block.byteOffset, block.length);
    if (big) dv.setBigUint64(0, BigInt(tags.length), true);
    else dv.setUint16(0, tags.length, true);
    let out = head; // out-of-line values go right after the directory
    tags.forEach((t, i) => {
      const e = (big ? 8 : 2) + i * entry;
      dv.setUint16(e, t.tag, true);
      dv.setUint16(e + 2, t.type, true);
      const count = t.values.length;
      if (big) dv.setBigUint64(e + 4, BigInt(count), true);
      else dv.setUint32(e + 4, count, true);
      const valueAt = e + (big ? 12 : 8);
      const bytes = valueBytes(t);
      if (bytes <= inlineMax) putValues(dv, valueAt, t);
      else {
        if (big) dv.setBigUint64(valueAt, BigInt(ifdAt + out), true);
        else dv.setUint32(valueAt, ifdAt + out, true);
        putValues(dv, out, t);
        out += align(bytes, 2);
      }
    });
    // The next-directory pointer stays 0 until another page follows.
    if (!big && at > 2 ** 32) throw new RangeError("TIFF passes 4 GiB: write it as BigTIFF (bigTiff: true)");
    await this.handle.writev([block, ...spec.strips], ifdAt);
    const ptr = Buffer.alloc(big ? 8 : 4);
    if (big) ptr.writeBigUInt64LE(BigInt(ifdAt));
    else ptr.writeUInt32LE(ifdAt);
    await this.handle.write(ptr, 0, ptr.length, this.nextPointerAt);
    this.nextPointerAt = ifdAt + head - (big ? 8 : 4);
    this.end = at;
    this.pages++;
  }

  /** Finishes the file; returns the page count and size in bytes. */
  async close(): Promise<{ pages: number; bytes: number }> {
    await this.handle.close();
    return { pages: this.pages, bytes: this.end };
  }

  /** Closes and deletes the partial file. */
  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.path, { force: true });
  }
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

function valueBytes(t: TiffTag): number {
  return t.values.length * (TYPE_SIZES[t.type] ?? 1);
}

function putValues(dv: DataView, at: number, t: TiffTag): void {
  const size = TYPE_SIZES[t.type] ?? 1;
  t.values.forEach((v, i) => {
    const o = at + i * size;
    switch (t.type) {
      case 1: case 2: case 7: dv.setUint8(o, v); break;
      case 3: dv.setUint16(o, v, true); break;
      case 4: dv.setUint32(o, v, true); break;
      case 8: dv.setInt16(o, v, true); break;
      case 9: dv.setInt32(o, v, true); break;
      case 11: dv.setFloat32(o, v, true); break;
      case 12: dv.setFloat64(o, v, true); break;
      case 16: dv.setBigUint64(o, BigInt(v), true); break;
      default: throw new RangeError(`cannot write TIFF field type ${t.type}`);
    }
  });
}
