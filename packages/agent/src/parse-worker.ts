/**
 * Worker thread body for ParsePool: reads and parses a chunk of EPU files and
 * posts back plain results (errors as data, since Error classes do not survive
 * structured cloning).
 */
import { closeSync, openSync, readSync } from "node:fs";
import path from "node:path";
import { parentPort } from "node:worker_threads";
import type { ChunkRequest, ChunkResult } from "./parse-pool.js";
import { readAndParse } from "./session/read-parse.js";

// One buffer reused for every file: open/read/close into it costs about half of readFileSync
// (no fstat, no fresh allocation). Parsers copy what they keep out of it.
let buffer = Buffer.allocUnsafe(1 << 20);

/** The bytes of `file`, valid until the next call. */
function readBytes(file: string): Uint8Array {
  const fd = openSync(file, "r");
  try {
    let n = 0;
    for (;;) {
      const got = readSync(fd, buffer, n, buffer.length - n, n);
      n += got;
      // A regular file reads short only at its end.
      if (n < buffer.length) return buffer.subarray(0, n);
      const bigger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(bigger);
      buffer = bigger;
    }
  } finally {
    closeSync(fd);
  }
}

parentPort?.on("message", async (req: ChunkRequest) => {
  const results: ChunkResult["results"] = [];
  for (let j = 0; j < req.rels.length; j++) {
    const rel = req.rels[j]!;
    const r = await readAndParse(rel, (f) => readBytes(path.join(req.dir, f)));
    const extras = req.extras?.[j];
    // Here the record is fresh and cheap to extend; on the main thread, after cloning, it is not.
    if (extras !== undefined && !("_tag" in r) && r.kind === "micrograph") Object.assign(r.micrograph, extras);
    results.push("_tag" in r ? { ok: false, tag: r._tag, message: r.message, file: r.file, line: r.line } : { ok: true, parsed: r });
  }
  parentPort!.postMessage({ id: req.id, results } satisfies ChunkResult);
});
