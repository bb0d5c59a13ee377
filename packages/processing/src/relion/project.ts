/**
 * A RELION 3.1 project kept up to date while a session is processed: results
 * arrive one micrograph at a time and every STAR file they touch is rewritten
 * atomically, so RELION's GUI or a user's `relion_*` command can read the
 * project at any moment and continue from it (Extract, Class2D, ...).
 *
 *   Import/job001/movies.star                      movies + optics
 *   MotionCorr/job002/corrected_micrographs.star   aligned sums, accumulated motion
 *   MotionCorr/job002/Movies/<name>.star           per-movie global trajectory
 *   CtfFind/job003/micrographs_ctf.star            defocus, astigmatism, figure of merit, resolution
 *   AutoPick/job004/Movies/<name>_autopick.star    coordinates per micrograph
 *   AutoPick/job004/coords_suffix_autopick.star    RELION 3.1's coordinate node
 *   AutoPick/job004/autopick.star                  RELION 4's coordinate-file list
 *   default_pipeline.star, RELION_JOB_EXIT_SUCCESS markers, .Nodes/
 *
 * Files we did not compute are symbolic links (Movies/<name>.tiff → the raw
 * movie, MotionCorr/job002/Movies/<name>.mrc → the aligned sum).
 */
import { extname, join, resolve } from "node:path";
import { ProcessingError } from "@emflow/core";
import { readStarFile, writeStarFile, type StarBlockSpec, type StarDocument } from "@emflow/formats";
import { z } from "zod";
import { parseWith } from "../external/validate.js";
import { linkAtomic, touch, writeTextAtomic } from "./files.js";
import { EXIT_SUCCESS_MARKER, JOBS, micrographPaths, type JobKey } from "./layout.js";
import { coordinatesStar, shiftFileStar } from "./micrograph-files.js";
import { pipelineStar } from "./pipeline.js";
import { RelionMicrographInput, RelionOpticsGroup, type RelionMicrograph } from "./schema.js";
import { autopickListStar, correctedMicrographsStar, emptyTables, loadTables, micrographsCtfStar, moviesStar, pickInput, type ProjectTables } from "./tables.js";

/** Where the project lives and its optics groups (the first is the default). */
export const RelionProjectOptions = z.object({
  dir: z.string().min(1),
  optics: z.array(RelionOpticsGroup).min(1),
});
export type RelionProjectOptions = z.input<typeof RelionProjectOptions>;

/** How many micrographs each job lists. */
export interface RelionProjectCounts {
  readonly movies: number;
  readonly motion: number;
  readonly ctf: number;
  readonly picks: number;
}

const readIfExists = (path: string): Promise<StarDocument | undefined> => readStarFile(path).catch(() => undefined);

/** Maintains one session's RELION project directory. Calls are serialised; each returns when its files are on disk. */
export class RelionProjectWriter {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    /** Absolute project directory. */
    readonly dir: string,
    private readonly groups: Required<z.output<typeof RelionOpticsGroup>>[],
    private readonly tables: ProjectTables,
  ) {}

  /** Open (or create) the project in `options.dir`, reading back what an earlier run wrote there. */
  static async open(options: RelionProjectOptions): Promise<RelionProjectWriter> {
    const o = parseWith(RelionProjectOptions, options, "RELION project options");
    const dir = resolve(o.dir);
    const names = new Set<string>();
    for (const g of o.optics) {
      if (names.has(g.name)) throw new ProcessingError(`optics group ${g.name} is listed twice`);
      names.add(g.name);
    }
    const tables = emptyTables();
    const [movies, motion, ctf, picks] = await Promise.all(
      [JOBS.import.output, JOBS.motion.output, JOBS.ctf.output, `${JOBS.pick.dir}autopick.star`].map((p) => readIfExists(join(dir, p))),
    );
    loadTables(tables, { ...(movies && { movies }), ...(motion && { motion }), ...(ctf && { ctf }), ...(picks && { picks }) });
    return new RelionProjectWriter(dir, o.optics as Required<z.output<typeof RelionOpticsGroup>>[], tables);
  }

  /** Micrographs listed by each job. */
  counts(): RelionProjectCounts {
    const t = this.tables;
    return { movies: t.movies.size, motion: t.motion.size, ctf: t.ctf.size, picks: t.picks.size };
  }

  /** Add one micrograph's results (or more results for a micrograph already added) and rewrite the affected files. */
  add(input: RelionMicrographInput): Promise<void> {
    return this.addMany([input]);
  }

  /** Add several micrographs and rewrite each affected file once. */
  async addMany(inputs: readonly RelionMicrographInput[]): Promise<void> {
    const parsed = inputs.map((i, n) => parseWith(RelionMicrographInput, i, `micrograph ${n + 1} for the RELION project`));
    const run = this.queue.then(() => this.apply(parsed));
    this.queue = run.catch(() => undefined);
    await run;
  }

  /** Resolves when every call made so far has finished. */
  async flush(): Promise<void> {
    await this.queue;
  }

  private group(m: RelionMicrograph): { number: number; group: Required<z.output<typeof RelionOpticsGroup>> } {
    const i = m.opticsGroup === undefined ? 0 : this.groups.findIndex((g) => g.name === m.opticsGroup);
    const group = this.groups[i];
    if (group === undefined) throw new ProcessingError(`${m.name}: no optics group named ${m.opticsGroup} (groups: ${this.groups.map((g) => g.name).join(", ")})`);
    return { number: i + 1, group };
  }

  private async apply(inputs: readonly RelionMicrograph[]): Promise<void> {
    const t = this.tables;
    // Check everything before touching anything, so a bad input leaves the project as it was.
    const known = new Set(t.movies.keys());
    for (const m of inputs) {
      this.group(m);
      if (!known.has(m.name) && m.movie === undefined) throw new ProcessingError(`${m.name}: the first results of a micrograph must name its movie`);
      const r = m.motion?.result;
      if (r !== undefined && r.micrograph_dw === undefined && r.micrograph === undefined) throw new ProcessingError(`${m.name}: the motion result names no aligned micrograph`);
      known.add(m.name);
    }
    const changed = new Set<JobKey>();
    for (const m of inputs) {
      const { number, group } = this.group(m);
      const existing = t.movies.get(m.name);
      const movieExt = m.movie === undefined ? extname(String(existing?.rlnMicrographMovieName ?? "")) : extname(m.movie);
      const paths = micrographPaths(m.name, movieExt);
      if (m.movie !== undefined) {
        await linkAtomic(join(this.dir, paths.movie), m.movie);
        t.movies.set(m.name, { rlnMicrographMovieName: paths.movie, rlnOpticsGroup: number });
        changed.add("import");
      }
      if (m.motion !== undefined) {
        const r = m.motion.result;
        const sum = (r.micrograph_dw ?? r.micrograph) as string;
        await linkAtomic(join(this.dir, paths.micrograph), sum);
        const noDW = r.micrograph_dw !== undefined && r.micrograph !== undefined && r.micrograph !== r.micrograph_dw ? r.micrograph : undefined;
        if (noDW !== undefined) await linkAtomic(join(this.dir, paths.micrographNoDW), noDW);
        await writeStarFile(join(this.dir, paths.shifts), shiftFileStar(m.motion, paths.movie, group));
        // RELION's accumulated motion is in (unbinned) pixels, whatever its label says.
        t.motion.set(m.name, {
          rlnMicrographName: paths.micrograph,
          ...(noDW === undefined ? {} : { rlnMicrographNameNoDW: paths.micrographNoDW }),
          rlnMicrographMetadata: paths.shifts,
          rlnOpticsGroup: number,
          rlnAccumMotionTotal: r.total_motion / group.pixelSize,
          rlnAccumMotionEarly: r.early_motion / group.pixelSize,
          rlnAccumMotionLate: r.late_motion / group.pixelSize,
        });
        changed.add("motion");
      }
      if (m.ctf !== undefined) {
        const c = m.ctf.result;
        if (m.ctf.image !== undefined) await linkAtomic(join(this.dir, paths.ctfImage), m.ctf.image);
        t.ctf.set(m.name, {
          rlnCtfImage: m.ctf.image === undefined ? "" : `${paths.ctfImage}:mrc`,
          rlnDefocusU: c.defocus_u,
          rlnDefocusV: c.defocus_v,
          rlnCtfAstigmatism: c.defocus_u - c.defocus_v,
          rlnDefocusAngle: c.astigmatism_angle,
          rlnCtfFigureOfMerit: c.score,
          rlnCtfMaxResolution: c.fit_resolution,
          rlnPhaseShift: c.phase_shift ?? 0,
        });
        changed.add("ctf");
      }
      if (m.picks !== undefined) {
        await writeStarFile(join(this.dir, paths.coordinates), coordinatesStar(m.picks));
        t.picks.set(m.name, paths.coordinates);
        changed.add("pick");
      }
    }
    await this.rewrite(changed);
  }

  private async rewrite(changed: ReadonlySet<JobKey>): Promise<void> {
    const t = this.tables;
    const write = (rel: string, blocks: StarBlockSpec[]) => writeStarFile(join(this.dir, rel), blocks);
    if (changed.has("import")) await write(JOBS.import.output, moviesStar(t, this.groups));
    if (changed.has("motion")) await write(JOBS.motion.output, correctedMicrographsStar(t, this.groups));
    const ctfRows = [...t.ctf.keys()].some((n) => t.motion.has(n));
    if (ctfRows && (changed.has("motion") || changed.has("ctf"))) await write(JOBS.ctf.output, micrographsCtfStar(t, this.groups));
    const pickRows = [...t.picks.keys()].some((n) => t.motion.has(n));
    if (pickRows && changed.size > 0) {
      await write(`${JOBS.pick.dir}autopick.star`, autopickListStar(t));
      // RELION 3.1's node for coordinates: a file naming the micrographs STAR that was picked from.
      await writeTextAtomic(join(this.dir, JOBS.pick.output), `${pickInput(t)}\n`);
    }
    const present = new Set<JobKey>();
    if (t.movies.size > 0) present.add("import");
    if (t.motion.size > 0) present.add("motion");
    if (ctfRows) present.add("ctf");
    if (pickRows) present.add("pick");
    for (const k of present) {
      await touch(join(this.dir, JOBS[k].dir, EXIT_SUCCESS_MARKER));
      // RELION's GUI browses inputs of a type through .Nodes/<type>/<node>.
      await touch(join(this.dir, ".Nodes", String(JOBS[k].nodeType), JOBS[k].output));
    }
    await write("default_pipeline.star", pipelineStar(present, pickInput(t)));
  }
}
