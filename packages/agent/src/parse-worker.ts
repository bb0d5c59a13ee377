/**
 * Worker thread body for ParsePool: reads and parses a chunk of EPU files and
 * posts back plain results (errors as data, since Error classes do not survive
 * structured cloning).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parentPort } from "node:worker_threads";
import type { ChunkRequest, ChunkResult } from "./parse-pool.js";
import { readAndParse } from "./session/read-parse.js";

parentPort?.on("message", async (req: ChunkRequest) => {
  const results: ChunkResult["results"] = [];
  for (const rel of req.rels) {
    const r = await readAndParse(rel, (f) => readFileSync(path.join(req.dir, f)));
    results.push("_tag" in r ? { ok: false, tag: r._tag, message: r.message, file: r.file, line: r.line } : { ok: true, parsed: r });
  }
  parentPort!.postMessage({ id: req.id, results } satisfies ChunkResult);
});
