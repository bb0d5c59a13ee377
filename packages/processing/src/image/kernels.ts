import { compileEmbeddedWasm, instantiateWasm, WASM_PAGE as PAGE, type WasmMemory } from "@emflow/core";
import { KERNELS_WASM_BASE64 } from "./wasm/kernels-wasm.js";


/** Exports of wasm/kernels.c (pointers are byte offsets into the kernels' memory). */
interface KernelExports {
  mul_inplace(a: number, b: number, n: number): void;
  add_inplace(acc: number, a: number, n: number): void;
  bin_image(src: number, width: number, factor: number, outW: number, outH: number, x0: number, y0: number, out: number, tmp: number): void;
  accumulate_bilinear(frame: number, acc: number, width: number, height: number, tile: number, shifts: number): void;
  ramp_accumulate(spec: number, h: number, nkx: number, ch: number, ex: number, ey: number, sum: number): void;
  cc_product(spec: number, h: number, nkx: number, ch: number, ex: number, ey: number, gx: number, gy: number, sum: number, out: number): void;
  warp_quadratic(src: number, srcW: number, srcH: number, offset: number, out: number, width: number, height: number, coefficients: number, segment: number): void;
}


/**
 * The WebAssembly SIMD kernels (image/wasm/kernels.c) with their memory. Work happens in arenas:
 * each run takes one, so interleaved async runs never share buffers, and gives it back when done;
 * freed arenas are reused (WebAssembly memory never shrinks).
 */
class KernelModule {
  readonly memory: WasmMemory;
  readonly fn: KernelExports;
  private top: number;
  private readonly pool: Arena[] = [];

  constructor() {
    ({ exports: this.fn, memory: this.memory, heapBase: this.top } = instantiateWasm<KernelExports>(compileEmbeddedWasm(KERNELS_WASM_BASE64), 32));
  }

  /** `bytes` of fresh memory (64-byte aligned), growing the memory when needed. */
  allocate(bytes: number): number {
    const ptr = this.top;
    this.top = Math.ceil((ptr + bytes) / 64) * 64;
    const need = this.top - this.memory.buffer.byteLength;
    if (need > 0) this.memory.grow(Math.ceil(need / PAGE));
    return ptr;
  }

  acquire(): Arena {
    return this.pool.pop() ?? new Arena(this);
  }

  release(arena: Arena): void {
    this.pool.push(arena);
  }
}

/** Named, grow-only buffers in the kernels' memory, owned by one run at a time. */
export class Arena {
  private readonly slots = new Map<string, { ptr: number; bytes: number }>();
  constructor(private readonly module: KernelModule) {}

  get fn(): KernelExports {
    return this.module.fn;
  }

  /** Byte pointer to at least `bytes` bytes in slot `name` (contents kept only while it fits). */
  buffer(name: string, bytes: number): number {
    const slot = this.slots.get(name);
    if (slot !== undefined && slot.bytes >= bytes) return slot.ptr;
    const ptr = this.module.allocate(bytes);
    this.slots.set(name, { ptr, bytes });
    return ptr;
  }

  /** A float32 view of `count` floats at `ptr` (valid until the memory next grows). */
  f32(ptr: number, count: number): Float32Array {
    return new Float32Array(this.module.memory.buffer, ptr, count);
  }

  /** A float64 view of `count` doubles at `ptr` (valid until the memory next grows). */
  f64(ptr: number, count: number): Float64Array {
    return new Float64Array(this.module.memory.buffer, ptr, count);
  }

  release(): void {
    this.module.release(this);
  }
}

let loaded: KernelModule | undefined;

/** An arena of the SIMD kernels (module instantiated on first use); call `release()` when done. */
export function kernelArena(): Arena {
  loaded ??= new KernelModule();
  return loaded.acquire();
}
