/**
 * TIFF structure (TIFF 6.0 and BigTIFF): the header, the chain of image file
 * directories (IFDs, one per page) and their fields. The chain is walked once,
 * reading only each IFD's entries; strips are read later, one page at a time.
 */
import { FormatError } from "@emflow/core";
import type { ByteSource } from "../mrc/byte-source.js";

export interface TiffHeader {
  readonly littleEndian: boolean;
  readonly bigTiff: boolean;
  readonly firstIfd: number;
}

/** One IFD entry: its values are read lazily (strip tables can be long). */
export interface TiffField {
  readonly tag: number;
  readonly type: number;
  readonly count: number;
  /** File offset of the values (inside the entry itself when they fit). */
  readonly valueOffset: number;
  /** The values' bytes when they fit in the entry (≤ 4 bytes, ≤ 8 in BigTIFF). */
  readonly inline: Uint8Array | undefined;
}

/** Bytes per value of each TIFF field type (1 BYTE … 18 IFD8). */
export const TYPE_SIZES: Readonly<Record<number, number>> = {
  1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8,
};

/** Reads and checks the 8-byte (16 for BigTIFF) header; FormatError when it is not TIFF. */
export async function readTiffHeader(source: ByteSource): Promise<TiffHeader> {
  const head = new Uint8Array(16);
  const n = await source.read(head, 0, 16, 0);
  const file = source.name;
  const order = n >= 2 ? String.fromCharCode(head[0]!, head[1]!) : "";
  if (order !== "II" && order !== "MM") {
    throw new FormatError(n === 0 ? "file is empty, not a TIFF" : "not a TIFF file (no II or MM byte-order mark)", { file });
  }
  const le = order === "II";
  const dv = new DataView(head.buffer, 0, n);
  const magic = n >= 4 ? dv.getUint16(2, le) : 0;
  if (magic === 42 && n >= 8) return { littleEndian: le, bigTiff: false, firstIfd: dv.getUint32(4, le) };
  if (magic === 43 && n >= 16) {
    if (dv.getUint16(4, le) !== 8) throw new FormatError("BigTIFF header with an offset size other than 8", { file });
    return { littleEndian: le, bigTiff: true, firstIfd: Number(dv.getBigUint64(8, le)) };
  }
  throw new FormatError(`not a TIFF file (magic ${magic}, expected 42 or BigTIFF's 43)`, { file });
}

/** One parsed IFD: its fields by tag and where the next IFD is (0: none). */
export interface Ifd {
  readonly offset: number;
  readonly fields: ReadonlyMap<number, TiffField>;
  readonly next: number;
}

/** Reads the IFD at `offset`; FormatError when it lies outside the file or is cut short. */
export async function readIfd(source: ByteSource, header: TiffHeader, offset: number, page: number): Promise<Ifd> {
  const { bigTiff, littleEndian: le } = header;
  const file = source.name;
  const countBytes = bigTiff ? 8 : 2;
  const entryBytes = bigTiff ? 20 : 12;
  const ptrBytes = bigTiff ? 8 : 4;
  // One read usually covers the count, the entries and the next pointer.
  let buf = new Uint8Array(4096);
  let n = await source.read(buf, 0, buf.length, offset);
  if (n < countBytes) throw new FormatError(`page ${page}: directory at offset ${offset} lies beyond the end of the file`, { file });
  let dv = new DataView(buf.buffer);
  const count = bigTiff ? Number(dv.getBigUint64(0, le)) : dv.getUint16(0, le);
  const need = countBytes + count * entryBytes + ptrBytes;
  if (need > n) {
    buf = new Uint8Array(need);
    n = await source.read(buf, 0, need, offset);
    dv = new DataView(buf.buffer);
    if (n < need) throw new FormatError(`page ${page}: directory at offset ${offset} (${count} entries) is cut short by the end of the file`, { file });
  }
  const fields = new Map<number, TiffField>();
  for (let i = 0; i < count; i++) {
    const at = countBytes + i * entryBytes;
    const tag = dv.getUint16(at, le);
    const type = dv.getUint16(at + 2, le);
    const size = TYPE_SIZES[type];
    if (size === undefined) continue; // unknown types are skipped, as TIFF 6.0 asks
    const valueCount = bigTiff ? Number(dv.getBigUint64(at + 4, le)) : dv.getUint32(at + 4, le);
    const valueAt = at + (bigTiff ? 12 : 8);
    const fits = size * valueCount <= ptrBytes;
    fields.set(tag, {
      tag,
      type,
      count: valueCount,
      valueOffset: fits ? offset + valueAt : bigTiff ? Number(dv.getBigUint64(valueAt, le)) : dv.getUint32(valueAt, le),
      inline: fits ? buf.slice(valueAt, valueAt + size * valueCount) : undefined,
    });
  }
  const nextAt = countBytes + count * entryBytes;
  const next = bigTiff ? Number(dv.getBigUint64(nextAt, le)) : dv.getUint32(nextAt, le);
  return { offset, fields, next };
}

/**
 * The offsets of every IFD in the chain, in page order. Reads each IFD's
 * entries once (no strip data); refuses loops and offsets past the end.
 */
export async function listIfds(source: ByteSource, header: TiffHeader): Promise<Ifd[]> {
  const size = await source.size();
  const seen = new Set<number>();
  const ifds: Ifd[] = [];
  for (let offset = header.firstIfd; offset !== 0; ) {
    if (seen.has(offset)) throw new FormatError(`page ${ifds.length}: directory chain loops back to offset ${offset}`, { file: source.name });
    if (offset >= size) {
      if (ifds.length > 0) break; // a dangling last pointer (file still being written): keep the pages we have
      throw new FormatError(`first directory offset ${offset} is beyond the end of the file (${size} bytes)`, { file: source.name });
    }
    seen.add(offset);
    const ifd = await readIfd(source, header, offset, ifds.length);
    ifds.push(ifd);
    offset = ifd.next;
  }
  return ifds;
}

/** A field's values as numbers (RATIONAL as a quotient); reads out-of-line values from the file. */
export async function fieldValues(source: ByteSource, header: TiffHeader, field: TiffField): Promise<number[]> {
  const bytes = await fieldBytes(source, field);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const le = header.littleEndian;
  const out = new Array<number>(field.count);
  for (let i = 0; i < field.count; i++) {
    switch (field.type) {
      case 1: case 2: case 7: out[i] = dv.getUint8(i); break;
      case 6: out[i] = dv.getInt8(i); break;
      case 3: out[i] = dv.getUint16(2 * i, le); break;
      case 8: out[i] = dv.getInt16(2 * i, le); break;
      case 4: case 13: out[i] = dv.getUint32(4 * i, le); break;
      case 9: out[i] = dv.getInt32(4 * i, le); break;
      case 11: out[i] = dv.getFloat32(4 * i, le); break;
      case 12: out[i] = dv.getFloat64(8 * i, le); break;
      case 16: case 18: out[i] = Number(dv.getBigUint64(8 * i, le)); break;
      case 17: out[i] = Number(dv.getBigInt64(8 * i, le)); break;
      case 5: out[i] = dv.getUint32(8 * i, le) / dv.getUint32(8 * i + 4, le); break;
      case 10: out[i] = dv.getInt32(8 * i, le) / dv.getInt32(8 * i + 4, le); break;
    }
  }
  return out;
}

/** A field's raw value bytes (ASCII text, XML blobs), read from the file when not inline. */
export async function fieldBytes(source: ByteSource, field: TiffField): Promise<Uint8Array> {
  if (field.inline) return field.inline;
  const length = field.count * (TYPE_SIZES[field.type] ?? 1);
  const bytes = new Uint8Array(length);
  const n = await source.read(bytes, 0, length, field.valueOffset);
  if (n < length) {
    throw new FormatError(`tag ${field.tag}: ${length} value bytes at offset ${field.valueOffset} run past the end of the file`, { file: source.name });
  }
  return bytes;
}
