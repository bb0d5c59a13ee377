/**
 * Worker thread body for ParsePool: reads and parses a chunk of EPU files and
 * posts back plain results (errors as data, since Error classes do not survive
 * structured cloning).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parentPort } from "node:worker_threads";
import { isEmflowError, parseEpuFile } from "@emflow/core";
import type { ChunkRequest, ChunkResult } from "./parse-pool.js";

parentPort?.on("message", (req: ChunkRequest) => {
  const results: ChunkResult["results"] = req.rels.map((rel) => {
    try {
      return { ok: true, parsed: parseEpuFile(rel, readFileSync(path.join(req.dir, rel), "utf8")) };
    } catch (err) {
      if (isEmflowError(err)) return { ok: false, tag: err._tag, message: err.message, file: err.file, line: err.line };
      return { ok: false, tag: "EpuFormatError", message: `${rel}: cannot read: ${(err as Error).message}`, file: rel, line: undefined };
    }
  });
  parentPort!.postMessage({ id: req.id, results } satisfies ChunkResult);
});
