import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isEmflowError } from "@emflow/core";
import { afterAll, describe, expect, it } from "vitest";
import { encodeEerFraction, randomFractions, renderEvents, writeEerFile } from "../testing/eer-encoder.js";
import type { EerEvent } from "../testing/eer-encoder.js";
import { fixture } from "../testing/fixtures.js";
import { openTiff } from "../tiff/read.js";
import { EER_CODING_7BIT, EER_CODING_8BIT } from "./decode.js";
import { openEer } from "./read.js";

const tmp = mkdtempSync(join(tmpdir(), "emflow-eer-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const W = 200;
const H = 150;

/** Random events plus the edge cases: first and last pixel, runs of exactly 126/127/254/255/256 pixels. */
function fractions(count: number): EerEvent[][] {
  const all = randomFractions(W, H, count, 0.004, 7);
  // A dense patch (short runs, neighbours) in fraction 0.
  all[0] = all[0]!.filter((e) => !(e.y >= 10 && e.y < 14));
  for (let y = 10; y < 14; y++) for (let x = 0; x < W; x += 1 + (x % 3)) all[0]!.push({ x, y, sx: x % 4, sy: y % 4 });
  // Fraction 1: events placed so the runs between them are 0, 126, 127, 254, 255, 256, 127·3 pixels long.
  const at: number[] = [0];
  for (const gap of [0, 126, 127, 254, 255, 256, 381]) at.push(at[at.length - 1]! + gap + 1);
  at.push(W * H - 1);
  all[1] = at.map((p, i) => ({ x: p % W, y: Math.floor(p / W), sx: i % 4, sy: (i >> 2) % 4 }));
  // Fraction 2 holds no event at all.
  all[2] = [];
  return all;
}

async function formatError(p: Promise<unknown>): Promise<{ message: string; file: string | undefined }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isEmflowError(err, "FormatError")) throw new Error(`expected a FormatError, got ${String(err)}`);
  return { message: err.message, file: err.file };
}

describe.each([65001, 65000] as const)("EER compression %i: decoded counts equal the encoded events exactly", (compression) => {
  const truth = fractions(7);
  const path = join(tmp, `movie-${compression}.eer`);
  const ready = writeEerFile(path, { width: W, height: H, compression, fractions: truth, stripsPerPage: 3 });

  it.each([1, 2, 4] as const)("grouping 3, upsampling %i: two frames, the 7th fraction dropped", async (up) => {
    await ready;
    const r = await openEer(path, { grouping: 3, upsampling: up });
    expect([r.width, r.height, r.frameCount, r.fractionCount, r.sampleType]).toEqual([W * up, H * up, 2, 7, "eer"]);
    for (let i = 0; i < 2; i++) {
      const expected = renderEvents(truth.slice(3 * i, 3 * i + 3), W, H, up);
      expect((await r.readFrame(i)).every((v, k) => v === expected[k])).toBe(true);
    }
    expect(await r.countEvents(0)).toBe(truth[0]!.length + truth[1]!.length);
    await r.close();
  });

  it("remainder 'partial': a last frame of the one fraction left; grouping 1: every fraction", async () => {
    await ready;
    const r = await openEer(path, { grouping: 3, remainder: "partial" });
    expect(r.frameCount).toBe(3);
    const last = await r.readFrame(2);
    const expectedLast = renderEvents([truth[6]!], W, H, 1);
    expect(last.every((v, k) => v === expectedLast[k])).toBe(true);
    await r.close();
    const each = await openEer(path);
    let i = 0;
    for await (const f of each.frames()) {
      const expected = renderEvents([truth[i]!], W, H, 1);
      expect(f.every((v, k) => v === expected[k])).toBe(true);
      i++;
    }
    expect(i).toBe(7);
    await each.close();
  });
});

describe("EER streams", () => {
  it("an 8-bit overflow code spends 12 bits, a 7-bit one 7", () => {
    // 300 empty pixels then an event: one overflow code plus one event code.
    const events = [{ x: 300, y: 0, sx: 0, sy: 0 }];
    const bits8 = encodeEerFraction(events, 400, 1, EER_CODING_8BIT);
    const bits7 = encodeEerFraction(events, 400, 1, EER_CODING_7BIT);
    // 8-bit: 255 + 4 wasted bits, 45 + sub-pixel bits (x 0 → 0b10, y 0 → 0b10), 99 to the end: 32 bits.
    expect(Array.from(bits8)).toEqual([0xff, 0xd0, 0xa2, 0x63]);
    // 7-bit: 7 + 7 (127 twice) + 11 (46, event) + 7 (99) = 32 bits → 4 bytes.
    expect(bits7.length).toBe(4);
  });

  it("reads BigTIFF EER files and the pixel size from the acquisition metadata", async () => {
    const path = join(tmp, "meta.eer");
    const xml = '<?xml version="1.0"?><metadata><item name="sensorPixelSize.width" unit="m">8.24e-11</item>' +
      '<item name="numberOfFrames">2</item><item name="exposureTime" unit="s">3.5</item></metadata>';
    const truth = randomFractions(64, 48, 2, 0.05, 3);
    await writeEerFile(path, { width: 64, height: 48, compression: 65001, fractions: truth, metadataXml: xml, bigTiff: true });
    const r = await openEer(path, { grouping: 2, upsampling: 2 });
    expect(r.pixelSizeA).toBeCloseTo(0.412, 10);
    expect(r.metadata.items["exposureTime"]).toBe("3.5");
    expect(r.metadata.units["exposureTime"]).toBe("s");
    const expected = renderEvents(truth, 64, 48, 2);
    expect((await r.readFrame(0)).every((v, k) => v === expected[k])).toBe(true);
    await r.close();
  });

  it("a cut stream and a run past the last pixel are FormatErrors naming the fraction and frame", async () => {
    const path = join(tmp, "cut.eer");
    const truth = randomFractions(W, H, 4, 0.01, 11);
    await writeEerFile(path, { width: W, height: H, compression: 65001, fractions: truth });
    const r0 = await openTiff(path).catch(() => undefined);
    expect(r0).toBeUndefined(); // a TIFF reader refuses EER pages and says so
    const bytes = new Uint8Array(readFileSync(path));
    // Fraction 3: shorten its strip (StripByteCounts) to half. Fraction 1: overwrite its stream with all ones.
    const { offsets, counts, countAt } = await stripTable(path, 3);
    new DataView(bytes.buffer).setUint32(countAt, Math.floor(counts / 2), true);
    const one = await stripTable(path, 1);
    bytes.fill(0xff, one.offsets, one.offsets + one.counts);
    writeFileSync(path, bytes);
    const r = await openEer(path, { grouping: 2 });
    const err1 = await formatError(r.readFrame(0));
    expect(err1.message).toMatch(/^fraction 1 \(frame 0\): corrupt EER stream: a run of 127 passes the last pixel/);
    expect(err1.file).toBe(path);
    const err3 = await formatError(r.readFrame(1));
    expect(err3.message).toMatch(/^fraction 3 \(frame 1\): corrupt EER stream: stream ends at pixel \d+ of 30000/);
    expect(offsets).toBeGreaterThan(0);
    await r.close();
  });

  it("refuses a TIFF that is not EER, and absurd options", async () => {
    const err = await formatError(openEer(fixture("tifffile-uint8-none.tif")));
    expect(err.message).toBe("not an EER movie: page 0 has compression 1, not 65000, 65001 or 65002");
    const path = join(tmp, "small.eer");
    await writeEerFile(path, { width: 8, height: 8, compression: 65001, fractions: [[], []] });
    await expect(openEer(path, { grouping: 3 })).rejects.toThrow("grouping 3 is more than the 2 fractions");
    await expect(openEer(path, { upsampling: 3 as 2 })).rejects.toThrow("upsampling must be 1, 2 or 4");
  });
});

/** Offset and byte count of page `page`'s first strip, and where that count is stored (classic TIFF, one strip). */
async function stripTable(path: string, page: number): Promise<{ offsets: number; counts: number; countAt: number }> {
  const { loadTiffStructure } = await import("../tiff/read.js");
  const { openFileSource } = await import("../mrc/byte-source.js");
  const source = await openFileSource(path);
  const s = await loadTiffStructure(source);
  const p = await s.page(page);
  const field = p.ifd.fields.get(279)!;
  await source.close();
  return { offsets: p.offsets[0]!, counts: p.byteCounts[0]!, countAt: field.valueOffset };
}

const relion = ["/usr/bin/relion_convert_to_tiff"].find((p) => existsSync(p));

describe.runIf(relion !== undefined)("EER cross-check with RELION's renderer (relion_convert_to_tiff)", () => {
  // RELION reads only 4096 × 4096 EER files; each run takes a second or so, hence 8k only for 65000.
  it.each([
    [65001, [1, 2]],
    [65000, [2]],
  ] as const)("compression %i: RELION's renderings at upsampling %j equal ours (RELION flips TIFFs along y)", async (compression, ups) => {
    const dir = join(tmp, `relion-${compression}`);
    mkdirSync(dir, { recursive: true });
    const truth = randomFractions(4096, 4096, 4, 0.0004, 5 + compression);
    await writeEerFile(join(dir, "movie.eer"), { width: 4096, height: 4096, compression, fractions: truth });
    for (const up of ups) {
      execFileSync(relion!, ["--i", "movie.eer", "--o", `out${up}/`, "--eer_grouping", "2", "--eer_upsampling", String(up), "--compression", "none"], {
        cwd: dir,
        stdio: "ignore",
      });
      const rel = await openTiff(join(dir, `out${up}`, "movie.tif"), { flipY: true });
      const ours = await openEer(join(dir, "movie.eer"), { grouping: 2, upsampling: up });
      expect(rel.frameCount).toBe(2);
      const a = new Float32Array(ours.width * ours.height);
      const b = new Float32Array(ours.width * ours.height);
      for (let i = 0; i < 2; i++) {
        await rel.readFrameInto(i, a);
        await ours.readFrameInto(i, b);
        let diff = 0;
        let total = 0;
        for (let k = 0; k < a.length; k++) {
          if (a[k] !== b[k]) diff++;
          total += b[k]!;
        }
        expect(diff).toBe(0);
        expect(total).toBe(truth[2 * i]!.length + truth[2 * i + 1]!.length);
      }
      await rel.close();
      await ours.close();
      rmSync(join(dir, `out${up}`), { recursive: true });
    }
  }, 60_000);
});
