/**
 * Read-speed measurements (not assertions): skipped unless EMFLOW_BENCH=1.
 *   EMFLOW_BENCH=1 npx vitest run packages/formats/src/testing/read-speed
 * Writes 4096 × 4096 × 40 counting movies (uint8 MRC mode 0 and TIFF none/LZW/deflate)
 * and an EER movie into the temp directory, reads each twice (the second from the
 * page cache) and prints the times.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { openEer } from "../eer/read.js";
import { writeMrc } from "../mrc/write.js";
import { openMovie } from "../open-movie.js";
import { writeTiffMovie } from "../tiff/write.js";
import { rasterFraction, writeEerFile } from "./eer-encoder.js";

const tmp = mkdtempSync(join(tmpdir(), "emflow-speed-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function* countingFrames(w: number, h: number, n: number): Generator<Uint8Array> {
  let s = 12345;
  for (let k = 0; k < n; k++) {
    const f = new Uint8Array(w * h);
    for (let i = 0; i < f.length; i++) {
      // xorshift32; about 1 count per pixel: 0, 1, 2 or 3 (a crude Poisson).
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      const r = s >>> 24;
      f[i] = r < 94 ? 0 : r < 188 ? 1 : r < 235 ? 2 : 3;
    }
    yield f;
  }
}

interface Timed {
  readonly width: number;
  readonly height: number;
  readonly frameCount: number;
  frames(): AsyncIterable<Float32Array>;
  readFrameInto(index: number, out: Float32Array): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Reads every frame through frames() (a new array each) and through readFrameInto (one reused array). */
async function time(label: string, path: string, open: () => Promise<Timed>) {
  const mb = statSync(path).size / 2 ** 20;
  for (const how of ["frames()", "readFrameInto"]) {
    const t = performance.now();
    const cpu = process.cpuUsage();
    const r = await open();
    if (how === "frames()") for await (const _ of r.frames());
    else {
      const out = new Float32Array(r.width * r.height);
      for (let i = 0; i < r.frameCount; i++) await r.readFrameInto(i, out);
    }
    await r.close();
    const used = process.cpuUsage(cpu);
    const s = (performance.now() - t) / 1000;
    process.stderr.write(
      `${label.padEnd(30)} ${how.padEnd(13)} ${r.frameCount} frames  wall ${s.toFixed(2)} s  cpu ${((used.user + used.system) / 1e6).toFixed(2)} s` +
        `  (${mb.toFixed(0)} MB file, load ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores)\n`,
    );
  }
}

describe.runIf(process.env["EMFLOW_BENCH"] === "1")("read speed, 4096 × 4096 × 40 uint8", () => {
  const [w, h, n] = [4096, 4096, 40];
  it("MRC mode 0 and TIFF none / LZW / deflate", async () => {
    const mrc = join(tmp, "movie.mrcs");
    await writeMrc(mrc, { width: w, height: h, mode: 0 }, countingFrames(w, h, n));
    await time("MRC mode 0", mrc, () => openMovie(mrc));
    rmSync(mrc);
    for (const compression of ["none", "lzw", "deflate"] as const) {
      const tif = join(tmp, `movie-${compression}.tif`);
      const t = performance.now();
      await writeTiffMovie(tif, { width: w, height: h, sampleType: "uint8", compression }, countingFrames(w, h, n));
      process.stderr.write(`write TIFF ${compression}: ${((performance.now() - t) / 1000).toFixed(2)} s (incl. generating frames)\n`);
      await time(`TIFF uint8 ${compression}`, tif, () => openMovie(tif));
      rmSync(tif);
    }
  }, 600_000);

  it("K3-sized LZW TIFF (5760 × 4092 × 40)", async () => {
    const tif = join(tmp, "k3.tif");
    await writeTiffMovie(tif, { width: 5760, height: 4092, sampleType: "uint8", compression: "lzw" }, countingFrames(5760, 4092, n));
    await time("TIFF uint8 LZW 5760 × 4092", tif, () => openMovie(tif));
    rmSync(tif);
  }, 600_000);

  it("EER 4096² × 400 fractions at 0.025 e/px/fraction, grouped by 10, 4k and 8k", async () => {
    const eer = join(tmp, "movie.eer");
    function* fractions() {
      for (let i = 0; i < 400; i++) yield rasterFraction(4096, 4096, 0.025, i + 1);
    }
    await writeEerFile(eer, { width: 4096, height: 4096, compression: 65001, fractions: fractions() });
    await time("EER 400 fractions / 10, 4k", eer, () => openEer(eer, { grouping: 10 }));
    await time("EER 400 fractions / 10, 8k", eer, () => openEer(eer, { grouping: 10, upsampling: 2 }));
  }, 600_000);
});
