export * from "./movie.js";
