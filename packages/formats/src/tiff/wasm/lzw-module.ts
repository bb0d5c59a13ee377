/**
 * The WebAssembly LZW decoder (wasm/lzw.c) and its memory: one table, one input and one
 * output region, grown to the largest strip seen and reused by every call (decoding is
 * synchronous, so calls never overlap).
 */
import { compileEmbeddedWasm, instantiateWasm, WASM_PAGE as PAGE, type WasmMemory } from "@emflow/core";
import { LZW_WASM_BASE64 } from "./lzw-wasm.js";


interface LzwExports {
  lzw_decode(src: number, n: number, dst: number, cap: number, table: number): number;
}

const TABLE_BYTES = 4096 * 8 + 272; // lzw.c's table: an entry per code, then its literal bytes
const SRC_PAD = 4; // zero bytes after the input: codes are read three bytes at a time
const DST_PAD = 4096 + 32; // the longest string plus a word of overshoot past the output

// lzw.c counts input bits in 32 bits.
const MAX_INPUT = 2 ** 28;

/** What lzw.c returns for a corrupt stream (the JavaScript decoder then gives the message). */
export const WASM_CORRUPT = -1;

/** The WebAssembly decoder. */
export interface WasmLzwDecoder {
  /**
   * lzwDecode's contract, or WASM_CORRUPT for a corrupt stream (`dst` is then untouched),
   * or undefined for an input too large for it (256 MiB).
   */
  decode(src: Uint8Array, dst: Uint8Array): number | undefined;
}

class WasmLzw implements WasmLzwDecoder {
  private readonly memory: WasmMemory;
  private readonly fn: LzwExports;
  private readonly table: number;
  private srcPtr = 0;
  private srcCap = -1;
  private dstPtr = 0;
  private dstCap = -1;

  constructor() {
    ({ exports: this.fn, memory: this.memory, heapBase: this.table } = instantiateWasm<LzwExports>(compileEmbeddedWasm(LZW_WASM_BASE64), 2));
  }

  /** Makes room for `n` input and `cap` output bytes: regions only grow, and the memory at most once per call. */
  private fit(n: number, cap: number): void {
    if (n <= this.srcCap && cap <= this.dstCap) return;
    // Compressed sizes vary from strip to strip: headroom keeps a slightly larger one from growing again.
    const srcCap = n > this.srcCap ? n + (n >>> 3) : this.srcCap;
    const dstCap = Math.max(cap, this.dstCap);
    this.srcPtr = this.table + TABLE_BYTES;
    this.dstPtr = Math.ceil((this.srcPtr + srcCap + SRC_PAD) / 64) * 64;
    const end = this.dstPtr + dstCap + DST_PAD;
    const need = end - this.memory.buffer.byteLength;
    if (need > 0) this.memory.grow(Math.ceil(need / PAGE));
    this.srcCap = srcCap;
    this.dstCap = dstCap;
  }

  decode(src: Uint8Array, dst: Uint8Array): number | undefined {
    const n = src.length;
    if (n >= MAX_INPUT) return undefined;
    const cap = dst.length;
    this.fit(n, cap);
    const heap = new Uint8Array(this.memory.buffer);
    heap.set(src, this.srcPtr);
    heap.fill(0, this.srcPtr + n, this.srcPtr + n + SRC_PAD);
    const written = this.fn.lzw_decode(this.srcPtr, n, this.dstPtr, cap, this.table);
    if (written < 0) return WASM_CORRUPT;
    dst.set(heap.subarray(this.dstPtr, this.dstPtr + written));
    return written;
  }
}

let loaded: WasmLzw | null | undefined;

/**
 * The WebAssembly decoder, instantiated on first use; undefined where WebAssembly is missing
 * or refuses the module (callers then use the JavaScript decoder).
 */
export function wasmLzw(): WasmLzwDecoder | undefined {
  if (loaded === undefined) {
    try {
      loaded = new WasmLzw();
    } catch {
      // Not an error to report: the JavaScript decoder gives the same bytes, only slower.
      loaded = null;
    }
  }
  return loaded ?? undefined;
}
