/**
 * Where things go in the RELION project we maintain, and RELION 3.1's numbers
 * for them (src/pipeline_jobs.h: NODE_MOVIES 0, NODE_MICS 1, NODE_MIC_COORDS 2;
 * PROC_IMPORT 0, PROC_MOTIONCORR 1, PROC_CTFFIND 2, PROC_AUTOPICK 4;
 * PROC_FINISHED_SUCCESS 2).
 */

/** Node types of RELION 3.1's pipeline. */
export const NODE_TYPE = { movies: 0, micrographs: 1, coordinates: 2 } as const;
/** Process types of RELION 3.1's pipeline. */
export const PROCESS_TYPE = { import: 0, motioncorr: 1, ctffind: 2, autopick: 4 } as const;
/** Process status "finished successfully". */
export const PROCESS_FINISHED_SUCCESS = 2;
/** The marker file RELION's pipeliner looks for in a job directory. */
export const EXIT_SUCCESS_MARKER = "RELION_JOB_EXIT_SUCCESS";

/** The four jobs, their directories (with RELION's trailing slash) and output nodes. */
export const JOBS = {
  import: { dir: "Import/job001/", type: PROCESS_TYPE.import, output: "Import/job001/movies.star", nodeType: NODE_TYPE.movies },
  motion: { dir: "MotionCorr/job002/", type: PROCESS_TYPE.motioncorr, output: "MotionCorr/job002/corrected_micrographs.star", nodeType: NODE_TYPE.micrographs },
  ctf: { dir: "CtfFind/job003/", type: PROCESS_TYPE.ctffind, output: "CtfFind/job003/micrographs_ctf.star", nodeType: NODE_TYPE.micrographs },
  pick: { dir: "AutoPick/job004/", type: PROCESS_TYPE.autopick, output: "AutoPick/job004/coords_suffix_autopick.star", nodeType: NODE_TYPE.coordinates },
} as const;
export type JobKey = keyof typeof JOBS;

/** The next job number RELION would hand out after ours. */
export const NEXT_JOB_NUMBER = 5;

/** Project-relative paths of one micrograph's files, named as RELION 3.1's own jobs name them. */
export function micrographPaths(name: string, movieExt: string) {
  return {
    movie: `Movies/${name}${movieExt}`,
    micrograph: `MotionCorr/job002/Movies/${name}.mrc`,
    micrographNoDW: `MotionCorr/job002/Movies/${name}_noDW.mrc`,
    shifts: `MotionCorr/job002/Movies/${name}.star`,
    ctfImage: `CtfFind/job003/Movies/${name}.ctf`,
    coordinates: `AutoPick/job004/Movies/${name}_autopick.star`,
  };
}

/** The micrograph name behind a project-relative path written by {@link micrographPaths}. */
export function nameFromPath(path: string, suffix = ""): string {
  const base = path.slice(path.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  const stem = dot > 0 ? base.slice(0, dot) : base;
  return suffix !== "" && stem.endsWith(suffix) ? stem.slice(0, -suffix.length) : stem;
}
