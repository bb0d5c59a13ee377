import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isEmflowError } from "@emflow/core";
import { afterAll, describe, expect, it } from "vitest";
import { detectMovieFormat, openMovie } from "./open-movie.js";
import { randomFractions, writeEerFile } from "./testing/eer-encoder.js";
import { expected, fixture, sum } from "./testing/fixtures.js";

const tmp = mkdtempSync(join(tmpdir(), "emflow-open-movie-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("openMovie", () => {
  it("picks the reader from the content, whatever the extension", async () => {
    const eer = join(tmp, "movie.eer");
    await writeEerFile(eer, { width: 16, height: 8, compression: 65001, fractions: randomFractions(16, 8, 4, 0.2, 9) });
    const odd = [
      [fixture("mode2.mrcs"), "odd-name.bin", "mrc"],
      [fixture("libtiff-uint16-lzw.tif"), "odd-name.dat", "tiff"],
      [eer, "odd-name.tif", "eer"],
    ] as const;
    for (const [src, name, format] of odd) {
      const path = join(tmp, name);
      copyFileSync(src, path);
      expect(await detectMovieFormat(path)).toBe(format);
      const r = await openMovie(path, { grouping: 2 });
      expect(r.format).toBe(format);
      await r.close();
    }
    const r = await openMovie(fixture("mode2.mrcs"));
    expect(sum(await r.readFrame(3))).toBeCloseTo(expected("mode2.mrcs").frameSums[3]!, 3);
    await r.close();
    const e = await openMovie(eer, { grouping: 2, upsampling: 2 });
    expect([e.width, e.height, e.frameCount]).toEqual([32, 16, 2]);
    await e.close();
  });

  it("falls back to the extension for an MRC without the 'MAP ' tag (pre-2000 writers)", async () => {
    const bytes = Buffer.from(await import("node:fs/promises").then((fs) => fs.readFile(fixture("single.mrc"))));
    bytes.fill(0, 208, 212);
    const path = join(tmp, "old.mrc");
    writeFileSync(path, bytes);
    const r = await openMovie(path);
    expect(r.format).toBe("mrc");
    await r.close();
    writeFileSync(join(tmp, "old.bin"), bytes);
    const err = await openMovie(join(tmp, "old.bin")).catch((x: unknown) => x);
    expect(isEmflowError(err, "FormatError") && err.message).toMatch(/^not a movie format emflow reads/);
  });

  it("an empty file is a FormatError with the file", async () => {
    const path = join(tmp, "empty.mrc");
    writeFileSync(path, "");
    const err = await openMovie(path).catch((x: unknown) => x);
    expect(isEmflowError(err, "FormatError") && [err.message, err.file]).toEqual(["file is empty", path]);
  });
});
