import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isEmflowError } from "@emflow/core";
import { joinOptics, parseStar } from "@emflow/formats";
import { afterAll, describe, expect, it } from "vitest";
import { accumulatedMotion } from "../external/motion-stats.js";
import { RelionProjectWriter } from "./project.js";
import type { RelionMicrographInput } from "./schema.js";

const dir = mkdtempSync(join(tmpdir(), "emflow-relion-project-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const script = fileURLToPath(new URL("../external/fixtures/make-inputs.py", import.meta.url));
const raw = join(dir, "raw");
mkdirSync(raw);

const OPTICS = [{ name: "opticsGroup1", pixelSize: 1.0, voltage: 300, cs: 2.7, amplitudeContrast: 0.1 }];
const read = (project: string, rel: string) => parseStar(readFileSync(join(project, rel), "utf8"), { file: rel });

/** Known results for micrograph `i`: a drift, a CTF and four picks. */
function results(i: number, files = true): RelionMicrographInput {
  const trajectory = Array.from({ length: 6 }, (_, f): [number, number] => [-(0.5 + 0.1 * i) * f, 0.3 * f]);
  const motion = accumulatedMotion(trajectory, { pixelSize: 1, dosePerFrame: 1.5 });
  return {
    name: `FoilHole_${100 + i}_Data`,
    movie: join(raw, `FoilHole_${100 + i}_Data_fractions.mrc`),
    motion: {
      result: { trajectory, ...motion, micrograph: join(raw, `aligned_${i}.mrc`), micrograph_dw: join(raw, `aligned_${i}_DW.mrc`), pixel_size: 1 },
      movieWidth: 256,
      movieHeight: 256,
      dosePerFrame: 1.5,
    },
    ctf: { result: { defocus_u: 12000 + 1000 * i, defocus_v: 11500 + 1000 * i, astigmatism_angle: 30 - 10 * i, phase_shift: 0, score: 0.2, fit_resolution: 4 + i }, ...(files ? {} : {}) },
    picks: { picks: [[60, 60], [190, 70], [128, 128], [70, 190 - i]], fom: [1.5, 1.2, 0.9, 0.4] },
  };
}

/** Write the movie and the two aligned sums that `results(i)` refers to. */
function makeInputs(i: number): void {
  execFileSync("/usr/bin/python3", [script, "movie", join(raw, `FoilHole_${100 + i}_Data_fractions.mrc`), String(i), "256", "6", "1.0", Array.from({ length: 6 }, (_, f) => `${f * 0.5},0`).join(";")]);
  for (const suffix of ["", "_DW"]) execFileSync("/usr/bin/python3", [script, "blobs", join(raw, `aligned_${i}${suffix}.mrc`), String(i), "256", "1.0", "6", "-3", "60,60;190,70;128,128"]);
}

describe("RelionProjectWriter", () => {
  const project = join(dir, "project");

  it("writes each job's files as results arrive, one micrograph at a time", async () => {
    for (const i of [0, 1, 2]) makeInputs(i);
    const w = await RelionProjectWriter.open({ dir: project, optics: OPTICS });
    const first = results(0);
    await w.add({ name: first.name, movie: first.movie });
    expect(read(project, "Import/job001/movies.star").table("movies").strings("rlnMicrographMovieName")).toEqual(["Movies/FoilHole_100_Data.mrc"]);
    expect(readlinkSync(join(project, "Movies/FoilHole_100_Data.mrc"))).toBe(first.movie);
    expect(read(project, "default_pipeline.star").table("pipeline_processes").strings("rlnPipeLineProcessName")).toEqual(["Import/job001/"]);
    expect(existsSync(join(project, "MotionCorr"))).toBe(false);

    await w.add({ name: first.name, motion: first.motion });
    const shifts = read(project, "MotionCorr/job002/Movies/FoilHole_100_Data.star");
    expect(shifts.block("general").string("rlnMicrographMovieName")).toBe("Movies/FoilHole_100_Data.mrc");
    expect(shifts.block("general").number("rlnImageSizeZ")).toBe(6);
    // RELION stores the aligning shift, the negative of our trajectory.
    expect(Array.from(shifts.table("global_shift").numbers("rlnMicrographShiftX"))).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(Array.from(shifts.table("global_shift").numbers("rlnMicrographShiftY"))).toEqual([0, -0.3, -0.6, -0.9, -1.2, -1.5]);
    const corrected = joinOptics(read(project, "MotionCorr/job002/corrected_micrographs.star"), "micrographs");
    expect(corrected.table.row(0)).toMatchObject({
      rlnMicrographName: "MotionCorr/job002/Movies/FoilHole_100_Data.mrc",
      rlnMicrographNameNoDW: "MotionCorr/job002/Movies/FoilHole_100_Data_noDW.mrc",
      rlnMicrographMetadata: "MotionCorr/job002/Movies/FoilHole_100_Data.star",
    });
    expect(corrected.table.number(0, "rlnAccumMotionTotal")).toBeCloseTo(Math.hypot(0.5, 0.3) * 5, 5);
    expect(corrected.group(0).micrographPixelSize).toBe(1);
    expect(readlinkSync(join(project, "MotionCorr/job002/Movies/FoilHole_100_Data.mrc"))).toBe(join(raw, "aligned_0_DW.mrc"));

    await w.add({ name: first.name, ctf: first.ctf, picks: first.picks });
    await w.addMany([results(1), results(2)]);
    expect(w.counts()).toEqual({ movies: 3, motion: 3, ctf: 3, picks: 3 });

    const ctf = read(project, "CtfFind/job003/micrographs_ctf.star").table("micrographs");
    expect(Array.from(ctf.numbers("rlnDefocusU"))).toEqual([12000, 13000, 14000]);
    expect(Array.from(ctf.numbers("rlnCtfAstigmatism"))).toEqual([500, 500, 500]);
    expect(Array.from(ctf.numbers("rlnDefocusAngle"))).toEqual([30, 20, 10]);
    expect(Array.from(ctf.numbers("rlnCtfMaxResolution"))).toEqual([4, 5, 6]);
    expect(ctf.has("rlnPhaseShift")).toBe(false);
    expect(ctf.strings("rlnCtfImage")).toEqual(["", "", ""]);

    const coords = read(project, "AutoPick/job004/Movies/FoilHole_102_Data_autopick.star").table("");
    expect(Array.from(coords.numbers("rlnCoordinateY"))).toEqual([60, 70, 128, 188]);
    expect(Array.from(coords.numbers("rlnAutopickFigureOfMerit"))).toEqual([1.5, 1.2, 0.9, 0.4]);
    expect(read(project, "AutoPick/job004/autopick.star").table("coordinate_files").row(1)).toEqual({
      rlnMicrographName: "MotionCorr/job002/Movies/FoilHole_101_Data.mrc",
      rlnMicrographCoordinates: "AutoPick/job004/Movies/FoilHole_101_Data_autopick.star",
    });
    expect(readFileSync(join(project, "AutoPick/job004/coords_suffix_autopick.star"), "utf8")).toBe("CtfFind/job003/micrographs_ctf.star\n");

    const pipeline = read(project, "default_pipeline.star");
    expect(pipeline.block("pipeline_general").number("rlnPipeLineJobCounter")).toBe(5);
    expect(pipeline.table("pipeline_processes").rows()).toEqual([
      { rlnPipeLineProcessName: "Import/job001/", rlnPipeLineProcessAlias: "None", rlnPipeLineProcessType: "0", rlnPipeLineProcessStatus: "2" },
      { rlnPipeLineProcessName: "MotionCorr/job002/", rlnPipeLineProcessAlias: "None", rlnPipeLineProcessType: "1", rlnPipeLineProcessStatus: "2" },
      { rlnPipeLineProcessName: "CtfFind/job003/", rlnPipeLineProcessAlias: "None", rlnPipeLineProcessType: "2", rlnPipeLineProcessStatus: "2" },
      { rlnPipeLineProcessName: "AutoPick/job004/", rlnPipeLineProcessAlias: "None", rlnPipeLineProcessType: "4", rlnPipeLineProcessStatus: "2" },
    ]);
    expect(pipeline.table("pipeline_nodes").rows().map((r) => [r.rlnPipeLineNodeName, r.rlnPipeLineNodeType])).toEqual([
      ["Import/job001/movies.star", "0"],
      ["MotionCorr/job002/corrected_micrographs.star", "1"],
      ["CtfFind/job003/micrographs_ctf.star", "1"],
      ["AutoPick/job004/coords_suffix_autopick.star", "2"],
    ]);
    expect(pipeline.table("pipeline_input_edges").rows().map((r) => [r.rlnPipeLineEdgeFromNode, r.rlnPipeLineEdgeProcess])).toEqual([
      ["Import/job001/movies.star", "MotionCorr/job002/"],
      ["MotionCorr/job002/corrected_micrographs.star", "CtfFind/job003/"],
      ["CtfFind/job003/micrographs_ctf.star", "AutoPick/job004/"],
    ]);
    for (const job of ["Import/job001", "MotionCorr/job002", "CtfFind/job003", "AutoPick/job004"]) expect(existsSync(join(project, job, "RELION_JOB_EXIT_SUCCESS"))).toBe(true);
    expect(existsSync(join(project, ".Nodes/2/AutoPick/job004/coords_suffix_autopick.star"))).toBe(true);
    const leftovers = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? leftovers(join(d, e.name)) : e.name.endsWith(".tmp") ? [join(d, e.name)] : []));
    expect(leftovers(project)).toEqual([]);
  });

  it("reopens an existing project and keeps what it listed", async () => {
    const w = await RelionProjectWriter.open({ dir: project, optics: OPTICS });
    expect(w.counts()).toEqual({ movies: 3, motion: 3, ctf: 3, picks: 3 });
    makeInputs(3);
    await w.add(results(3));
    expect(read(project, "CtfFind/job003/micrographs_ctf.star").table("micrographs").strings("rlnMicrographName")).toEqual([0, 1, 2, 3].map((i) => `MotionCorr/job002/Movies/FoilHole_${100 + i}_Data.mrc`));
    expect(read(project, "Import/job001/movies.star").table("movies").rowCount).toBe(4);
  });

  it("rejects bad input without changing the project", async () => {
    const w = await RelionProjectWriter.open({ dir: project, optics: OPTICS });
    const before = readFileSync(join(project, "Import/job001/movies.star"), "utf8");
    const e1 = await w.addMany([results(4), { ...results(5), opticsGroup: "nope" }]).catch((e: unknown) => e as Error);
    expect(isEmflowError(e1, "ProcessingError")).toBe(true);
    expect(e1.message).toMatch(/no optics group named nope/);
    const e2 = await w.add({ name: "new_one", ctf: results(1).ctf }).catch((e: unknown) => e as Error);
    expect(e2.message).toMatch(/new_one: the first results of a micrograph must name its movie/);
    await expect(w.add({ name: "bad name", movie: "/x.tif" })).rejects.toThrow(/no blanks or slashes/);
    expect(readFileSync(join(project, "Import/job001/movies.star"), "utf8")).toBe(before);
    expect(w.counts().movies).toBe(4);
  });
});
