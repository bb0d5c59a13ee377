import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sum } from "../testing/fixtures.js";
import { pythonMissing, runPythonJson } from "../testing/python.js";
import { openTiff } from "./read.js";
import { writeTiffMovie } from "./write.js";
import type { WriteTiffOptions } from "./write.js";

const tmp = mkdtempSync(join(tmpdir(), "emflow-tiff-write-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const noPython = pythonMissing("tifffile", "PIL", "numpy");

/** Pages as libtiff (through Pillow) and, when it can decode them, tifffile see them. */
interface PythonView {
  pages: number;
  dtype: string;
  compression: number;
  predictor: number;
  pillowSums: number[];
  tifffileSums: number[] | null;
  first: number[];
}
const READ_WITH_PYTHON = `
import json, sys, numpy as np, tifffile
from PIL import Image
p = sys.argv[1]
pil = []
with Image.open(p) as im:
    for i in range(im.n_frames):
        im.seek(i)
        pil.append(np.array(im).astype(np.float64))
with tifffile.TiffFile(p) as t:
    page = t.pages[0]
    try:
        tf = [float(q.asarray().astype(np.float64).sum()) for q in t.pages]
    except Exception:
        tf = None  # LZW needs imagecodecs, which this Python lacks
    print(json.dumps(dict(pages=len(t.pages), dtype=str(page.dtype), compression=int(page.compression),
        predictor=int(page.predictor), pillowSums=[float(a.sum()) for a in pil], tifffileSums=tf,
        first=pil[0].ravel()[:8].tolist())))
`;

function frames(width: number, height: number, count: number, scale: number): Float32Array[] {
  return Array.from({ length: count }, (_, k) => {
    const f = new Float32Array(width * height);
    for (let i = 0; i < f.length; i++) f[i] = (((i % width) * 3 + Math.floor(i / width) * 5 + k * 11) % 97) * scale + ((i * 7) % 3);
    return f;
  });
}

describe("writeTiffMovie → libtiff and tifffile (independent readers) and back", () => {
  const cases: [WriteTiffOptions["sampleType"], WriteTiffOptions["compression"], boolean][] = [
    ["uint8", "none", false],
    ["uint8", "lzw", false],
    ["uint8", "lzw", true],
    ["uint8", "deflate", true],
    ["uint16", "none", false],
    ["uint16", "lzw", true],
    ["uint16", "deflate", false],
    ["float32", "none", false],
    ["float32", "lzw", false],
    ["float32", "deflate", false],
  ];
  it.skipIf(noPython !== undefined).each(cases)("%s, %s, predictor %s", async (sampleType, compression, predictor) => {
    const path = join(tmp, `${sampleType}-${compression}-${predictor}.tif`);
    const scale = sampleType === "uint8" ? 2.5 : sampleType === "uint16" ? 600 : -0.37;
    const input = frames(83, 45, 3, scale);
    const res = await writeTiffMovie(path, { width: 83, height: 45, sampleType, compression, predictor, rowsPerStrip: 10 }, input);
    expect(res.frameCount).toBe(3);
    const py = runPythonJson<PythonView>(READ_WITH_PYTHON, path);
    expect(py.pages).toBe(3);
    expect(py.dtype).toBe(sampleType);
    expect(py.compression).toBe({ none: 1, lzw: 5, deflate: 8 }[compression]);
    expect(py.predictor).toBe(predictor ? 2 : 1);
    if (py.tifffileSums !== null) expect(py.tifffileSums).toEqual(py.pillowSums);
    const r = await openTiff(path);
    const ours: number[] = [];
    for await (const f of r.frames()) ours.push(sum(f));
    expect(Array.from((await r.readFrame(0)).subarray(0, 8))).toEqual(py.first);
    await r.close();
    ours.forEach((s, i) => expect(s).toBeCloseTo(py.pillowSums[i]!, 2));
    if (sampleType === "float32") input.forEach((f, i) => expect(sum(f)).toBeCloseTo(ours[i]!, 2));
  });

  it("BigTIFF pages read back", async () => {
    const path = join(tmp, "big.tif");
    const input = frames(40, 30, 2, 1);
    await writeTiffMovie(path, { width: 40, height: 30, sampleType: "uint16", compression: "deflate", bigTiff: true }, input);
    const r = await openTiff(path);
    expect(r.structure.header.bigTiff).toBe(true);
    expect(Array.from(await r.readFrame(1))).toEqual(Array.from(input[1]!).map((v) => Math.round(v)));
    await r.close();
  });

  it("removes the file on a bad frame; refuses the predictor on floats", async () => {
    const path = join(tmp, "bad.tif");
    await expect(writeTiffMovie(path, { width: 4, height: 4, sampleType: "uint8", compression: "lzw" }, [new Uint8Array(16), new Uint8Array(3)])).rejects.toThrow(
      "frame 1 has 3 values",
    );
    expect(existsSync(path)).toBe(false);
    await expect(
      writeTiffMovie(path, { width: 4, height: 4, sampleType: "float32", compression: "lzw", predictor: true }, [new Float32Array(16)]),
    ).rejects.toThrow("integer samples only");
  });
});
