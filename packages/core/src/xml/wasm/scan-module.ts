/**
 * The WebAssembly element scanner (wasm/scan.c) and its memory: a record region and an
 * input region, grown to the largest file seen and reused by every call (scanning is
 * synchronous, so calls never overlap).
 */
import { compileEmbeddedWasm, instantiateWasm, WASM_PAGE as PAGE, type WasmMemory } from "../../wasm.js";
import { SCAN_WASM_BASE64 } from "./scan-wasm.js";

interface ScanExports {
  scan(src: number, n: number, out: number, cap: number): number;
}

/** int32 fields per element record (see scan.c). */
export const REC = 8;
const FULL = -2;
const PAD = 16; // scan.c reads up to 15 bytes past the input

/** The records of one scanned document: `count` elements, REC int32 each, from `recs[0]`. */
export interface ScannedElements {
  readonly recs: Int32Array;
  readonly count: number;
}

/** The WebAssembly scanner. */
export interface WasmScanner {
  /** The elements of `bytes`, or undefined when scan.c declines (malformed or unusual input: use the tokenizer). */
  scan(bytes: Uint8Array): ScannedElements | undefined;
}

class WasmScan implements WasmScanner {
  private readonly memory: WasmMemory;
  private readonly fn: ScanExports;
  private readonly base: number;
  private recCap = 0;
  private inCap = 0;
  private heap: Uint8Array;
  private recs: Int32Array;

  constructor() {
    ({ exports: this.fn, memory: this.memory, heapBase: this.base } = instantiateWasm<ScanExports>(compileEmbeddedWasm(SCAN_WASM_BASE64), 2));
    this.heap = new Uint8Array(this.memory.buffer);
    this.recs = new Int32Array(this.memory.buffer);
    this.fit(4096, 64 * 1024);
  }

  private get inPtr(): number {
    return this.base + this.recCap * REC * 4;
  }

  /** Makes room for `recCap` records and `inCap` input bytes; regions only grow. */
  private fit(recCap: number, inCap: number): void {
    if (recCap <= this.recCap && inCap <= this.inCap) return;
    this.recCap = Math.max(recCap, this.recCap);
    this.inCap = Math.max(inCap, this.inCap);
    const need = this.inPtr + this.inCap + PAD - this.memory.buffer.byteLength;
    if (need > 0) this.memory.grow(Math.ceil(need / PAGE));
    this.heap = new Uint8Array(this.memory.buffer);
    this.recs = new Int32Array(this.memory.buffer);
  }

  scan(bytes: Uint8Array): ScannedElements | undefined {
    const n = bytes.length;
    if (n > this.inCap) this.fit(this.recCap, n + (n >>> 2));
    for (;;) {
      this.heap.set(bytes, this.inPtr);
      const count = this.fn.scan(this.inPtr, n, this.base, this.recCap);
      if (count >= 0) return { recs: this.recs.subarray(this.base >>> 2), count };
      if (count !== FULL) return undefined;
      this.fit(this.recCap * 4, this.inCap); // moves the input region: copy again
    }
  }
}

let loaded: WasmScan | null | undefined;

/**
 * The WebAssembly scanner, instantiated on first use; undefined where WebAssembly is missing
 * or refuses the module (callers then use the JavaScript tokenizer).
 */
export function wasmScanner(): WasmScanner | undefined {
  if (loaded === undefined) {
    try {
      loaded = new WasmScan();
    } catch {
      // Not an error to report: the tokenizer gives the same result, only slower.
      loaded = null;
    }
  }
  return loaded ?? undefined;
}
