import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sum } from "../testing/fixtures.js";
import { pythonMissing, runPythonJson } from "../testing/python.js";
import { openMrc } from "./read.js";
import { writeMrc, writeMrcImage } from "./write.js";
import type { MrcMode } from "./header.js";

const tmp = mkdtempSync(join(tmpdir(), "emflow-mrc-write-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const noMrcfile = pythonMissing("mrcfile", "numpy");

/** What mrcfile (an independent reader) sees in a file, including its own validation verdict. */
interface MrcfileView {
  valid: boolean;
  report: string;
  mode: number;
  shape: number[];
  voxel: number[];
  ispg: number;
  mz: number;
  header: [number, number, number, number];
  data: [number, number, number, number];
  sums: number[];
  values: number[];
}
const READ_WITH_MRCFILE = `
import io, json, sys, mrcfile, numpy as np
p = sys.argv[1]
report = io.StringIO()
valid = mrcfile.validate(p, print_file=report)
with mrcfile.open(p) as m:
    d = np.asarray(m.data, dtype=np.float64)
    d3 = d if d.ndim == 3 else d[np.newaxis]
    h = m.header
    print(json.dumps(dict(valid=bool(valid), report=report.getvalue(), mode=int(h.mode), shape=list(m.data.shape),
        voxel=[float(m.voxel_size.x), float(m.voxel_size.y), float(m.voxel_size.z)], ispg=int(h.ispg), mz=int(h.mz),
        header=[float(h.dmin), float(h.dmax), float(h.dmean), float(h.rms)],
        data=[float(d.min()), float(d.max()), float(d.mean()), float(d.std())],
        sums=[float(f.sum()) for f in d3], values=d.ravel()[:12].tolist())))
`;

/** Frames with values that exercise rounding, clamping and NaN. */
function testFrames(width: number, height: number, count: number): Float32Array[] {
  return Array.from({ length: count }, (_, k) => {
    const f = new Float32Array(width * height);
    for (let i = 0; i < f.length; i++) f[i] = ((i * 37 + k * 101) % 200) - 100 + 0.25 * (i % 4);
    return f;
  });
}

describe("writeMrc → mrcfile (independent reader)", () => {
  const cases: [MrcMode, number[]][] = [
    [0, [-100, -99, -97.5, -97.25]],
    [1, [-100, -99, -97.5, -97.25]],
    [2, [-100, -98.75, -97.5, -96.25]],
    [6, [0, 0, 0, 0]],
    [12, [-100, -98.75, -97.5, -96.25]],
  ];
  it.skipIf(noMrcfile !== undefined).each(cases)("mode %i: valid per mrcfile.validate, same values and header stats", async (mode) => {
    const path = join(tmp, `mode${mode}.mrcs`);
    const frames = testFrames(40, 30, 3);
    // Clamps in the integer modes. (Not in float16: mrcfile's own float16 statistics overflow on large values.)
    if (mode !== 12) frames[0]![5] = 1e6;
    const result = await writeMrc(path, { width: 40, height: 30, mode, pixelSizeA: 1.06 }, frames);
    const py = runPythonJson<MrcfileView>(READ_WITH_MRCFILE, path);
    // mrcfile.validate sums squares in float16 for mode 12 and overflows (its own files fail too); all else must pass.
    expect(py.valid || (mode === 12 && /RMS deviation is inf/.test(py.report))).toBe(true);
    expect(py.mode).toBe(mode);
    expect(py.shape).toEqual([3, 30, 40]);
    expect([py.ispg, py.mz]).toEqual([0, 1]);
    expect(py.voxel[0]).toBeCloseTo(1.06, 5);
    expect(py.header[0]).toBe(py.data[0]);
    expect(py.header[1]).toBe(py.data[1]);
    // The header holds float32: compare relatively.
    expect(Math.abs(py.header[2] - py.data[2])).toBeLessThan(1e-6 * Math.max(1, Math.abs(py.data[2])));
    expect(Math.abs(py.header[3] - py.data[3])).toBeLessThan(1e-6 * py.data[3]);
    expect([result.dmin, result.dmax]).toEqual([py.data[0], py.data[1]]);
    // Our reader sees exactly what mrcfile sees.
    const r = await openMrc(path);
    expect(r.header.mode).toBe(mode);
    const ours: number[] = [];
    for await (const f of r.frames()) ours.push(sum(f));
    ours.forEach((s, i) => expect(s).toBeCloseTo(py.sums[i]!, 2));
    expect(Array.from((await r.readFrame(0)).subarray(0, 12))).toEqual(py.values);
    await r.close();
  });

  it("rounds halves away from zero, clamps, and stores NaN as 0 in integer modes", async () => {
    const path = join(tmp, "round.mrc");
    const f = Float32Array.from([0.5, -0.5, 1.49, -1.5, 2.5, 40000, -40000, NaN, 65535.7, Infinity]);
    await writeMrc(path, { width: 10, height: 1, mode: 1 }, [f]);
    const r = await openMrc(path);
    expect(Array.from(await r.readFrame(0))).toEqual([1, -1, 1, -2, 3, 32767, -32768, 0, 32767, 32767]);
    await r.close();
    await writeMrc(path, { width: 10, height: 1, mode: 6 }, [f]);
    const u = await openMrc(path);
    expect(Array.from(await u.readFrame(0))).toEqual([1, 0, 1, 0, 3, 40000, 0, 0, 65535, 65535]);
    await u.close();
  });

  it("takes integer arrays as they are, an async iterable, and patches the frame count at the end", async () => {
    const path = join(tmp, "ints.mrcs");
    async function* gen() {
      for (let k = 0; k < 4; k++) yield Int16Array.from({ length: 6 }, (_, i) => k * 1000 - i);
    }
    const res = await writeMrc(path, { width: 3, height: 2, mode: 1 }, gen());
    expect(res.frameCount).toBe(4);
    expect(statSync(path).size).toBe(1024 + 4 * 6 * 2);
    const r = await openMrc(path);
    expect(r.frameCount).toBe(4);
    expect(Array.from(await r.readFrame(3))).toEqual([3000, 2999, 2998, 2997, 2996, 2995]);
    expect([r.header.dmin, r.header.dmax]).toEqual([-5, 3000]);
    expect(r.pixelSizeA).toBeUndefined();
    await r.close();
  });

  it("removes the file when the frames disagree with the declared count or size", async () => {
    const path = join(tmp, "bad.mrcs");
    await expect(writeMrc(path, { width: 4, height: 4, mode: 2, frameCount: 3 }, testFrames(4, 4, 2))).rejects.toThrow(
      "frameCount said 3 but 2 frames came",
    );
    expect(existsSync(path)).toBe(false);
    await expect(writeMrc(path, { width: 4, height: 4, mode: 2 }, [new Float32Array(15)])).rejects.toThrow("frame 0 has 15 values");
    expect(existsSync(path)).toBe(false);
    const abort = new AbortController();
    abort.abort();
    await expect(writeMrc(path, { width: 4, height: 4, mode: 2, signal: abort.signal }, testFrames(4, 4, 2))).rejects.toThrow();
    expect(existsSync(path)).toBe(false);
  });

  it.skipIf(noMrcfile !== undefined)("writeMrcImage: a single float32 micrograph with its pixel size (nz = mz = 1)", async () => {
    const path = join(tmp, "micrograph.mrc");
    const data = testFrames(64, 48, 1)[0]!;
    await writeMrcImage(path, data, 64, 48, 0.885);
    const py = runPythonJson<MrcfileView>(READ_WITH_MRCFILE, path);
    expect(py.valid).toBe(true);
    expect(py.shape).toEqual([48, 64]);
    expect(py.voxel.map((v) => Math.round(v * 1e5) / 1e5)).toEqual([0.885, 0.885, 0.885]);
    expect(py.sums[0]).toBeCloseTo(sum(data), 2);
  });
});
