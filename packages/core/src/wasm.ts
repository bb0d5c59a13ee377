/**
 * Loading the small WebAssembly modules emflow embeds as base64 (the XML scanner, the TIFF
 * LZW decoder, the image kernels, the frame codec): one place that knows the parts of the
 * WebAssembly API we use (the ES2023 lib settings do not declare it) and how to instantiate a
 * module on its own memory.
 */

/** A WebAssembly memory: its buffer (replaced when it grows) and `grow` in 64 KiB pages. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** A compiled module, reusable for several instances. */
export type WasmModule = object;

interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
}

/** Bytes per WebAssembly memory page. */
export const WASM_PAGE = 65536;

function api(): WasmApi {
  const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) throw new Error("WebAssembly is not available");
  return wasm;
}

/** Compile a module embedded as base64. Throws where WebAssembly is missing or refuses it. */
export function compileEmbeddedWasm(base64: string): WasmModule {
  return new (api().Module)(Buffer.from(base64, "base64"));
}

/**
 * Instantiate `module` on a fresh memory of `initialPages` (importing it as `env.memory`);
 * `heapBase` is the module's `__heap_base` rounded up to 64 bytes: where free memory starts.
 */
export function instantiateWasm<E>(module: WasmModule, initialPages: number): { exports: E; memory: WasmMemory; heapBase: number } {
  const wasm = api();
  const memory = new wasm.Memory({ initial: initialPages, maximum: 65536 });
  const exports = new wasm.Instance(module, { env: { memory } }).exports as E & { __heap_base?: { value: number } };
  const heapBase = Math.ceil(Number(exports.__heap_base?.value ?? 0) / 64) * 64;
  return { exports, memory, heapBase };
}
