import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openMovie } from "../open-movie.js";
import { writeMrc } from "./write.js";

const tmp = mkdtempSync(join(tmpdir(), "emflow-mrc-memory-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("streaming keeps memory flat", () => {
  it("writes and reads a 1024 × 1024 × 60 float32 movie (252 MB) with RSS growth far below the file size", async () => {
    const path = join(tmp, "big.mrcs");
    const [w, h, n] = [1024, 1024, 60];
    const base = process.memoryUsage().rss;
    let peak = base;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage().rss);
    };
    function* frames() {
      const f = new Float32Array(w * h);
      for (let k = 0; k < n; k++) {
        f.fill(k);
        f[k] = -1;
        sample();
        yield f; // the same array every time: the writer must not keep it
      }
    }
    const written = await writeMrc(path, { width: w, height: h, mode: 2, pixelSizeA: 1 }, frames());
    expect(statSync(path).size).toBe(1024 + n * w * h * 4);
    expect(written.dmin).toBe(-1);
    expect(written.dmax).toBe(n - 1);

    const reader = await openMovie(path);
    let i = 0;
    for await (const f of reader.frames()) {
      sample();
      // Check a value per frame so the reads are real.
      expect(f[i === 0 ? 1 : 0]).toBe(i);
      expect(f[i]).toBe(-1);
      i++;
    }
    await reader.close();
    expect(i).toBe(n);
    const growthMb = (peak - base) / 2 ** 20;
    // The file is 252 MB; a streaming reader and writer hold a few 4 MB frames (plus garbage not yet collected).
    expect(growthMb).toBeLessThan(150);
  }, 30_000);
});
