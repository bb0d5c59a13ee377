import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isEmflowError } from "@emflow/core";
import { afterAll, describe, expect, it } from "vitest";
import { joinOptics, opticsBlock } from "./optics.js";
import { parseStar } from "./parse.js";
import { formatStar, formatStarNumber, type StarLoopBlock } from "./write.js";

const relionAvailable = spawnSync("relion_star_handler", ["--version"]).status === 0;
const dir = mkdtempSync(join(tmpdir(), "emflow-star-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run a RELION program in `dir`; returns its exit code and combined output. */
function relion(program: string, args: string[]): { code: number | null; out: string } {
  const r = spawnSync(program, args, { cwd: dir, encoding: "utf8" });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const optics = opticsBlock([
  { number: 1, name: "opticsGroup1", voltage: 300, cs: 2.7, amplitudeContrast: 0.1, originalPixelSize: 0.83, micrographPixelSize: 0.83 },
  { number: 2, name: "opticsGroup2", voltage: 200, cs: 2.7, amplitudeContrast: 0.07, originalPixelSize: 1.1, micrographPixelSize: 2.2 },
]);

/** `n` micrographs with defocus 10000 + 10 i Å; names with a blank and one empty CTF image to exercise quoting. */
function micrographs(n: number, prefix = "MotionCorr/job002/Movies/mic"): StarLoopBlock {
  return {
    name: "micrographs",
    columns: ["rlnMicrographName", "rlnOpticsGroup", "rlnCtfImage", "rlnDefocusU", "rlnDefocusV", "rlnDefocusAngle", "rlnCtfMaxResolution"],
    rows: Array.from({ length: n }, (_, i) => [
      i === 3 ? `${prefix} ${i}.mrc` : `${prefix}${i}.mrc`,
      (i % 2) + 1,
      i === 5 ? "" : `CtfFind/job003/Movies/mic${i}.ctf:mrc`,
      10000 + 10 * i,
      9900 + 10 * i,
      -45.123456789,
      3.5,
    ]),
  };
}

describe("formatStar", () => {
  it("round-trips through our parser with quoting where needed", () => {
    const text = formatStar([
      { name: "general", pairs: { rlnImageSizeX: 4096, rlnMicrographMovieName: "Movies/a b.tif", rlnEmpty: "", _rlnTricky: "data_x", rlnUnderscore: "_y" } },
      optics,
      micrographs(8),
    ]);
    expect(text).toContain("# version 30001");
    expect(text).toContain('"Movies/a b.tif"');
    const doc = parseStar(text);
    const g = doc.block("general");
    expect(g.number("rlnImageSizeX")).toBe(4096);
    expect(g.string("rlnMicrographMovieName")).toBe("Movies/a b.tif");
    expect(g.string("rlnEmpty")).toBe("");
    expect(g.string("rlnTricky")).toBe("data_x");
    expect(g.string("rlnUnderscore")).toBe("_y");
    const join = joinOptics(doc, "micrographs");
    expect(join.table.value(3, "rlnMicrographName")).toBe("MotionCorr/job002/Movies/mic 3.mrc");
    expect(join.table.value(5, "rlnCtfImage")).toBe("");
    expect(join.group(1).micrographPixelSize).toBe(2.2);
    expect(join.group(2).voltage).toBe(300);
    expect(join.table.number(0, "rlnDefocusAngle")).toBe(-45.123457);
  });

  it("formats numbers like RELION and rejects what STAR cannot hold", () => {
    expect(formatStarNumber(300)).toBe("300");
    expect(formatStarNumber(0.885)).toBe("0.885000");
    expect(formatStarNumber(1.5e-5)).toBe("1.500000e-5");
    expect(formatStarNumber(Number.NaN)).toBeUndefined();
    const bad = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isEmflowError(e, "FormatError") ? e.message : "not a FormatError";
      }
      return "no error";
    };
    expect(bad(() => formatStar([{ name: "t", columns: ["a"], rows: [[Number.NaN]] }]))).toMatch(/data_t row 1 _a: number NaN is not finite/);
    expect(bad(() => formatStar([{ name: "t", columns: ["a", "b"], rows: [[1]] }]))).toMatch(/row 1 has 1 values for 2 columns/);
    expect(bad(() => formatStar([{ name: "t", pairs: { a: "two\nlines" } }]))).toMatch(/cannot be quoted/);
    expect(bad(() => opticsBlock([{ number: 1, name: "a", voltage: 300, cs: 2.7, amplitudeContrast: 0.1, originalPixelSize: 1 }, { number: 2, name: "b", voltage: 300, cs: 2.7, amplitudeContrast: 0.1 }]))).toMatch(
      /optics group 2: no value for _rlnMicrographOriginalPixelSize/,
    );
  });
});

describe.skipIf(!relionAvailable)("RELION 3.1 reads what we write (relion_star_handler)", () => {
  it("reads and rewrites our file with every row and value", () => {
    writeFileSync(join(dir, "ours.star"), formatStar([optics, micrographs(1000)]));
    const r = relion("relion_star_handler", ["--i", "ours.star", "--o", "out.star"]);
    expect(r.code, r.out).toBe(0);
    const back = joinOptics(parseStar(readFileSync(join(dir, "out.star"), "utf8"), { file: "out.star" }), "micrographs");
    expect(back.table.rowCount).toBe(1000);
    expect(back.optics.map((g) => [g.name, g.micrographPixelSize])).toEqual([
      ["opticsGroup1", 0.83],
      ["opticsGroup2", 2.2],
    ]);
    expect(back.table.value(3, "rlnMicrographName")).toBe("MotionCorr/job002/Movies/mic 3.mrc");
    expect(back.table.value(5, "rlnCtfImage")).toBe("");
    expect(back.table.number(999, "rlnDefocusU")).toBe(19990);
    expect(back.group(998).number).toBe(1);
  });

  it("selects on a numeric column", () => {
    writeFileSync(join(dir, "sel.star"), formatStar([optics, micrographs(100)]));
    const r = relion("relion_star_handler", ["--i", "sel.star", "--o", "sel-out.star", "--select", "rlnDefocusU", "--minval", "10200", "--maxval", "10495"]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/with 30 item\(s\)/);
    const t = parseStar(readFileSync(join(dir, "sel-out.star"), "utf8")).table("micrographs");
    expect(Array.from(t.numbers("rlnDefocusU"))[0]).toBe(10200);
    expect(t.rowCount).toBe(30);
  });

  it("combines two files and finds the duplicated names", () => {
    writeFileSync(join(dir, "c1.star"), formatStar([optics, micrographs(10)]));
    const second = micrographs(10);
    writeFileSync(join(dir, "c2.star"), formatStar([optics, { ...second, rows: second.rows.slice(7) }]));
    const r = relion("relion_star_handler", ["--combine", "--i", "c1.star c2.star", "--check_duplicates", "rlnMicrographName", "--o", "comb.star"]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/Total number of duplicate rlnMicrographName entries: 3/);
    expect(parseStar(readFileSync(join(dir, "comb.star"), "utf8")).table("micrographs").rowCount).toBe(13);
  });
});
