export {};
export * from "./fft/index.js";
