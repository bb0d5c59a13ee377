/**
 * Which files in a session's raw/ directory are movies, and which files in
 * processed/ show that a movie was processed. Names only, no I/O.
 *
 * Movies: `.tif .tiff .mrc .mrcs .eer` (any case), except
 * - gain and defect references (`CountRef_*.mrc`, `*_gain.tiff`, `defects.mrc`, …), and
 * - EPU's integrated image `X.mrc` (or `X.tif`/`X.tiff`) when the same directory holds its
 *   movie `X_fractions.*` or `X_EER.eer`, so a session saved with both is not counted twice.
 *
 * Processed: a movie `…/X_fractions.tiff` counts as processed when `processed/` (any depth)
 * holds `X_fractions.mrc` or `X_fractions_DW.mrc`: what MotionCor2 (and so the USC pipeline and
 * emflow's MotionCor2 adapter) writes for it.
 */
import { posix } from "node:path";

const MOVIE_EXT = /\.(tiff?|mrcs?|eer)$/i;
const REFERENCE = /(^|[^a-z])(countref|gain|gainref|defects?)([^a-z]|$)/i;
const MOVIE_SUFFIX = /_(fractions|eer)$/i;

/** The file name without its last extension: `a/b/X_fractions.tiff` → `X_fractions`. */
export function movieStem(path: string): string {
  const base = posix.basename(path);
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}

/** The movies among the files of one directory (names as given, order kept). */
export function moviesIn(files: readonly string[]): string[] {
  const candidates = files.filter((f) => MOVIE_EXT.test(f) && !REFERENCE.test(movieStem(f)));
  // Stems that have a real movie beside them: their plain X.mrc / X.tiff is EPU's integrated image.
  const withMovie = new Set(candidates.map(movieStem).filter((s) => MOVIE_SUFFIX.test(s)).map((s) => s.replace(MOVIE_SUFFIX, "")));
  return candidates.filter((f) => !withMovie.has(movieStem(f)));
}

/** Movies among relative paths (`dir/name`), applying `moviesIn` per directory. */
export function moviesAmong(paths: readonly string[]): string[] {
  const byDir = new Map<string, string[]>();
  for (const p of paths) {
    const dir = posix.dirname(p);
    let names = byDir.get(dir);
    if (names === undefined) byDir.set(dir, (names = []));
    names.push(posix.basename(p));
  }
  const out: string[] = [];
  for (const [dir, names] of byDir) for (const n of moviesIn(names)) out.push(dir === "." ? n : `${dir}/${n}`);
  return out.sort();
}

/** Stems of movies that processed outputs were written for: `X.mrc` and `X_DW.mrc` both give `X`. */
export function processedStems(paths: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const p of paths) {
    const base = posix.basename(p);
    if (!/\.mrc$/i.test(base)) continue;
    out.add(base.replace(/(_DW)?\.mrc$/i, ""));
  }
  return out;
}

/** How many of `movies` have an output among `stems`. */
export function countProcessed(movies: readonly string[], stems: ReadonlySet<string>): number {
  let n = 0;
  for (const m of movies) if (stems.has(movieStem(m))) n += 1;
  return n;
}
