/**
 * RELION 3.1's own programs read the project we write: star_handler on every
 * STAR file, run_motioncorr recomputing accumulated motion from our shift
 * files, preprocess extracting particles at our coordinates with our CTF, and
 * the pipeliner adding a job to our default_pipeline.star.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { joinOptics, parseStar } from "@emflow/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accumulatedMotion } from "../external/motion-stats.js";
import { RelionProjectWriter } from "./project.js";
import type { RelionMicrographInput } from "./schema.js";

const relionAvailable = ["relion_star_handler", "relion_run_motioncorr", "relion_preprocess", "relion_pipeliner", "relion_image_handler"].every((p) => spawnSync(p, ["--version"]).status === 0);
const dir = mkdtempSync(join(tmpdir(), "emflow-relion-reads-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const script = fileURLToPath(new URL("../external/fixtures/make-inputs.py", import.meta.url));
const raw = join(dir, "raw");
const project = join(dir, "project");
const N = 3;
const PICKS: [number, number][] = [
  [60, 60],
  [190, 70],
  [128, 128],
  [70, 190],
  [180, 180],
];

/** Run a RELION program in `cwd`; returns the exit code and everything it printed. */
function relion(cwd: string, program: string, args: string[]): { code: number | null; out: string } {
  const r = spawnSync(program, args, { cwd, encoding: "utf8" });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}
const read = (root: string, rel: string) => parseStar(readFileSync(join(root, rel), "utf8"), { file: rel });

function micrograph(i: number): RelionMicrographInput {
  const trajectory = Array.from({ length: 8 }, (_, f): [number, number] => [-(0.4 + 0.2 * i) * f + 0.02 * f * f, 0.25 * f]);
  return {
    name: `mic_${i}`,
    movie: join(raw, `mic_${i}.mrc`),
    motion: {
      result: { trajectory, ...accumulatedMotion(trajectory, { pixelSize: 1.2, dosePerFrame: 1.25 }), micrograph_dw: join(raw, `mic_${i}_sum.mrc`), pixel_size: 1.2 },
      movieWidth: 256,
      movieHeight: 256,
      dosePerFrame: 1.25,
    },
    ctf: { result: { defocus_u: 10000 + 2500 * i, defocus_v: 9800 + 2500 * i, astigmatism_angle: 45, score: 0.15, fit_resolution: 3.8 } },
    picks: { picks: PICKS.slice(0, 3 + i), fom: PICKS.slice(0, 3 + i).map((_, k) => 1 - 0.1 * k) },
  };
}

describe.skipIf(!relionAvailable)("RELION 3.1 reads the project (skipped when RELION is not installed)", () => {
  beforeAll(async () => {
    mkdirSync(raw);
    for (let i = 0; i < N; i++) {
      execFileSync("/usr/bin/python3", [script, "movie", join(raw, `mic_${i}.mrc`), String(i), "256", "8", "1.2", Array.from({ length: 8 }, (_, f) => `${0.4 * f},0`).join(";")]);
      execFileSync("/usr/bin/python3", [script, "blobs", join(raw, `mic_${i}_sum.mrc`), String(i), "256", "1.2", "6", "-3", PICKS.map((p) => p.join(",")).join(";")]);
    }
    const w = await RelionProjectWriter.open({ dir: project, optics: [{ pixelSize: 1.2, voltage: 300, cs: 2.7, amplitudeContrast: 0.1 }] });
    for (let i = 0; i < N; i++) await w.add(micrograph(i));
  });

  it.each([
    ["Import/job001/movies.star", "movies", N],
    ["MotionCorr/job002/corrected_micrographs.star", "micrographs", N],
    ["CtfFind/job003/micrographs_ctf.star", "micrographs", N],
  ])("relion_star_handler reads %s and keeps its rows and values", (file, block, rows) => {
    const r = relion(project, "relion_star_handler", ["--i", file, "--o", join(dir, "copy.star")]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).not.toMatch(/ERROR|WARN/);
    const original = read(project, file).table(block);
    const copy = parseStar(readFileSync(join(dir, "copy.star"), "utf8")).table(block);
    expect(copy.rowCount).toBe(rows);
    for (const column of original.columns) {
      const a = original.strings(column);
      const b = copy.strings(column);
      a.forEach((v, i) => (Number.isNaN(Number(v)) ? expect(b[i]).toBe(v) : expect(Number(b[i])).toBeCloseTo(Number(v), 5)));
    }
  });

  it("relion_star_handler accepts the files without optics groups", () => {
    // RELION 3.1's star_handler only copies tables that have optics groups; for the others (its own shift and
    // coordinate files included) it can only show that it reads them without error. Their content is read for
    // real by run_motioncorr, preprocess and the pipeliner below.
    for (const file of ["MotionCorr/job002/Movies/mic_1.star", "AutoPick/job004/Movies/mic_2_autopick.star", "default_pipeline.star"]) {
      const r = relion(project, "relion_star_handler", ["--i", file, "--o", join(dir, "any.star")]);
      expect(r.code, `${file}: ${r.out}`).toBe(0);
      expect(r.out).not.toMatch(/ERROR/);
    }
    // autopick.star is RELION 4's coordinate-file list: 3.1 keeps the column it does not know, and says so.
    const list = relion(project, "relion_star_handler", ["--i", "AutoPick/job004/autopick.star", "--o", join(dir, "any.star")]);
    expect(list.code, list.out).toBe(0);
    expect(list.out).toMatch(/unknown label: rlnMicrographCoordinates/);
    expect(list.out).not.toMatch(/ERROR/);
  });

  it("relion_star_handler selects micrographs on our defocus values", () => {
    const r = relion(project, "relion_star_handler", ["--i", "CtfFind/job003/micrographs_ctf.star", "--o", join(dir, "sel.star"), "--select", "rlnDefocusU", "--minval", "11000", "--maxval", "99999"]);
    expect(r.code, r.out).toBe(0);
    expect(parseStar(readFileSync(join(dir, "sel.star"), "utf8")).table("micrographs").strings("rlnMicrographName")).toEqual(["MotionCorr/job002/Movies/mic_1.mrc", "MotionCorr/job002/Movies/mic_2.mrc"]);
  });

  it("relion_image_handler reads the aligned sums through our links", () => {
    const r = relion(project, "relion_image_handler", ["--i", "MotionCorr/job002/Movies/mic_2.mrc", "--stats"]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/256 x 256/);
  });

  it("relion_run_motioncorr reads our shift files and recomputes the same accumulated motion", () => {
    const copy = join(dir, "mc-check");
    cpSync(project, copy, { recursive: true, verbatimSymlinks: true });
    // Every output exists, so nothing is aligned again; RELION only reads our per-movie STAR files to summarise them.
    const r = relion(copy, "relion_run_motioncorr", ["--i", "Import/job001/movies.star", "--o", "MotionCorr/job002/", "--use_own", "--only_do_unfinished", "--j", "1", "--dose_per_frame", "1.25"]);
    expect(r.code, r.out).toBe(0);
    const theirs = joinOptics(read(copy, "MotionCorr/job002/corrected_micrographs.star"), "micrographs");
    const ours = read(project, "MotionCorr/job002/corrected_micrographs.star").table("micrographs");
    expect(theirs.table.strings("rlnMicrographName")).toEqual(ours.strings("rlnMicrographName"));
    for (const label of ["rlnAccumMotionTotal", "rlnAccumMotionEarly", "rlnAccumMotionLate"]) {
      const a = Array.from(theirs.table.numbers(label));
      const b = Array.from(ours.numbers(label));
      a.forEach((v, i) => expect(v, `${label} ${i}`).toBeCloseTo(b[i] ?? Number.NaN, 4));
    }
    expect(theirs.group(0).micrographPixelSize).toBe(1.2);
  });

  it("relion_preprocess extracts particles at our coordinates with our CTF", () => {
    const r = relion(project, "relion_preprocess", [
      "--i", "CtfFind/job003/micrographs_ctf.star",
      "--coord_dir", "AutoPick/job004/", "--coord_suffix", "_autopick.star",
      "--part_star", "Extract/job005/particles.star", "--part_dir", "Extract/job005/",
      "--extract", "--extract_size", "64",
    ]); // prettier-ignore
    expect(r.code, r.out).toBe(0);
    const particles = joinOptics(read(project, "Extract/job005/particles.star"), "particles");
    expect(particles.table.rowCount).toBe(3 + 4 + 5);
    const mics = particles.table.strings("rlnMicrographName");
    const defocus = particles.table.numbers("rlnDefocusU");
    mics.forEach((m, k) => expect(defocus[k], m).toBe(10000 + 2500 * Number(m.match(/mic_(\d)/)?.[1])));
    expect(particles.table.number(0, "rlnCoordinateX")).toBe(60);
    expect(particles.group(0).imagePixelSize).toBe(1.2);
  });

  it("relion_pipeliner reads default_pipeline.star and adds a job after ours", () => {
    const copy = join(dir, "pipeliner-check");
    cpSync(project, copy, { recursive: true, verbatimSymlinks: true });
    const r = relion(copy, "relion_pipeliner", ["--addJob", "Extract", "--addJobOptions", "star_mics == CtfFind/job003/micrographs_ctf.star;coords_suffix == AutoPick/job004/coords_suffix_autopick.star"]);
    expect(r.code, r.out).toBe(0);
    const p = read(copy, "default_pipeline.star");
    expect(p.block("pipeline_general").number("rlnPipeLineJobCounter")).toBe(6);
    expect(p.table("pipeline_processes").strings("rlnPipeLineProcessName")).toEqual(["Import/job001/", "MotionCorr/job002/", "CtfFind/job003/", "AutoPick/job004/", "Extract/job005/"]);
    const edges = p.table("pipeline_input_edges").rows().filter((e) => e.rlnPipeLineEdgeProcess === "Extract/job005/");
    expect(edges.map((e) => e.rlnPipeLineEdgeFromNode).sort()).toEqual(["AutoPick/job004/coords_suffix_autopick.star", "CtfFind/job003/micrographs_ctf.star"]);
    // Our jobs are kept as finished successfully.
    expect(p.table("pipeline_processes").strings("rlnPipeLineProcessStatus").slice(0, 4)).toEqual(["2", "2", "2", "2"]);
  });
});
