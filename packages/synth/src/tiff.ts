/**
 * The movie placeholder: a minimal valid little-endian TIFF (one 8-bit
 * greyscale strip) padded to the requested size, so tools that sniff the
 * header see a TIFF. A later stage writes real movies in its place.
 */

/** A TIFF of exactly `bytes` bytes (≥ 256), 64 px wide, as many rows as fit. */
export function placeholderTiff(bytes: number): Uint8Array {
  if (!Number.isInteger(bytes) || bytes < 256) throw new RangeError(`movie placeholder must be at least 256 bytes, got ${bytes}`);
  const out = new Uint8Array(bytes);
  const view = new DataView(out.buffer);
  const entries: Array<[tag: number, type: number, value: number]> = [];
  const width = 64;
  const ifdOffset = 8;
  const count = 8;
  const dataOffset = ifdOffset + 2 + count * 12 + 4;
  const rows = Math.floor((bytes - dataOffset) / width);
  entries.push([256, 3, width], [257, 4, rows], [258, 3, 8], [259, 3, 1], [262, 3, 1], [273, 4, dataOffset], [278, 4, rows], [279, 4, rows * width]);
  out.set([0x49, 0x49, 42, 0], 0);
  view.setUint32(4, ifdOffset, true);
  view.setUint16(ifdOffset, count, true);
  entries.forEach(([tag, type, value], i) => {
    const at = ifdOffset + 2 + i * 12;
    view.setUint16(at, tag, true);
    view.setUint16(at + 2, type, true);
    view.setUint32(at + 4, 1, true);
    if (type === 3) view.setUint16(at + 8, value, true);
    else view.setUint32(at + 8, value, true);
  });
  view.setUint32(ifdOffset + 2 + count * 12, 0, true);
  // A faint gradient rather than zeros, so the frame is visibly an image.
  for (let i = dataOffset; i < dataOffset + rows * width; i++) out[i] = (i - dataOffset) % width;
  return out;
}
