export {};
export * from "./fft/index.js";
export * from "./image/index.js";
export * from "./simulate/index.js";
export * from "./synth-movie/write.js";
export * from "./external/index.js"; export * from "./relion/index.js";
export * from "./motion/index.js";
export * from "./ctf/index.js";
export * from "./pick/index.js";
