export * from "./sse-parser.js";
export * from "./ledger.js";
export * from "./file-handler.js";
export * from "./listener.js";
