/**
 * TIFF LZW (TIFF 6.0 section 13): codes of 9 to 12 bits, most significant bit
 * first, Clear = 256, EndOfInformation = 257, and the code width growing one
 * code early (at table sizes 511, 1023, 2047), as libtiff writes it.
 */

const CLEAR = 256;
const EOI = 257;
const FIRST = 258;
const MAX_CODES = 4096;

/**
 * Decodes `src` into `dst`; returns the bytes written (stops at EOI, at the end
 * of `src`, or when `dst` is full). Throws Error for a corrupt stream.
 */
export function lzwDecode(src: Uint8Array, dst: Uint8Array): number {
  if (src.length >= 2 && src[0] === 0 && (src[1]! & 1) === 1) {
    throw new Error("old-style (pre-TIFF 6.0, LSB-first) LZW is not supported");
  }
  // Each table entry is a run already in the output: a string is the previous
  // string plus the first byte of the next, and those lie side by side in dst.
  const entryPos = new Int32Array(MAX_CODES);
  const entryLen = new Int32Array(MAX_CODES);
  const n = src.length;
  const cap = dst.length;
  let inPos = 0;
  let bitBuf = 0;
  let bitCount = 0;
  let width = 9;
  let mask = 511;
  let tableSize = FIRST;
  let out = 0;
  let prevPos = -1;
  let prevLen = 0;

  while (out < cap) {
    while (bitCount < width) {
      if (inPos >= n) return out; // the data ended without an EOI code, which libtiff also accepts
      bitBuf = ((bitBuf << 8) | src[inPos++]!) & 0xffffff;
      bitCount += 8;
    }
    bitCount -= width;
    const code = (bitBuf >>> bitCount) & mask;
    if (code === EOI) break;
    if (code === CLEAR) {
      tableSize = FIRST;
      width = 9;
      mask = 511;
      prevPos = -1;
      continue;
    }
    const start = out;
    let len: number;
    if (code < 256) {
      dst[out++] = code;
      len = 1;
    } else if (prevPos < 0) {
      throw new Error(`LZW code ${code} right after a Clear code (must be a literal byte)`);
    } else if (code < tableSize) {
      len = entryLen[code]!;
      let from = entryPos[code]!;
      let end = out + len;
      if (end > cap) end = cap;
      if (len > 24) {
        dst.copyWithin(out, from, from + end - out);
        out = end;
      } else {
        while (out < end) dst[out++] = dst[from++]!;
      }
    } else if (code === tableSize) {
      // The code being defined: the previous string plus its own first byte.
      len = prevLen + 1;
      let from = prevPos;
      const end = Math.min(out + prevLen, cap);
      while (out < end) dst[out++] = dst[from++]!;
      if (out < cap) dst[out++] = dst[prevPos]!;
    } else {
      throw new Error(`LZW code ${code} is beyond the table (${tableSize} entries)`);
    }
    if (prevPos >= 0 && tableSize < MAX_CODES) {
      entryPos[tableSize] = prevPos;
      entryLen[tableSize] = prevLen + 1;
      tableSize++;
      if (tableSize >= mask && width < 12) {
        width++;
        mask = (1 << width) - 1;
      }
    }
    prevPos = start;
    prevLen = len;
  }
  return out;
}

// The encoder's dictionary: (prefix code << 8 | byte) → code, valid for the current generation.
let dictCode: Uint16Array | undefined;
let dictGen: Uint32Array | undefined;
let generation = 0;

/** Encodes `src` as one TIFF LZW stream (Clear first, EOI last), as libtiff does. */
export function lzwEncode(src: Uint8Array): Uint8Array {
  dictCode ??= new Uint16Array(1 << 20);
  dictGen ??= new Uint32Array(1 << 20);
  const codes = dictCode;
  const gens = dictGen;
  const out = new Uint8Array(Math.ceil(src.length * 1.5) + 16);
  let o = 0;
  let acc = 0;
  let accBits = 0;
  let width = 9;
  let next = FIRST;
  const put = (code: number) => {
    acc = ((acc << width) | code) >>> 0;
    accBits += width;
    while (accBits >= 8) {
      accBits -= 8;
      out[o++] = (acc >>> accBits) & 0xff;
    }
    acc &= (1 << accBits) - 1;
  };
  const added = () => {
    // libtiff: a full table (4094) is cleared; otherwise widen once the next code would not fit.
    next++;
    if (next === MAX_CODES - 2) {
      put(CLEAR);
      generation++;
      next = FIRST;
      width = 9;
    } else if (next > (1 << width) - 1) {
      width++;
    }
  };

  put(CLEAR);
  generation++;
  if (src.length > 0) {
    let w = src[0]!;
    for (let i = 1; i < src.length; i++) {
      const k = src[i]!;
      const key = (w << 8) | k;
      if (gens[key] === generation) {
        w = codes[key]!;
        continue;
      }
      put(w);
      gens[key] = generation;
      codes[key] = next;
      added();
      w = k;
    }
    put(w);
    added();
  }
  put(EOI);
  if (accBits > 0) out[o++] = (acc << (8 - accBits)) & 0xff;
  return out.subarray(0, o);
}
