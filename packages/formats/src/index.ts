export * from "./movie.js";
export * from "./star/index.js";
