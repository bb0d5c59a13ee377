// The package ships emscripten ES modules without types; these are the factories it exports.
declare module "@echogarden/pffft-wasm/simd" {
  const factory: (moduleArg?: Record<string, unknown>) => Promise<unknown>;
  export default factory;
}
declare module "@echogarden/pffft-wasm" {
  const factory: (moduleArg?: Record<string, unknown>) => Promise<unknown>;
  export default factory;
}
