import { compileEmbeddedWasm, instantiateWasm, WASM_PAGE as PAGE, type WasmMemory, type WasmModule } from "@emflow/core";
import { FRAME_CODEC_WASM_BASE64 } from "./wasm/frame-codec-wasm.js";

interface CodecExports {
  to_u8(src: number, dst: number, n: number): number;
  to_u16(src: number, dst: number, n: number): number;
  to_u8_trusted(src: number, dst: number, n: number): void;
  mul_inplace(a: number, b: number, n: number): void;
  bin_image(src: number, width: number, factor: number, outW: number, outH: number, x0: number, y0: number, out: number, tmp: number): void;
  add_inplace(acc: number, a: number, n: number): void;
  u8_to_f32(src: number, dst: number, n: number): void;
  accumulate_f32(frame: number, acc: number, width: number, height: number, tile: number, shifts: number): void;
}

let compiled: WasmModule | undefined;
const pool: FrameCodec[] = [];

/**
 * wasm/frame-codec.c with its own memory, laid out as: one float frame (both passes read frames
 * straight into it), its narrowed copy, the gain, the binned frame, the aligned sum and dose group,
 * and the per-tile shifts. Sized once per run (`layout`), so views stay valid through the run. One run owns one
 * codec at a time (`acquireCodec` … `release`), so interleaved runs never share the frame slot.
 */
export class FrameCodec {
  private readonly memory: WasmMemory;
  private readonly fn: CodecExports;
  private readonly base: number;
  private n = 0;
  private binCount = 0;
  private binTmp = 0;
  private tiles = 0;

  constructor() {
    compiled ??= compileEmbeddedWasm(FRAME_CODEC_WASM_BASE64);
    ({ exports: this.fn, memory: this.memory, heapBase: this.base } = instantiateWasm<CodecExports>(compiled, 32));
  }

  /**
   * Size the memory for frames of `n` values, binned frames of `binCount` (+ `binTmp` scratch),
   * and aligned sums with shifts for `tiles` tiles.
   */
  layout(n: number, binCount = 0, binTmp = 0, tiles = 0): void {
    this.n = n;
    this.binCount = binCount;
    this.binTmp = binTmp;
    this.tiles = tiles;
    const end = this.shiftsPtr + 16 * tiles;
    const need = end - this.memory.buffer.byteLength;
    if (need > 0) this.memory.grow(Math.ceil(need / PAGE));
  }

  private get framePtr(): number {
    return this.base;
  }
  private get narrowPtr(): number {
    return align(this.framePtr + 4 * this.n);
  }
  private get gainPtr(): number {
    return align(this.narrowPtr + 2 * this.n);
  }
  private get binPtr(): number {
    return align(this.gainPtr + 4 * this.n);
  }
  private get binTmpPtr(): number {
    return align(this.binPtr + 4 * this.binCount);
  }
  private get sumPtr(): number {
    return align(this.binTmpPtr + 4 * this.binTmp);
  }
  private get groupPtr(): number {
    return align(this.sumPtr + 4 * this.n);
  }
  private get shiftsPtr(): number {
    return align(this.groupPtr + 4 * this.n);
  }

  /** Per-tile shifts (dx, dy) for the next `accumulate` (see accumulate.ts). */
  shifts(): Float64Array {
    return new Float64Array(this.memory.buffer, this.shiftsPtr, 2 * this.tiles);
  }

  /** The running sum of dose groups, and the current group. */
  sum(): Float32Array {
    return new Float32Array(this.memory.buffer, this.sumPtr, this.n);
  }
  group(): Float32Array {
    return new Float32Array(this.memory.buffer, this.groupPtr, this.n);
  }

  /** sum += group */
  addGroupToSum(): void {
    this.fn.add_inplace(this.sumPtr, this.groupPtr, this.n);
  }

  /**
   * Add a frame, shifted back by `shifts()`, to the group (into the sum instead when `intoSum`):
   * `kept` from the frame cache, or the frame slot when undefined.
   */
  accumulate(kept: Uint8Array | Uint16Array | Float32Array | undefined, gain: boolean, width: number, height: number, tile: number, intoSum: boolean): void {
    const acc = intoSum ? this.sumPtr : this.groupPtr;
    if (kept instanceof Uint8Array) {
      const bulk = this.n - (this.n % 16);
      new Uint8Array(this.memory.buffer, this.narrowPtr, this.n).set(kept);
      this.fn.u8_to_f32(this.narrowPtr, this.framePtr, bulk);
      const frame = this.frame();
      for (let k = bulk; k < this.n; k++) frame[k] = kept[k]!;
    } else if (kept !== undefined) {
      this.frame().set(kept);
    }
    if (gain) this.fn.mul_inplace(this.framePtr, this.gainPtr, this.n);
    this.fn.accumulate_f32(this.framePtr, acc, width, height, tile, this.shiftsPtr);
  }

  /** The frame slot (valid while this codec is held: its memory only grows in `layout`). */
  frame(): Float32Array {
    return new Float32Array(this.memory.buffer, this.framePtr, this.n);
  }

  setGain(gain: Float32Array): void {
    new Float32Array(this.memory.buffer, this.gainPtr, this.n).set(gain);
  }

  /** Bin the frame slot (see image/wasm/kernels.c bin_image); returns a copy. */
  bin(width: number, factor: number, outW: number, outH: number, x0: number, y0: number): Float32Array {
    this.fn.bin_image(this.framePtr, width, factor, outW, outH, x0, y0, this.binPtr, this.binTmpPtr);
    return new Float32Array(this.memory.buffer, this.binPtr, outW * outH).slice();
  }

  /**
   * Prepare the frame slot for alignment in bands of rows that stay in the CPU cache, so the
   * 64 MB frame streams from memory once: narrow each band to bytes (for the frame cache), apply
   * the gain, bin it (see `bin`). Returns the binned frame and, when `narrow` is set and every
   * value is an integer in 0–255, the raw frame as bytes. `narrow: "trusted"` skips the check, for
   * sources that store bytes (it halves the cost).
   */
  prepare(width: number, height: number, factor: number, outW: number, outH: number, x0: number, y0: number, gain: boolean, narrow: boolean | "trusted"): { binned: Float32Array; bytes: Uint8Array | undefined } {
    let ok = narrow !== false;
    const rows = (r0: number, r1: number): void => {
      if (ok && r1 > r0) ok = this.narrowRange(r0 * width, r1 * width, narrow === "trusted");
    };
    rows(0, y0);
    const band = Math.max(1, Math.floor(64 / factor));
    for (let b0 = 0; b0 < outH; b0 += band) {
      const b1 = Math.min(outH, b0 + band);
      const r0 = y0 + b0 * factor;
      const r1 = y0 + b1 * factor;
      rows(r0, r1);
      if (gain) this.fn.mul_inplace(this.framePtr + 4 * r0 * width, this.gainPtr + 4 * r0 * width, (r1 - r0) * width);
      this.fn.bin_image(this.framePtr, width, factor, outW, b1 - b0, x0, r0, this.binPtr + 4 * b0 * outW, this.binTmpPtr);
    }
    rows(y0 + outH * factor, height);
    const binned = new Float32Array(this.memory.buffer, this.binPtr, outW * outH).slice();
    if (!ok) return { binned, bytes: undefined };
    const bytes = new Uint8Array(this.n);
    bytes.set(new Uint8Array(this.memory.buffer, this.narrowPtr, this.n));
    return { binned, bytes };
  }

  /** Narrow frame values [a, b) to bytes at the same offsets of the narrowed copy; false if one does not fit. */
  private narrowRange(a: number, b: number, trusted: boolean): boolean {
    const bulk = (b - a) - ((b - a) % 16);
    if (trusted) this.fn.to_u8_trusted(this.framePtr + 4 * a, this.narrowPtr + a, bulk);
    else if (this.fn.to_u8(this.framePtr + 4 * a, this.narrowPtr + a, bulk) !== 1) return false;
    const frame = new Float32Array(this.memory.buffer, this.framePtr + 4 * (a + bulk), b - a - bulk);
    const out = new Uint8Array(this.memory.buffer, this.narrowPtr + a + bulk, b - a - bulk);
    return tail(frame, out, 0, 255);
  }

  /**
   * The narrowest exact integer copy of `frame` (Uint16 only when `wide`), or undefined. The frame
   * slot itself is narrowed where it lies; any other array is copied into the slot first.
   */
  narrow(frame: Float32Array, wide: boolean): Uint8Array | Uint16Array | undefined {
    const n = frame.length;
    if (frame.buffer !== this.memory.buffer || frame.byteOffset !== this.framePtr) {
      if (n > this.n) this.layout(n, this.binCount, this.binTmp, this.tiles);
      new Float32Array(this.memory.buffer, this.framePtr, n).set(frame);
    }
    const bulk = n - (n % 16);
    const src = this.framePtr;
    const dst = this.narrowPtr;
    if (this.fn.to_u8(src, dst, bulk) === 1) {
      const out = new Uint8Array(n);
      out.set(new Uint8Array(this.memory.buffer, dst, bulk));
      if (tail(frame, out, bulk, 255)) return out;
    }
    if (!wide || this.fn.to_u16(src, dst, bulk) !== 1) return undefined;
    const out = new Uint16Array(n);
    out.set(new Uint16Array(this.memory.buffer, dst, bulk));
    return tail(frame, out, bulk, 65535) ? out : undefined;
  }

  /** Give the codec back for another run (its memory is kept for reuse). */
  release(): void {
    pool.push(this);
  }
}

const align = (p: number): number => Math.ceil(p / 64) * 64;

/** Narrow the last values (past the SIMD bulk) in JavaScript; false when one does not fit. */
function tail(frame: Float32Array, out: Uint8Array | Uint16Array, from: number, max: number): boolean {
  for (let k = from; k < frame.length; k++) {
    const v = frame[k]!;
    if (!(Number.isInteger(v) && v >= 0 && v <= max)) return false;
    out[k] = v;
  }
  return true;
}

/** A codec for one run (call `release()` when done). */
export function acquireCodec(): FrameCodec {
  return pool.pop() ?? new FrameCodec();
}
