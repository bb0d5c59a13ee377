import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isEmflowError } from "@emflow/core";
import { afterAll, describe, expect, it } from "vitest";
import { expected, fixture, hasExpected, sum } from "../testing/fixtures.js";
import type { Expected } from "../testing/fixtures.js";
import { openTiff } from "./read.js";
import type { TiffReader } from "./read.js";
import { writeTiffMovie } from "./write.js";

const tmp = mkdtempSync(join(tmpdir(), "emflow-tiff-read-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function expectFrames(reader: TiffReader, e: Expected): Promise<void> {
  expect([reader.width, reader.height, reader.frameCount]).toEqual([e.width, e.height, e.frames]);
  const frames: Float32Array[] = [];
  for await (const f of reader.frames()) frames.push(f);
  frames.forEach((f, i) => expect(sum(f)).toBeCloseTo(e.frameSums[i]!, 2));
  for (const [z, y, x, v] of e.samples) expect(frames[z]![y * e.width + x]).toBe(v);
  expect(Math.min(...frames.map((f) => f.reduce((a, b) => Math.min(a, b), Infinity)))).toBe(e.min);
  expect(Math.max(...frames.map((f) => f.reduce((a, b) => Math.max(a, b), -Infinity)))).toBe(e.max);
}

async function formatError(p: Promise<unknown>): Promise<{ message: string; file: string | undefined }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isEmflowError(err, "FormatError")) throw new Error(`expected a FormatError, got ${String(err)}`);
  return { message: err.message, file: err.file };
}

const FILES = [
  "tifffile-uint8-none.tif",
  "tifffile-uint8-deflate.tif",
  "tifffile-uint8-deflate-pred.tif",
  "tifffile-uint16-none.tif",
  "tifffile-uint16-deflate.tif",
  "tifffile-uint16-deflate-pred.tif",
  "tifffile-float32-none.tif",
  "tifffile-float32-deflate.tif",
  "tifffile-int16-none.tif",
  "tifffile-uint16-bigendian.tif",
  "tifffile-float32-bigendian.tif",
  "tifffile-uint16-bigtiff.tif",
  "tifffile-uint8-tiled.tif",
  "tifffile-float32-single.tif",
  "libtiff-uint8-lzw.tif",
  "libtiff-uint8-lzw-pred.tif",
  "libtiff-uint16-lzw.tif",
  "libtiff-uint16-lzw-pred.tif",
  "libtiff-float32-lzw.tif",
  "libtiff-float32-lzw-pred.tif",
  "libtiff-float32-deflate-pred.tif",
  "libtiff-float32-lzw-fpred.tif",
  "libtiff-uint8-lzw-clear.tif",
];

describe("openTiff on files written by tifffile and libtiff (Pillow)", () => {
  it.each(FILES)("%s: every page, sums, samples, min and max", async (name) => {
    const e = expected(name);
    const r = await openTiff(fixture(name));
    try {
      expect(r.sampleType).toBe(e.dtype);
      expect(r.compression).toBe(e.compression);
      expect(r.structure.header.littleEndian).toBe(!e.bigEndian);
      expect(r.structure.header.bigTiff).toBe(e.bigTiff);
      expect((await r.structure.page(0)).predictor).toBe(e.predictor);
      expect((await r.structure.page(0)).tiled).toBe(e.tiled);
      await expectFrames(r, e);
    } finally {
      await r.close();
    }
  });

  it.runIf(hasExpected("relion-lzw.tif"))("relion_convert_to_tiff output: flipY gives back the MRC movie RELION was given", async () => {
    const e = expected("relion-lzw.tif");
    const asStored = await openTiff(fixture("relion-lzw.tif"));
    await expectFrames(asStored, e);
    await asStored.close();
    const flipped = await openTiff(fixture("relion-lzw.tif"), { flipY: true });
    const source = e.source!;
    for (const [z, y, x, v] of source.samples) expect((await flipped.readFrame(z))[(source.height - 1 - y) * source.width + x]).toBe(v);
    await flipped.close();
  });

  it("reads pages in any order and concurrently", async () => {
    const e = expected("libtiff-uint16-lzw-pred.tif");
    const r = await openTiff(fixture("libtiff-uint16-lzw-pred.tif"));
    const frames = await Promise.all([2, 0, 1, 2].map((i) => r.readFrame(i)));
    expect(frames.map(sum)).toEqual([e.frameSums[2], e.frameSums[0], e.frameSums[1], e.frameSums[2]]);
    await r.close();
  });
});

describe("openTiff on bad input", () => {
  const write = (name: string, bytes: Uint8Array) => {
    const path = join(tmp, name);
    writeFileSync(path, bytes);
    return path;
  };

  it.each([
    ["empty.tif", new Uint8Array(0), "file is empty"],
    ["text.tif", new Uint8Array(Buffer.from("not a tiff at all")), "no II or MM"],
    ["magic.tif", new Uint8Array([0x49, 0x49, 41, 0, 8, 0, 0, 0]), "magic 41"],
    ["ifd.tif", new Uint8Array([0x49, 0x49, 42, 0, 0xff, 0xff, 0, 0]), "beyond the end of the file"],
  ])("%s: FormatError", async (name, bytes, message) => {
    const path = write(name, bytes);
    const err = await formatError(openTiff(path));
    expect(err.message).toContain(message);
    expect(err.file).toBe(path);
  });

  it("an unsupported compression names the page and the code", async () => {
    const bytes = new Uint8Array(readFileSync(fixture("tifffile-uint8-none.tif")));
    const path = write("jpeg.tif", patchTag(bytes, 259, 7));
    const r = await openTiff(path);
    const err = await formatError(r.readFrame(0));
    expect(err.message).toBe("page 0: compression 7 (JPEG) is not supported (none, LZW, deflate, PackBits are)");
    expect(err.file).toBe(path);
    await r.close();
  });

  it("a truncated strip: earlier pages read, the cut page throws naming page, strip and bytes", async () => {
    // Our writer puts each directory before its strips, so a cut inside the last strips keeps every directory.
    const path = join(tmp, "cut.tif");
    const frames = [0, 1, 2].map((k) => Uint16Array.from({ length: 64 * 32 }, (_, i) => (i * 7 + k) % 5000));
    await writeTiffMovie(path, { width: 64, height: 32, sampleType: "uint16", compression: "none", rowsPerStrip: 8 }, frames);
    const whole = await openTiff(path);
    const last = await whole.structure.page(2);
    await whole.close();
    const cut = last.offsets[3]! + 100;
    writeFileSync(path, readFileSync(path).subarray(0, cut));
    const r = await openTiff(path);
    expect(r.frameCount).toBe(3);
    expect(sum(await r.readFrame(1))).toBe(sum(frames[1]!));
    const err = await formatError(r.readFrame(2));
    expect(err.message).toBe(
      `page 2: strip 3 needs ${last.byteCounts[3]} bytes at offset ${last.offsets[3]} but the file ends after 100 of them (file is ${cut} bytes)`,
    );
    expect(err.file).toBe(path);
    await r.close();
  });

  it("a corrupt deflate strip and a short LZW strip are FormatErrors naming the strip", async () => {
    const bytes = new Uint8Array(readFileSync(fixture("tifffile-uint8-deflate.tif")));
    const r0 = await openTiff(fixture("tifffile-uint8-deflate.tif"));
    const page = await r0.structure.page(0);
    await r0.close();
    bytes.fill(0x55, page.offsets[1]!, page.offsets[1]! + 8);
    const path = write("bad-deflate.tif", bytes);
    const r = await openTiff(path);
    expect((await formatError(r.readFrame(0))).message).toMatch(/^page 0: strip 1 is corrupt \(deflate: /);
    await r.close();

    const lzw = new Uint8Array(readFileSync(fixture("libtiff-uint8-lzw.tif")));
    const r1 = await openTiff(fixture("libtiff-uint8-lzw.tif"));
    const p1 = await r1.structure.page(0);
    await r1.close();
    // An EOI code (257) right after the Clear code: a valid stream that holds no data.
    lzw.set([0x80, 0x40, 0x40], p1.offsets[0]!);
    const r2 = await openTiff(write("short-lzw.tif", lzw));
    expect((await formatError(r2.readFrame(0))).message).toMatch(/^page 0: strip 0 decodes to 0 bytes, \d+ expected \(LZW\)/);
    await r2.close();
  });

  it("RGB pages are refused with the reason", async () => {
    const bytes = new Uint8Array(readFileSync(fixture("tifffile-uint8-none.tif")));
    const path = write("rgb.tif", patchTag(bytes, 277, 3));
    expect((await formatError(openTiff(path))).message).toBe("page 0: 3 samples per pixel; only grayscale (1 sample) is supported");
  });
});

/** Sets the (inline SHORT or LONG) value of `tag` in the first IFD of a little-endian classic TIFF. */
function patchTag(bytes: Uint8Array, tag: number, value: number): Uint8Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const ifd = dv.getUint32(4, true);
  const count = dv.getUint16(ifd, true);
  for (let i = 0; i < count; i++) {
    const at = ifd + 2 + 12 * i;
    if (dv.getUint16(at, true) !== tag) continue;
    if (dv.getUint16(at + 2, true) === 3) dv.setUint16(at + 8, value, true);
    else dv.setUint32(at + 8, value, true);
    return bytes;
  }
  throw new Error(`tag ${tag} not in the first IFD`);
}
