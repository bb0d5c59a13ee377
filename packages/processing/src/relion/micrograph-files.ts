/**
 * The files RELION keeps per micrograph, built from our results: the
 * motion-correction shift file (`data_general` + `data_global_shift`, as
 * relion_run_motioncorr writes it) and the coordinate file (`data_` with
 * rlnCoordinateX/Y, as relion_autopick writes it).
 */
import type { PickResult } from "@emflow/core";
import type { StarBlockSpec, StarValue } from "@emflow/formats";
import type { RelionMicrograph, RelionOpticsGroup } from "./schema.js";

type Motion = NonNullable<RelionMicrograph["motion"]>;

/** MotionCorr/job002/Movies/<name>.star for a movie listed as `movieName` in the project. */
export function shiftFileStar(motion: Motion, movieName: string, group: Required<RelionOpticsGroup>): StarBlockSpec[] {
  const t = motion.result.trajectory;
  return [
    {
      name: "general",
      pairs: [
        ["rlnImageSizeX", motion.movieWidth],
        ["rlnImageSizeY", motion.movieHeight],
        ["rlnImageSizeZ", motion.firstFrame - 1 + t.length],
        ["rlnMicrographMovieName", movieName],
        ["rlnMicrographBinning", group.binning],
        ["rlnMicrographOriginalPixelSize", group.pixelSize],
        ["rlnMicrographDoseRate", motion.dosePerFrame],
        ["rlnMicrographPreExposure", motion.preExposure],
        ["rlnVoltage", group.voltage],
        ["rlnMicrographStartFrame", motion.firstFrame],
        // 0: no local motion model (MOTION_MODEL_NULL).
        ["rlnMotionModelVersion", 0],
      ],
    },
    {
      name: "global_shift",
      columns: ["rlnMicrographFrameNumber", "rlnMicrographShiftX", "rlnMicrographShiftY"],
      // RELION stores the shift that aligns each frame: the negative of the specimen trajectory.
      rows: t.map(([x, y], i) => [motion.firstFrame + i, -x || 0, -y || 0]),
    },
  ];
}

/** AutoPick/job004/Movies/<name>_autopick.star, with RELION's columns (class 0, psi 0). */
export function coordinatesStar(picks: PickResult): StarBlockSpec[] {
  const fom = picks.fom !== undefined && picks.fom.length === picks.picks.length ? picks.fom : undefined;
  const columns = ["rlnCoordinateX", "rlnCoordinateY", ...(fom === undefined ? [] : ["rlnAutopickFigureOfMerit"]), "rlnClassNumber", "rlnAnglePsi"];
  const rows = picks.picks.map(([x, y], i): StarValue[] => [x, y, ...(fom === undefined ? [] : [fom[i] ?? 0]), 0, 0]);
  return [{ name: "", columns, rows }];
}
