import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isEmflowError } from "../errors.js";
import { EPU_TESTDATA, readEpuTestFile } from "../testing/testdata.js";
import { parseEpuFile } from "./parse.js";

// One real file of each of the six kinds, with the path it has inside a session directory.
const KINDS: Array<[string, string]> = [
  ["EpuSession.dm", "epu-dir-example/EpuSession.dm"],
  ["Sample4/Atlas/Atlas.dm", "epumocks/Atlas/Supervisor_20240404_093820_Pete_Miriam_HexAuFoil/Sample4/Atlas/Atlas.dm"],
  ["Metadata/GridSquare_4590776.dm", "epumocks/GridSquare_4590776.dm"],
  [
    "Images-Disc1/GridSquare_8999138/GridSquare_20250108_151151.xml",
    "epu-dir-example/Images-Disc1/GridSquare_8999138/GridSquare_20250108_151151.xml",
  ],
  [
    "Images-Disc1/GridSquare_8999138/FoilHoles/FoilHole_9015889_20250108_154725.xml",
    "epu-dir-example/Images-Disc1/GridSquare_8999138/FoilHoles/FoilHole_9015889_20250108_154725.xml",
  ],
  [
    "Images-Disc1/GridSquare_8999138/Data/FoilHole_9015883_Data_9017354_6_20250108_154918.xml",
    "epu-dir-example/Images-Disc1/GridSquare_8999138/Data/FoilHole_9015883_Data_9017354_6_20250108_154918.xml",
  ],
];

const JPEG = readFileSync(`${EPU_TESTDATA}epu-dir-example/Images-Disc1/GridSquare_8999138/GridSquare_20250108_151151.jpg`).toString("latin1");

type Failure = { tag: string; message: string; file: string | undefined; line: number | undefined };

/** The error for `text`, checking that its UTF-8 bytes (the worker threads' input) fail the same way. */
function failure(rel: string, text: string): Failure {
  const f = failureOf(rel, text);
  expect(failureOf(rel, new TextEncoder().encode(text))).toEqual(f);
  return f;
}

function failureOf(rel: string, data: string | Uint8Array): Failure {
  try {
    parseEpuFile(rel, data);
  } catch (err) {
    expect(isEmflowError(err)).toBe(true);
    if (!isEmflowError(err)) throw err;
    return { tag: err._tag, message: err.message, file: err.file, line: err.line };
  }
  throw new Error(`expected ${rel} to fail`);
}

describe.each(KINDS)("bad versions of %s", (rel, source) => {
  const good = readEpuTestFile(source);

  it("parses the good file", () => {
    expect(() => parseEpuFile(rel, good)).not.toThrow();
    expect(parseEpuFile(rel, new TextEncoder().encode(good))).toEqual(parseEpuFile(rel, good));
  });

  it("rejects an empty file, naming it", () => {
    expect(failure(rel, "")).toMatchObject({ tag: "XmlSyntaxError", file: rel, message: expect.stringMatching(/empty file/) });
  });

  it("rejects a file truncated in the middle, with a line number", () => {
    const f = failure(rel, good.slice(0, Math.floor(good.length / 2)));
    expect(f.tag).toBe("XmlSyntaxError");
    expect(f.file).toBe(rel);
    expect(f.message).toMatch(/truncated/);
    expect(f.line).toBe(good.slice(0, Math.floor(good.length / 2)).split("\n").length);
  });

  it("rejects binary (a JPEG) and non-XML text", () => {
    expect(failure(rel, JPEG)).toMatchObject({ tag: "XmlSyntaxError", file: rel });
    expect(failure(rel, "not xml at all")).toMatchObject({ tag: "XmlSyntaxError", file: rel });
  });

  it("rejects mismatched tags", () => {
    const broken = good.replace(/<\/([A-Za-z]+)>/, "</Wrong>");
    expect(failure(rel, broken)).toMatchObject({ tag: "XmlSyntaxError", message: expect.stringMatching(/mismatched closing tag/) });
  });

  it("rejects a well-formed document of another kind", () => {
    expect(failure(rel, `<?xml version="1.0"?><SomethingElse><Id>1</Id></SomethingElse>`)).toMatchObject({
      tag: "EpuFormatError",
      file: rel,
      message: expect.stringMatching(/expected .*found <SomethingElse>/),
    });
  });
});

describe("bad values inside well-formed files", () => {
  it("names the field that is not a number", () => {
    const rel = KINDS[5]![0];
    const text = readEpuTestFile(KINDS[5]![1]).replace("<ExposureTime>0.89</ExposureTime>", "<ExposureTime>fast</ExposureTime>");
    expect(failure(rel, text)).toMatchObject({ tag: "EpuFormatError", file: rel, message: expect.stringMatching(/ExposureTime: 'fast' is not a number/) });
  });

  it("rejects a grid-square .dm whose content does not match its name", () => {
    const text = readEpuTestFile("epumocks/GridSquare_4590776.dm");
    expect(failure("Metadata/GridSquare_1234.dm", text).message).toMatch(/file name says grid square 1234 but the content is grid square 4590776/);
  });

  it("rejects a session without its Id", () => {
    const text = readEpuTestFile("epu-dir-example/EpuSession.dm").replace(/<Id xmlns="[^"]*">9015527<\/Id>/, "");
    expect(failure("EpuSession.dm", text)).toMatchObject({ tag: "EpuFormatError", message: expect.stringMatching(/missing value at Id/) });
  });

  it("refuses files it does not read", () => {
    expect(failure("notes.txt", "<a/>").message).toMatch(/not an EPU metadata file/);
  });
});
