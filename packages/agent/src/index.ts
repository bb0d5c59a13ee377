export * from "./fs-source.js";
export * from "./scan.js";
export * from "./discover.js";
export * from "./directory-parse.js";
export * from "./session/pipeline.js";
export * from "./session/translate.js";
export * from "./session/entity-state.js";
export * from "./session/park.js";
