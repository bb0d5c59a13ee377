import { ProcessingError } from "@emflow/core";
import { HeapScratch, PFFFT_COMPLEX, PFFFT_REAL, type PffftModule } from "./pffft.js";
import { isGoodComplexSize, isGoodRealSize } from "./sizes.js";

/** One PFFFT instance with cached setups and scratch memory (one per thread). */
export class FftCore {
  readonly scratch: HeapScratch;
  private readonly setups = new Map<string, number>();

  constructor(readonly mod: PffftModule) {
    this.scratch = new HeapScratch(mod);
  }

  /** True when the SIMD build is in use. */
  get simd(): boolean {
    return this.mod._pffft_simd_size() > 1;
  }

  /** The PFFFT setup for `n` points; throws ProcessingError for sizes PFFFT cannot do. */
  setup(n: number, kind: "real" | "complex"): number {
    const key = `${kind}${n}`;
    const cached = this.setups.get(key);
    if (cached !== undefined) return cached;
    const ok = kind === "real" ? isGoodRealSize(n) : isGoodComplexSize(n);
    if (!ok) {
      const rule = kind === "real" ? "a multiple of 32" : "a multiple of 16";
      throw new ProcessingError(`FFT size ${n} is not supported for ${kind} data: it must be ${rule} with prime factors 2, 3 and 5 only`);
    }
    const setup = this.mod._pffft_new_setup(n, kind === "real" ? PFFFT_REAL : PFFFT_COMPLEX);
    if (setup === 0) throw new ProcessingError(`PFFFT refused size ${n} (${kind})`);
    this.setups.set(key, setup);
    return setup;
  }

  /** Current heap as float32 (re-read after any allocation). */
  get f32(): Float32Array {
    return this.mod.HEAPF32;
  }

  /** Current heap as float64, for moving complex pairs as one value (finite data keeps its bits). */
  get f64(): Float64Array {
    const heap = this.mod.HEAPF32;
    return new Float64Array(heap.buffer, heap.byteOffset, heap.byteLength >> 3);
  }
}
