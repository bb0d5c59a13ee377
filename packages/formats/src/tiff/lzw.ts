/**
 * TIFF LZW (TIFF 6.0 section 13): codes of 9 to 12 bits, most significant bit
 * first, Clear = 256, EndOfInformation = 257, and the code width growing one
 * code early (at table sizes 511, 1023, 2047), as libtiff writes it.
 */

import { WASM_CORRUPT, wasmLzw } from "./wasm/lzw-module.js";

const CLEAR = 256;
const EOI = 257;
const FIRST = 258;
const MAX_CODES = 4096;

// The decoder's table, shared by every call (decoding is synchronous): code → where its
// string already lies in the output, and its length. Literal codes are never looked up.
const entryPos = new Int32Array(MAX_CODES);
const entryLen = new Int32Array(MAX_CODES);

/**
 * Decodes `src` into `dst`; returns the bytes written (stops at EOI, at the end
 * of `src`, or when `dst` is full). Bytes of `dst` past the returned count may
 * have been overwritten. Throws Error for a corrupt stream. Runs in WebAssembly
 * (wasm/lzw.c, about 4× faster) where it loads, else in JavaScript; same bytes either way.
 */
export function lzwDecode(src: Uint8Array, dst: Uint8Array): number {
  const wasm = isOldStyle(src) ? undefined : wasmLzw();
  const written = wasm?.decode(src, dst);
  // The JavaScript decoder has the messages for old-style and corrupt streams.
  return written === undefined || written === WASM_CORRUPT ? lzwDecodeJs(src, dst) : written;
}

function isOldStyle(src: Uint8Array): boolean {
  return src.length >= 2 && src[0] === 0 && (src[1]! & 1) === 1;
}

/** lzwDecode in JavaScript only (the fallback where WebAssembly is unavailable; tests compare against it). */
export function lzwDecodeJs(src: Uint8Array, dst: Uint8Array): number {
  if (isOldStyle(src)) throw new Error("old-style (pre-TIFF 6.0, LSB-first) LZW is not supported");
  // Every string is a run already in the output (the previous string plus the
  // first byte of the next lie side by side), so a code is a copy from earlier
  // in dst. Codes are read straight from three input bytes, and short strings
  // copy a fixed 8 or 16 bytes (later output overwrites the excess): the branch
  // on a string's length costs more than the extra stores.
  const pos = entryPos;
  const lens = entryLen;
  const n = src.length;
  const cap = dst.length;
  const fastIn = (n - 3) * 8; // a code starting at or before this bit has three whole bytes to read
  const fastOut = cap - MAX_CODES - 16; // room for the longest string plus the overshoot
  let bitPos = 0;
  let width = 9;
  let mask = 511;
  let tableSize = FIRST;
  let out = 0;
  let prevPos = -1;
  let prevLen = 0;

  for (;;) {
    const p = bitPos >>> 3;
    let word: number;
    if (bitPos <= fastIn) word = (src[p]! << 16) | (src[p + 1]! << 8) | src[p + 2]!;
    else if (bitPos + width > n * 8) return out; // the data ended without an EOI code, which libtiff also accepts
    else word = (src[p]! << 16) | ((src[p + 1] ?? 0) << 8) | (src[p + 2] ?? 0);
    const code = (word >>> (24 - width - (bitPos & 7))) & mask;
    bitPos += width;

    let from: number;
    let len: number;
    if (code < 256) {
      if (out >= cap) return out;
      if (prevPos >= 0 && tableSize < MAX_CODES) {
        pos[tableSize] = prevPos;
        lens[tableSize] = prevLen + 1;
        tableSize++;
        if (tableSize >= mask && width < 12) {
          width++;
          mask = (1 << width) - 1;
        }
      }
      prevPos = out;
      prevLen = 1;
      dst[out++] = code;
      continue;
    }
    if (code === CLEAR) {
      tableSize = FIRST;
      width = 9;
      mask = 511;
      prevPos = -1;
      continue;
    } else if (code === EOI) {
      return out;
    } else if (prevPos < 0) {
      throw new Error(`LZW code ${code} right after a Clear code (must be a literal byte)`);
    } else if (code < tableSize) {
      from = pos[code]!;
      len = lens[code]!;
    } else if (code === tableSize) {
      // The code being defined: the previous string plus its own first byte. A
      // forward byte copy from the previous string makes that byte by itself.
      from = prevPos;
      len = prevLen + 1;
    } else {
      throw new Error(`LZW code ${code} is beyond the table (${tableSize} entries)`);
    }

    const start = out;
    if (out < fastOut) {
      dst[out] = dst[from]!;
      dst[out + 1] = dst[from + 1]!;
      dst[out + 2] = dst[from + 2]!;
      dst[out + 3] = dst[from + 3]!;
      dst[out + 4] = dst[from + 4]!;
      dst[out + 5] = dst[from + 5]!;
      dst[out + 6] = dst[from + 6]!;
      dst[out + 7] = dst[from + 7]!;
      if (len > 8) {
        if (len <= 16) for (let k = 8; k < 16; k++) dst[out + k] = dst[from + k]!;
        else {
          // Whole string but its last byte: the source ends before `out` even for the code being defined.
          dst.copyWithin(out + 8, from + 8, from + len - 1);
          dst[out + len - 1] = dst[from + len - 1]!;
        }
      }
      out += len;
    } else {
      if (out >= cap) return out;
      const end = Math.min(out + len, cap);
      while (out < end) dst[out++] = dst[from++]!;
    }

    if (tableSize < MAX_CODES) {
      pos[tableSize] = prevPos;
      lens[tableSize] = prevLen + 1;
      tableSize++;
      if (tableSize >= mask && width < 12) {
        width++;
        mask = (1 << width) - 1;
      }
    }
    prevPos = start;
    prevLen = len;
  }
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
