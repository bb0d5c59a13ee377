/**
 * Typed access to PFFFT compiled to WebAssembly (@echogarden/pffft-wasm). The SIMD build is
 * preferred; the scalar build is the fallback when the engine cannot instantiate SIMD code.
 */

/** The parts of the emscripten module we use. Pointers are byte offsets into the WASM heap. */
export interface PffftModule {
  /** View of the heap; replaced whenever the heap grows, so re-read it after every allocation. */
  readonly HEAPF32: Float32Array;
  _pffft_new_setup(n: number, transform: number): number;
  _pffft_destroy_setup(setup: number): void;
  _pffft_transform_ordered(setup: number, input: number, output: number, work: number, direction: number): void;
  _pffft_aligned_malloc(bytes: number): number;
  _pffft_aligned_free(ptr: number): void;
  _pffft_simd_size(): number;
}

export const PFFFT_FORWARD = 0;
export const PFFFT_BACKWARD = 1;
export const PFFFT_REAL = 0;
export const PFFFT_COMPLEX = 1;

const REQUIRED = [
  "_pffft_new_setup",
  "_pffft_destroy_setup",
  "_pffft_transform_ordered",
  "_pffft_aligned_malloc",
  "_pffft_aligned_free",
  "_pffft_simd_size",
] as const;

function asModule(value: unknown): PffftModule {
  if (typeof value !== "object" || value === null) throw new Error("pffft-wasm did not return a module");
  const record = value as Record<string, unknown>;
  for (const name of REQUIRED) {
    if (typeof record[name] !== "function") throw new Error(`pffft-wasm module lacks ${name}`);
  }
  return value as PffftModule;
}

let loading: Promise<PffftModule> | undefined;

/** Instantiate PFFFT once per thread (SIMD build first, scalar build if SIMD fails). */
export function loadPffftModule(): Promise<PffftModule> {
  loading ??= (async () => {
    try {
      const simd = await import("@echogarden/pffft-wasm/simd");
      return asModule(await simd.default());
    } catch {
      const scalar = await import("@echogarden/pffft-wasm");
      return asModule(await scalar.default());
    }
  })();
  return loading;
}

/**
 * Grow-only scratch regions in the WASM heap, one per slot, so repeated transforms of the same
 * size never allocate. Always take `mod.HEAPF32` after `get`, since growing the heap replaces it.
 */
export class HeapScratch {
  private readonly slots = new Map<string, { ptr: number; bytes: number }>();
  constructor(private readonly mod: PffftModule) {}

  /** Byte pointer to at least `floats` 16-byte-aligned floats in slot `name`. */
  get(name: string, floats: number): number {
    const bytes = Math.max(64, floats * 4);
    const slot = this.slots.get(name);
    if (slot !== undefined && slot.bytes >= bytes) return slot.ptr;
    if (slot !== undefined) this.mod._pffft_aligned_free(slot.ptr);
    const ptr = this.mod._pffft_aligned_malloc(bytes);
    if (ptr === 0) throw new RangeError(`WASM heap exhausted allocating ${bytes} bytes`);
    this.slots.set(name, { ptr, bytes });
    return ptr;
  }
}
