import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isEmflowError } from "@emflow/core";
import { afterAll, describe, expect, it } from "vitest";
import { expected, fixture, hasExpected, sum } from "../testing/fixtures.js";
import type { Expected } from "../testing/fixtures.js";
import { openMrc } from "./read.js";
import type { MrcReader } from "./read.js";

const tmp = mkdtempSync(join(tmpdir(), "emflow-mrc-read-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function expectFrames(reader: MrcReader, e: Expected): Promise<void> {
  expect([reader.width, reader.height, reader.frameCount]).toEqual([e.width, e.height, e.frames]);
  const frames: Float32Array[] = [];
  for await (const f of reader.frames()) frames.push(f);
  expect(frames.length).toBe(e.frames);
  frames.forEach((f, i) => expect(sum(f)).toBeCloseTo(e.frameSums[i]!, 2));
  for (const [z, y, x, v] of e.samples) expect(frames[z]![y * e.width + x]).toBe(v);
}

async function formatError(p: Promise<unknown>): Promise<{ message: string; file: string | undefined }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isEmflowError(err, "FormatError")) throw new Error(`expected a FormatError, got ${String(err)}`);
  return { message: err.message, file: err.file };
}

describe("openMrc on files written by mrcfile", () => {
  it.each([
    ["mode0.mrcs", "int8"],
    ["mode1.mrcs", "int16"],
    ["mode2.mrcs", "float32"],
    ["mode6.mrcs", "uint16"],
    ["mode12.mrcs", "float16"],
    ["single.mrc", "float32"],
  ])("%s: geometry, header, pixel size and every sampled value", async (name, sampleType) => {
    const e = expected(name);
    const r = await openMrc(fixture(name));
    try {
      expect(r.sampleType).toBe(sampleType);
      expect(r.header.mode).toBe(e.mode);
      expect(r.pixelSizeA).toBeCloseTo(e.voxelSize![0], 5);
      expect(r.header.littleEndian).toBe(true);
      expect([r.header.dmin, r.header.dmax, r.header.dmean, r.header.rms]).toEqual([e.dmin, e.dmax, e.dmean, e.rms]);
      expect([r.header.origin.x, r.header.origin.y, r.header.origin.z]).toEqual(e.origin);
      expect(r.header.map).toBe("MAP ");
      await expectFrames(r, e);
    } finally {
      await r.close();
    }
  });

  it("decodes float16 extremes and the largest and smallest subnormals exactly", async () => {
    const r = await openMrc(fixture("mode12.mrcs"));
    const f = await r.readFrame(0);
    await r.close();
    expect(Array.from(f.subarray(1, 8))).toEqual([65504, -65504, 1023 * 2 ** -24, 2 ** -24, -0, 0.5, -2.25]);
  });

  it("reads a big-endian file (machine stamp 0x11 0x11)", async () => {
    const r = await openMrc(fixture("big-endian.mrc"));
    expect(r.header.littleEndian).toBe(false);
    expect(r.header.machineStamp.slice(0, 2)).toEqual([0x11, 0x11]);
    await expectFrames(r, expected("big-endian.mrc"));
    await r.close();
  });

  it.each([
    ["fei1-ext.mrcs", "FEI1"],
    ["seri-ext.mrc", "SERI"],
  ])("%s: skips the %s extended header (data at 1024 + nsymbt)", async (name, type) => {
    const e = expected(name);
    const r = await openMrc(fixture(name));
    expect(r.header.extType).toBe(type);
    expect(r.header.nsymbt).toBe(e.nsymbt);
    expect(r.header.dataOffset).toBe(1024 + e.nsymbt!);
    expect((await r.readExtendedHeader()).length).toBe(e.nsymbt);
    await expectFrames(r, e);
    await r.close();
  });

  it("returns the FEI1 records: 768 bytes per frame (Dose at byte 92, Pixel size X in m at 156)", async () => {
    const r = await openMrc(fixture("fei1-ext.mrcs"));
    const ext = await r.readExtendedHeader();
    await r.close();
    const dv = new DataView(ext.buffer, ext.byteOffset, ext.length);
    expect(ext.length).toBe(3 * 768);
    expect([0, 1, 2].map((i) => dv.getInt32(768 * i, true))).toEqual([768, 768, 768]);
    expect([0, 1, 2].map((i) => dv.getFloat64(768 * i + 92, true))).toEqual([1, 2, 3]);
    expect(dv.getFloat64(156, true)).toBe(1.06e-10);
  });

  it("follows IMOD's unsigned mode 0 when imodFlags bit 0 is clear, or the caller's choice", async () => {
    const e = expected("imod-unsigned.mrc");
    const auto = await openMrc(fixture("imod-unsigned.mrc"));
    expect(auto.sampleType).toBe("uint8");
    await expectFrames(auto, e.unsigned!);
    await auto.close();
    const signed = await openMrc(fixture("imod-unsigned.mrc"), { mode0: "signed" });
    expect(signed.sampleType).toBe("int8");
    await expectFrames(signed, e); // what mrcfile reads
    await signed.close();
  });

  it.runIf(hasExpected("relion-rescaled.mrc"))("reads relion_image_handler output: new size and pixel size", async () => {
    const e = expected("relion-rescaled.mrc");
    const r = await openMrc(fixture("relion-rescaled.mrc"));
    expect([r.width, r.height]).toEqual([14, 10]);
    expect(r.pixelSizeA).toBeCloseTo(1.77, 5);
    await expectFrames(r, e);
    await r.close();
  });
});

describe("openMrc on bad input", () => {
  it("truncated: frames 0..6 of 10 read; frame 7 (half there) and 8 throw FormatError naming file, frame and bytes", async () => {
    const e = expected("truncated.mrcs");
    const path = fixture("truncated.mrcs");
    const r = await openMrc(path);
    expect(r.frameCount).toBe(10);
    expect(r.expectedBytes).toBe(1024 + 10 * e.frameBytes!);
    for (let i = 0; i < 7; i++) expect(sum(await r.readFrame(i))).toBeCloseTo(e.frameSums[i]!, 3);
    const err = await formatError(r.readFrame(7));
    expect(err.file).toBe(path);
    expect(err.message).toContain("frame 7 of 10 is incomplete");
    expect(err.message).toContain(`needs ${e.frameBytes} bytes`);
    expect(err.message).toContain(`only ${e.frameBytes! / 2} are present`);
    expect(err.message).toContain(`file is ${e.fileBytes} bytes`);
    expect((await formatError(r.readFrame(8))).message).toContain("only 0 are present");
    // Iterating stops at the same place.
    let seen = 0;
    const iterate = async () => {
      for await (const _ of r.frames()) seen++;
    };
    expect((await formatError(iterate())).message).toContain("frame 7");
    expect(seen).toBe(7);
    await r.close();
  });

  it("unsupported mode 4 (complex) names the mode", async () => {
    const err = await formatError(openMrc(fixture("mode4.mrc")));
    expect(err.message).toMatch(/MRC mode 4 \(complex float32\) is not supported/);
    expect(err.file).toBe(fixture("mode4.mrc"));
  });

  it.each([
    ["empty", new Uint8Array(0), /0 bytes, shorter than the 1024-byte MRC header/],
    ["short", new Uint8Array(500), /500 bytes, shorter/],
    ["text", new Uint8Array(Buffer.from("hello world\n".repeat(100))), /not an MRC file/],
    ["random", new Uint8Array(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)), /not an MRC file/],
  ])("%s file: FormatError", async (name, bytes, message) => {
    const path = join(tmp, `${name}.mrc`);
    writeFileSync(path, bytes);
    const err = await formatError(openMrc(path));
    expect(err.message).toMatch(message);
    expect(err.file).toBe(path);
  });

  it("bad dimensions and a negative extended header are FormatErrors", async () => {
    const head = Buffer.alloc(1024);
    head.writeInt32LE(16, 0);
    head.writeInt32LE(0, 4);
    head.writeInt32LE(1, 8);
    head.writeInt32LE(2, 12);
    head.write("MAP ", 208, "latin1");
    head.set([0x44, 0x44, 0, 0], 212);
    const path = join(tmp, "dims.mrc");
    writeFileSync(path, head);
    expect((await formatError(openMrc(path))).message).toContain("bad MRC dimensions nx=16 ny=0 nz=1");
    head.writeInt32LE(16, 4);
    head.writeInt32LE(-4, 92);
    writeFileSync(path, head);
    expect((await formatError(openMrc(path))).message).toContain("negative extended header length");
  });
});
