/**
 * Worker thread body for LzwThread: decodes a page's LZW chunks into one
 * buffer and posts it back (transferred). Errors go back as messages.
 */
import { parentPort } from "node:worker_threads";
import { lzwDecode } from "./lzw.js";
import type { LzwReply, LzwRequest } from "./lzw-thread.js";

parentPort?.on("message", (req: LzwRequest) => {
  const total = req.sizes.reduce((a, b) => a + b, 0);
  const buf = req.recycle !== undefined && req.recycle.byteLength >= total ? new Uint8Array(req.recycle) : new Uint8Array(total);
  const lengths: number[] = [];
  try {
    let at = 0;
    for (let i = 0; i < req.chunks.length; i++) {
      lengths.push(lzwDecode(req.chunks[i]!, buf.subarray(at, at + req.sizes[i]!)));
      at += req.sizes[i]!;
    }
    parentPort!.postMessage({ id: req.id, buffer: buf.buffer, lengths } satisfies LzwReply, [buf.buffer]);
  } catch (err) {
    parentPort!.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err), chunk: lengths.length } satisfies LzwReply);
  }
});
