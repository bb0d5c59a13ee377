import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CtfResult, isEmflowError } from "@emflow/core";
import { afterAll, describe, expect, it } from "vitest";
import { ctffindEstimate, ctffindOutputFiles } from "./ctffind.js";
import { ctffindAnswers } from "./ctffind-answers.js";
import { ctfResultFromCtffind, parseCtffindAvrot, parseCtffindOutput } from "./ctffind-output.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "emflow-ctffind-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = { pixelSize: 0.83, voltage: 300, cs: 2.7, amplitudeContrast: 0.1 };

describe("CTFFIND answer script", () => {
  it("answers CTFFIND 4.1's prompts in order, as RELION 3.1 does", () => {
    // RELION 3.1's CtffindRunner::executeCtffind4 with box 512, 30–5 Å, 5000–50000 step 500, astigmatism 100, exhaustive search.
    expect(ctffindAnswers("mic.mrc", "mic.ctf", { ...base, slowerSearch: true, astigmatismRestraint: 100 })).toEqual([
      "mic.mrc", "mic.ctf", "0.83", "300", "2.7", "0.1", "512", "30", "5", "5000", "50000", "500",
      "no", "yes", "yes", "100", "no", "no",
    ]); // prettier-ignore
  });

  it("converts the phase-shift search to radians and skips the tilt prompt it brings", () => {
    const a = ctffindAnswers("mic.mrc", "mic.ctf", { ...base, version: "4.1.15", phaseShift: { min: 0, max: 180, step: 10 } });
    expect(a.slice(12)).toEqual(["no", "no", "no", "yes", "0", String(Math.PI), String(Math.PI / 18), "no"]);
  });

  it("asks about tilt from 4.1.15 and thickness in CTFFIND 5", () => {
    expect(ctffindAnswers("m.mrc", "m.ctf", { ...base, version: "4.1.15", determineTilt: true }).slice(12)).toEqual(["no", "no", "no", "no", "yes", "no"]);
    expect(ctffindAnswers("m.mrc", "m.ctf", { ...base, version: "5", thickness: { nodesHighResolution: 3.5 } }).slice(12)).toEqual([
      "no", "no", "no", "no", "no", "yes", "yes", "yes", "30", "3.5", "no", "no", "no",
    ]); // prettier-ignore
  });

  it("answers the movie and known-astigmatism branches", () => {
    const stack = ctffindAnswers("stack.mrcs", "s.ctf", { ...base, movieFramesToAverage: 3, knownAstigmatism: { astigmatism: 250, angle: 33 } });
    expect(stack.slice(0, 4)).toEqual(["stack.mrcs", "yes", "3", "s.ctf"]);
    expect(stack.slice(14)).toEqual(["yes", "no", "250", "33", "no", "no"]);
    expect(ctffindAnswers("a.eer", "a.ctf", { ...base, movieFramesToAverage: 20 }).slice(0, 3)).toEqual(["a.eer", "20", "a.ctf"]);
    expect(() => ctffindAnswers("m", "c", { ...base, thickness: {} })).toThrow(/CTFFIND 5/);
    expect(() => ctffindAnswers("m", "c", { ...base, minResolution: 4, maxResolution: 5 })).toThrow(/coarser/);
  });
});

describe("CTFFIND output", () => {
  it("reads a CTFFIND 4.1 result as U ≥ V defocus, angle, score and fit resolution", () => {
    const rows = parseCtffindOutput(readFileSync(fixture("ctffind4.txt"), "utf8"));
    expect(rows).toHaveLength(1);
    const r = CtfResult.parse(ctfResultFromCtffind(rows[0] as (typeof rows)[0]));
    expect(r).toEqual({ defocus_u: 15873.462891, defocus_v: 15402.109375, astigmatism_angle: -37.829254, phase_shift: 0, score: 0.214539, fit_resolution: 3.612405 });
  });

  it("reads CTFFIND 5's extra columns", () => {
    const row = parseCtffindOutput(readFileSync(fixture("ctffind5.txt"), "utf8"))[0];
    expect(row?.thickness).toBeCloseTo(1619.773438, 6);
    const r = ctfResultFromCtffind(row as NonNullable<typeof row>);
    expect(r).toMatchObject({ defocus_u: 8984.742188, defocus_v: 8709.236328, fit_resolution: 3.72, thickness: 1619.773438, tilt_angle: 12.251187, tilt_axis_angle: 221.912292 });
  });

  it("swaps the axes when defocus 2 > defocus 1 and converts the phase shift to degrees", () => {
    const [row] = parseCtffindOutput("# header\n1.000000 15000.0 16000.0 70.0 1.5707963 0.3 4.1\n");
    const r = ctfResultFromCtffind(row as NonNullable<typeof row>);
    expect(r.defocus_u).toBe(16000);
    expect(r.defocus_v).toBe(15000);
    expect(r.astigmatism_angle).toBeCloseTo(-20, 9);
    expect(r.phase_shift).toBeCloseTo(90, 5);
  });

  it("reads the 1D profile from _avrot.txt", () => {
    const [p] = parseCtffindAvrot(readFileSync(fixture("ctffind4_avrot.txt"), "utf8"));
    expect(p?.spatial_frequency).toHaveLength(80);
    expect(p?.spatial_frequency[0]).toBe(0);
    expect(p?.spatial_frequency[79]).toBeCloseTo(0.5 / (2 * 0.83), 5);
    expect(p?.ctf_fit.every((v) => v >= 0 && v <= 1.01)).toBe(true);
    expect(p?.noise_2sigma[10]).toBe(0.144);
    // CTFFIND 4.0 wrote frequencies in 1/pixels: converted with the header's pixel size.
    const old = `# Pixel size: 2.000 Angstroms\n# 6 lines per micrograph: #1 - spatial frequency (1/pixels); ...\n${["0 0.25 0.5", "1 1 1", "1 1 1", "0 1 0", "1 1 1", "0 0 0"].join("\n")}\n`;
    expect(parseCtffindAvrot(old)[0]?.spatial_frequency).toEqual([0, 0.125, 0.25]);
  });

  it("names file and line of a malformed result", () => {
    try {
      parseCtffindOutput("# Columns: ...\n1.0 12000 11000 oops\n", "x.txt");
      expect.unreachable();
    } catch (e) {
      expect(isEmflowError(e, "FormatError")).toBe(true);
      expect((e as { file?: string; line?: number }).line).toBe(2);
    }
    expect(() => parseCtffindAvrot("# h\n1 2 3\n")).toThrow(/6 data lines per micrograph/);
  });
});

describe("CTFFIND adapter", () => {
  it("feeds the answers on stdin and reads the files written beside the diagnostic image (fake CTFFIND)", async () => {
    // A stand-in: reads the answers, checks their number, writes <diag root>.txt and _avrot.txt from the samples.
    const fake = join(dir, "ctffind");
    writeFileSync(
      fake,
      `#!/bin/sh\ni=0\nwhile read -r line; do i=$((i+1)); eval "a$i=\\$line"; done\necho "$i" > "${dir}/count.txt"\n` +
        `root="\${a2%.*}"\ncp "${fixture("ctffind4.txt")}" "$root.txt"\ncp "${fixture("ctffind4_avrot.txt")}" "\${root}_avrot.txt"\necho diag > "$a2"\n`,
    );
    chmodSync(fake, 0o755);
    writeFileSync(join(dir, "mic_7.mrc"), "");
    const out = await ctffindEstimate({ micrograph: join(dir, "mic_7.mrc"), outputDir: join(dir, "CtfFind"), options: { ...base, executable: fake } });
    expect(readFileSync(join(dir, "count.txt"), "utf8").trim()).toBe(String(out.answers.length));
    expect(out.files.diagnostic).toBe(join(dir, "CtfFind", "mic_7.ctf"));
    expect(ctffindOutputFiles(out.files.diagnostic)).toEqual({ output: join(dir, "CtfFind", "mic_7.txt"), avrot: join(dir, "CtfFind", "mic_7_avrot.txt") });
    const r = CtfResult.parse(out.result);
    expect(r.defocus_u).toBe(15873.462891);
    expect(out.result.profile?.ctf_fit).toHaveLength(80);
  });

  it("reports output it cannot read as an ExternalToolError naming the file", async () => {
    const fake = join(dir, "ctffind-bad");
    writeFileSync(fake, `#!/bin/sh\ncat > /dev/null\necho "# only a header" > "${join(dir, "Bad", "m.txt")}"\n`);
    chmodSync(fake, 0o755);
    writeFileSync(join(dir, "m.mrc"), "");
    const e = await ctffindEstimate({ micrograph: join(dir, "m.mrc"), outputDir: join(dir, "Bad"), options: { ...base, executable: fake } }).catch((x: unknown) => x as Error);
    expect(isEmflowError(e, "ExternalToolError")).toBe(true);
    expect(e.message).toMatch(/ctffind wrote output we cannot read: .*m\.txt: no result rows/);
  });

  it("says which binary is missing and where to configure it", async () => {
    const missing = join(dir, "not-installed", "ctffind");
    const e = await ctffindEstimate({ micrograph: join(dir, "m.mrc"), outputDir: join(dir, "x"), options: { ...base, executable: missing } }).catch((x: unknown) => x as Error);
    expect(e.message).toBe(`${missing} not found: install ctffind or set processing.tools.ctffind to its path`);
  });
});
