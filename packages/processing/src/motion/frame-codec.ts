import { FRAME_CODEC_WASM_BASE64 } from "./wasm/frame-codec-wasm.js";

// The lib settings (ES2023, Node types) do not declare WebAssembly; these are the parts we use.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
interface CodecExports {
  to_u8(src: number, dst: number, n: number): number;
  to_u16(src: number, dst: number, n: number): number;
  __heap_base: { value: number };
}

const PAGE = 65536;

/** wasm/frame-codec.c with a memory that holds one float frame and its narrowed copy. */
class FrameCodec {
  private readonly memory: WasmMemory;
  private readonly fn: CodecExports;
  private readonly base: number;

  constructor() {
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    this.memory = new wasm.Memory({ initial: 32, maximum: 65536 });
    const instance = new wasm.Instance(new wasm.Module(Buffer.from(FRAME_CODEC_WASM_BASE64, "base64")), { env: { memory: this.memory } });
    this.fn = instance.exports as unknown as CodecExports;
    this.base = Math.ceil(Number(this.fn.__heap_base.value) / 64) * 64;
  }

  /** The narrowest exact integer copy of `frame` (Uint16 only when `wide`), or undefined. */
  narrow(frame: Float32Array, wide: boolean): Uint8Array | Uint16Array | undefined {
    const n = frame.length;
    const bulk = n - (n % 16);
    const src = this.base;
    const dst = src + 4 * n;
    const need = dst + 2 * n - this.memory.buffer.byteLength;
    if (need > 0) this.memory.grow(Math.ceil(need / PAGE));
    new Float32Array(this.memory.buffer, src, n).set(frame);
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
}

/** Narrow the last values (past the SIMD bulk) in JavaScript; false when one does not fit. */
function tail(frame: Float32Array, out: Uint8Array | Uint16Array, from: number, max: number): boolean {
  for (let k = from; k < frame.length; k++) {
    const v = frame[k]!;
    if (!(Number.isInteger(v) && v >= 0 && v <= max)) return false;
    out[k] = v;
  }
  return true;
}

let codec: FrameCodec | undefined;

/**
 * The narrowest exact integer copy of a float frame: Uint8Array when every value is an integer in
 * 0–255, else (when `wide`) Uint16Array for 0–65535, else undefined.
 */
export function narrowFrame(frame: Float32Array, wide: boolean): Uint8Array | Uint16Array | undefined {
  codec ??= new FrameCodec();
  return codec.narrow(frame, wide);
}
