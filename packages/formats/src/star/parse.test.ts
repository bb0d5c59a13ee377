import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isEmflowError } from "@emflow/core";
import { describe, expect, it } from "vitest";
import { parseStar } from "./parse.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const readFixture = (name: string) => parseStar(readFileSync(fixture(name), "utf8"), { file: name });

/** The FormatError thrown by `fn`, for asserting its file, line and message. */
function thrown(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    if (isEmflowError(err, "FormatError")) return err;
    throw err;
  }
  throw new Error("expected a FormatError");
}

const SAMPLE = `
# version 30001

data_general

_rlnImageSizeX                                      512
_rlnMicrographMovieName                    'Movies/a b.tif'
_rlnEmpty ""
_rlnMotionModelVersion                                0

# version 30001

data_micrographs

loop_
_rlnMicrographName #1
_rlnCtfImage #2
_rlnDefocusU #3
_rlnOpticsGroup #4
Movies/m1.mrc  "" 12000.5 1
"Movies/m 2.mrc" m2.ctf:mrc   1.5e4    1   # trailing comment
'it''s.mrc' x -3 2
`;

describe("parseStar", () => {
  it("reads key-value blocks, loops, comments, quoted and empty values", () => {
    const doc = parseStar(SAMPLE, { file: "s.star" });
    expect(doc.blocks.map((b) => b.name)).toEqual(["general", "micrographs"]);
    const g = doc.block("general");
    expect(g.number("rlnImageSizeX")).toBe(512);
    expect(g.string("_rlnMicrographMovieName")).toBe("Movies/a b.tif");
    expect(g.string("rlnEmpty")).toBe("");
    expect(g.optionalNumber("rlnNope")).toBeUndefined();
    const t = doc.table("micrographs");
    expect(t.columns).toEqual(["rlnMicrographName", "rlnCtfImage", "rlnDefocusU", "rlnOpticsGroup"]);
    expect(t.rowCount).toBe(3);
    expect(t.strings("rlnMicrographName")).toEqual(["Movies/m1.mrc", "Movies/m 2.mrc", "it''s.mrc"]);
    expect(t.strings("rlnCtfImage")).toEqual(["", "m2.ctf:mrc", "x"]);
    expect(Array.from(t.numbers("rlnDefocusU"))).toEqual([12000.5, 15000, -3]);
    expect(Array.from(t.integers("rlnOpticsGroup"))).toEqual([1, 1, 2]);
    expect(t.lineOf(1)).toBe(21);
    expect(t.row(2)).toEqual({ rlnMicrographName: "it''s.mrc", rlnCtfImage: "x", rlnDefocusU: "-3", rlnOpticsGroup: "2" });
  });

  it("reads a bare data_ block, CRLF line ends, nan/inf, rows wrapped over lines and ; text fields", () => {
    const text = ["data_", "loop_", "_x #1", "_y #2", "_note #3", "1 nan", "hello", "-inf 2 ok", "data_t", "_long", ";first", "second", ";", ""].join("\r\n");
    const doc = parseStar(text);
    const t = doc.table("");
    expect(Array.from(t.numbers("x"))).toEqual([1, Number.NEGATIVE_INFINITY]);
    expect(Number.isNaN(t.number(0, "y"))).toBe(true);
    expect(t.strings("note")).toEqual(["hello", "ok"]);
    expect(t.lineOf(0)).toBe(6);
    expect(doc.block("t").string("long")).toBe("first\nsecond");
  });

  it("names file, block and line in errors", () => {
    const short = thrown(() => parseStar("data_a\nloop_\n_a #1\n_b #2\n1 2\n3\n4 5\n", { file: "f.star" }));
    expect(short.file).toBe("f.star");
    expect(short.line).toBe(6);
    expect(short.message).toMatch(/data_a: row has 1 values, the loop has 2 columns/);

    const long = thrown(() => parseStar("data_a\nloop_\n_a #1\n1 2\n", { file: "f.star" }));
    expect(long.line).toBe(4);
    expect(long.message).toMatch(/row has 2 values/);

    expect(thrown(() => parseStar("data_a\n_k 'oops\n")).message).toMatch(/unterminated ' quote/);
    expect(thrown(() => parseStar("_k 1\n")).message).toMatch(/before the first data_ block/);

    const doc = parseStar("data_a\nloop_\n_rlnDefocusU #1\n100\nabc\n", { file: "g.star" });
    const nan = thrown(() => doc.table("a").numbers("rlnDefocusU"));
    expect(nan.toLine()).toBe("g.star:5: data_a: _rlnDefocusU: 'abc' is not a number");
    const missing = thrown(() => doc.table("a").strings("rlnCtfImage"));
    expect(missing.line).toBe(2);
    expect(missing.message).toMatch(/no column _rlnCtfImage \(columns: _rlnDefocusU\)/);
    expect(thrown(() => doc.block("optics")).message).toMatch(/no data_optics block \(blocks: data_a\)/);
    expect(thrown(() => doc.block("a").string("rlnX")).message).toMatch(/no item _rlnX/);
  });

  it("parses 100k rows quickly", () => {
    const n = 100_000;
    const lines = ["data_particles", "", "loop_"];
    const cols = ["rlnCoordinateX", "rlnCoordinateY", "rlnAnglePsi", "rlnAutopickFigureOfMerit", "rlnMicrographName", "rlnOpticsGroup", "rlnDefocusU", "rlnDefocusV"];
    cols.forEach((c, i) => lines.push(`_${c} #${i + 1}`));
    for (let i = 0; i < n; i++) {
      lines.push(`${(i * 1.5).toFixed(6)} ${(i % 4096).toFixed(6)} ${(i % 360).toFixed(6)} 0.123456 MotionCorr/job002/Movies/FoilHole_${i % 500}_Data.mrc 1 12345.678 12000.5`);
    }
    const text = lines.join("\n");
    const t0 = performance.now();
    const t = parseStar(text).table("particles");
    const x = t.numbers("rlnCoordinateX");
    const ms = performance.now() - t0;
    expect(t.rowCount).toBe(n);
    expect(x[99_999]).toBeCloseTo(99_999 * 1.5, 6);
    expect(t.value(12_345, "rlnMicrographName")).toBe("MotionCorr/job002/Movies/FoilHole_345_Data.mrc");
    expect(t.lineOf(n - 1)).toBe(3 + cols.length + n);
    expect(ms).toBeLessThan(1500);
  });
});

describe("STAR files written by RELION 3.1", () => {
  it("reads relion_import's movies.star", () => {
    const doc = readFixture("relion-import-movies.star");
    expect(doc.table("optics").number(0, "rlnMicrographOriginalPixelSize")).toBe(0.885);
    expect(doc.table("movies").strings("rlnMicrographMovieName")).toEqual(["Movies/mov1.mrc"]);
  });

  it("reads relion_run_motioncorr's per-movie shift file", () => {
    const doc = readFixture("relion-motioncorr-movie.star");
    const general = doc.block("general");
    expect(general.number("rlnImageSizeZ")).toBe(10);
    expect(general.string("rlnMicrographMovieName")).toBe("Movies/mov1.mrc");
    const shifts = doc.table("global_shift");
    expect(Array.from(shifts.integers("rlnMicrographFrameNumber"))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(shifts.number(9, "rlnMicrographShiftX")).toBeCloseTo(-7.19321, 5);
  });

  it("reads relion_autopick's coordinate file (a bare data_ block)", () => {
    const t = readFixture("relion-autopick-coords.star").table("");
    expect(t.rowCount).toBe(20);
    expect(t.number(1, "rlnCoordinateX")).toBeCloseTo(100.392157, 6);
    expect(t.number(0, "rlnAutopickFigureOfMerit")).toBeCloseTo(1.464887, 6);
  });

  it("reads relion_pipeliner's default_pipeline.star", () => {
    const doc = readFixture("relion-default_pipeline.star");
    expect(doc.block("pipeline_general").number("rlnPipeLineJobCounter")).toBe(4);
    const nodes = doc.table("pipeline_nodes");
    expect(nodes.strings("rlnPipeLineNodeName")).toContain("AutoPick/job003/coords_suffix_autopick.star");
    expect(doc.table("pipeline_processes").strings("rlnPipeLineProcessAlias")).toEqual(["None", "None", "None"]);
    expect(doc.table("pipeline_output_edges").rowCount).toBe(5);
  });
});
