import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isEmflowError } from "@emflow/core";
import { afterAll, describe, expect, it } from "vitest";
import { fixture } from "../testing/fixtures.js";
import { writeTiffMovie } from "../tiff/write.js";
import { applyGain } from "./apply.js";
import { readEerGain, readGain } from "./read.js";
import { transformGain } from "./transform.js";
import type { GainReference } from "./transform.js";

const tmp = mkdtempSync(join(tmpdir(), "emflow-gain-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Rows of a gain, rounded to 2 decimals for readable comparisons. */
function rows(g: GainReference): number[][] {
  return Array.from({ length: g.height }, (_, y) => Array.from(g.data.subarray(y * g.width, (y + 1) * g.width), (v) => Math.round(v * 100) / 100));
}

// The fixtures hold (i + 1) / 10 at i = y·6 + x: 6 wide, 4 high.
const GAIN = [
  [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
  [0.7, 0.8, 0.9, 1.0, 1.1, 1.2],
  [1.3, 1.4, 1.5, 1.6, 1.7, 1.8],
  [1.9, 2.0, 2.1, 2.2, 2.3, 2.4],
];

describe("readGain and RELION's --gain_rot / --gain_flip", () => {
  it.each(["gain-6x4.mrc", "gain-6x4.tif"])("%s reads as written", async (name) => {
    const g = await readGain(fixture(name));
    expect([g.width, g.height]).toEqual([6, 4]);
    expect(rows(g)).toEqual(GAIN);
    expect(g.file).toBe(fixture(name));
  });

  it("rotate 1 is 90° clockwise with row 0 at the top: the left column, read upwards, becomes the top row", async () => {
    const g = await readGain(fixture("gain-6x4.mrc"), { rotate: 1 });
    expect([g.width, g.height]).toEqual([4, 6]);
    expect(rows(g)[0]).toEqual([1.9, 1.3, 0.7, 0.1]);
    expect(rows(g)[5]).toEqual([2.4, 1.8, 1.2, 0.6]);
  });

  it("rotate 2 and 3, flips after rotation", async () => {
    const g = await readGain(fixture("gain-6x4.mrc"));
    expect(rows(transformGain(g, { rotate: 2 }))[0]).toEqual([2.4, 2.3, 2.2, 2.1, 2.0, 1.9]);
    const r3 = transformGain(g, { rotate: 3 });
    expect(rows(r3)[0]).toEqual([0.6, 1.2, 1.8, 2.4]);
    expect(rows(transformGain(g, { flip: 1 }))).toEqual([...GAIN].reverse());
    expect(rows(transformGain(g, { flip: 2 }))).toEqual(GAIN.map((r) => [...r].reverse()));
    // Rotate then flip left-right is the transpose; rotate then flip upside down is the other diagonal.
    expect(rows(transformGain(g, { rotate: 1, flip: 2 }))).toEqual(GAIN[0]!.map((_, x) => GAIN.map((r) => r[x]!)));
    expect(rows(transformGain(g, { rotate: 2 }))).toEqual(rows(transformGain(transformGain(g, { flip: 1 }), { flip: 2 })));
    expect(() => transformGain(g, { rotate: 4 as 1 })).toThrow("gain rotation must be 0, 1, 2 or 3");
  });

  it("flipY reproduces RELION's reading of a TIFF gain (rows reversed)", async () => {
    const g = await readGain(fixture("gain-6x4.tif"), { flipY: true });
    expect(rows(g)).toEqual([...GAIN].reverse());
  });

  it("a movie is not a gain reference", async () => {
    const err = await readGain(fixture("mode2.mrcs")).catch((e: unknown) => e);
    expect(isEmflowError(err, "FormatError") && err.message).toBe("a gain reference holds one image; this file holds 4");
  });
});

describe("applyGain", () => {
  it("multiplies in place", async () => {
    const g = await readGain(fixture("gain-6x4.mrc"));
    const frame = new Float32Array(24).fill(10);
    expect(applyGain(frame, g, { width: 6, height: 4 })).toBe(frame);
    expect(rows({ width: 6, height: 4, data: frame }).map((r) => r.map((v) => Math.round(v * 10) / 100))).toEqual(GAIN);
  });

  it("a size mismatch is a ProcessingError naming both sizes and the gain file, with a hint when turned", async () => {
    const g = await readGain(fixture("gain-6x4.mrc"));
    let err = (() => {
      try {
        applyGain(new Float32Array(24), g, { width: 4, height: 6 });
      } catch (e) {
        return e;
      }
    })();
    expect(isEmflowError(err, "ProcessingError")).toBe(true);
    expect((err as Error).message).toBe(
      "gain reference is 6 × 4 but the movie's frames are 4 × 6 (it is the movie's size turned by 90°: set a gain rotation of 1 or 3)",
    );
    expect(isEmflowError(err) && err.file).toBe(fixture("gain-6x4.mrc"));
    err = (() => {
      try {
        applyGain(new Float32Array(64), g, { width: 8, height: 8 });
      } catch (e) {
        return e;
      }
    })();
    expect((err as Error).message).toBe("gain reference is 6 × 4 but the movie's frames are 8 × 8");
  });
});

describe("readEerGain", () => {
  it("an EPU .gain (sensitivity) at sensor size: repeated onto the 2× grid, inverted to mean / value, defects stay 0", async () => {
    const path = join(tmp, "epu.gain");
    await writeTiffMovie(path, { width: 2, height: 2, sampleType: "float32", compression: "none" }, [Float32Array.from([1, 2, 4, 0])]);
    const g = await readEerGain(path, { width: 4, height: 4 });
    // Mean over the 4 × 4 grid: (1 + 2 + 4 + 0) / 4 = 1.75.
    expect(rows(g)).toEqual([
      [1.75, 1.75, 0.88, 0.88],
      [1.75, 1.75, 0.88, 0.88],
      [0.44, 0.44, 0, 0],
      [0.44, 0.44, 0, 0],
    ]);
  });

  it("a 2× sensitivity gain for a sensor-size grid sums 2 × 2 blocks; a multiplicative one is averaged", async () => {
    const path = join(tmp, "fine.gain");
    const fine = Float32Array.from({ length: 16 }, (_, i) => 1 + (i % 4 < 2 ? 0 : 1) + (i < 8 ? 0 : 2));
    await writeTiffMovie(path, { width: 4, height: 4, sampleType: "float32", compression: "none" }, [fine]);
    // Blocks sum to 4, 8, 12, 16 (mean 10) → 10 / block.
    expect(rows(await readEerGain(path, { width: 2, height: 2 }))).toEqual([
      [2.5, 1.25],
      [0.83, 0.63],
    ]);
    expect(rows(await readEerGain(path, { width: 2, height: 2, kind: "multiplicative" }))).toEqual([
      [1, 2],
      [3, 4],
    ]);
    await expect(readEerGain(path, { width: 3, height: 3 })).rejects.toThrow("cannot be resampled to the 3 × 3 frames");
  });
});
