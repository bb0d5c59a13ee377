/**
 * The project's tables as rows keyed by micrograph name, and the STAR blocks
 * built from them. Rows hold the values exactly as written, so reopening a
 * project is reading its STAR files back into the same maps.
 */
import { opticsBlock, type StarBlockSpec, type StarDocument, type StarValue } from "@emflow/formats";
import type { RelionOpticsGroup } from "./schema.js";
import { JOBS, nameFromPath } from "./layout.js";

/** One table row: label → value as written. */
export type Row = Record<string, StarValue>;

/** Everything the project lists, in the order micrographs arrived. */
export interface ProjectTables {
  /** Import: rlnMicrographMovieName, rlnOpticsGroup. */
  readonly movies: Map<string, Row>;
  /** MotionCorr: rlnMicrographName, [rlnMicrographNameNoDW], rlnMicrographMetadata, rlnOpticsGroup, rlnAccumMotion*. */
  readonly motion: Map<string, Row>;
  /** CtfFind: the CTF columns only (joined with the motion row when written). */
  readonly ctf: Map<string, Row>;
  /** AutoPick: the coordinate file of each picked micrograph. */
  readonly picks: Map<string, string>;
}

/** Tables of a project with nothing in it yet. */
export function emptyTables(): ProjectTables {
  return { movies: new Map(), motion: new Map(), ctf: new Map(), picks: new Map() };
}

/** Columns of corrected_micrographs.star, in RELION's order (NoDW only when every row has one). */
export const MOTION_COLUMNS = ["rlnMicrographName", "rlnMicrographNameNoDW", "rlnMicrographMetadata", "rlnOpticsGroup", "rlnAccumMotionTotal", "rlnAccumMotionEarly", "rlnAccumMotionLate"];
/** CTF columns added by micrographs_ctf.star (rlnPhaseShift only when some micrograph has one). */
export const CTF_COLUMNS = ["rlnCtfImage", "rlnDefocusU", "rlnDefocusV", "rlnCtfAstigmatism", "rlnDefocusAngle", "rlnCtfFigureOfMerit", "rlnCtfMaxResolution", "rlnPhaseShift"];

/** Columns of `candidates` that every row has (so no row needs a placeholder). */
function columnsOf(rows: readonly Row[], candidates: readonly string[]): string[] {
  return candidates.filter((c) => rows.length > 0 && rows.every((r) => r[c] !== undefined));
}

function loop(name: string, rows: readonly Row[], columns: readonly string[]): StarBlockSpec {
  return { name, columns, rows: rows.map((r) => columns.map((c) => r[c] as StarValue)) };
}

/** data_optics for the groups; `withMicrographPixelSize` adds rlnMicrographPixelSize (after motion correction). */
function optics(groups: readonly Required<RelionOpticsGroup>[], withMicrographPixelSize: boolean): StarBlockSpec {
  return opticsBlock(
    groups.map((g, i) => ({
      number: i + 1,
      name: g.name,
      originalPixelSize: g.pixelSize,
      voltage: g.voltage,
      cs: g.cs,
      amplitudeContrast: g.amplitudeContrast,
      ...(withMicrographPixelSize ? { micrographPixelSize: g.pixelSize * g.binning } : {}),
    })),
  );
}

/** Import/job001/movies.star. */
export function moviesStar(t: ProjectTables, groups: readonly Required<RelionOpticsGroup>[]): StarBlockSpec[] {
  return [optics(groups, false), loop("movies", [...t.movies.values()], ["rlnMicrographMovieName", "rlnOpticsGroup"])];
}

/** MotionCorr/job002/corrected_micrographs.star. */
export function correctedMicrographsStar(t: ProjectTables, groups: readonly Required<RelionOpticsGroup>[]): StarBlockSpec[] {
  const rows = [...t.motion.values()];
  return [optics(groups, true), loop("micrographs", rows, columnsOf(rows, MOTION_COLUMNS))];
}

/** CtfFind/job003/micrographs_ctf.star: micrographs with both motion and CTF. */
export function micrographsCtfStar(t: ProjectTables, groups: readonly Required<RelionOpticsGroup>[]): StarBlockSpec[] {
  const rows: Row[] = [];
  for (const [name, m] of t.motion) {
    const c = t.ctf.get(name);
    if (c !== undefined) rows.push({ ...m, ...c });
  }
  // Every CTF row has every CTF column; the phase shift is listed only when some micrograph has one.
  const ctfColumns = CTF_COLUMNS.filter((c) => c !== "rlnPhaseShift" || rows.some((r) => Number(r[c] ?? 0) !== 0));
  return [optics(groups, true), loop("micrographs", rows, [...columnsOf(rows, MOTION_COLUMNS), ...ctfColumns])];
}

/** AutoPick/job004/autopick.star: the coordinate-file list RELION 4 reads (rlnMicrographCoordinates is unknown to 3.1, which keeps it). */
export function autopickListStar(t: ProjectTables): StarBlockSpec[] {
  const rows: Row[] = [];
  for (const [name, coordinates] of t.picks) {
    const m = t.motion.get(name);
    if (m !== undefined) rows.push({ rlnMicrographName: m.rlnMicrographName as StarValue, rlnMicrographCoordinates: coordinates });
  }
  return [loop("coordinate_files", rows, ["rlnMicrographName", "rlnMicrographCoordinates"])];
}

/** Fill `t` from the STAR files of an existing project (those that exist). */
export function loadTables(t: ProjectTables, docs: { movies?: StarDocument; motion?: StarDocument; ctf?: StarDocument; picks?: StarDocument }): void {
  const each = (doc: StarDocument | undefined, block: string, column: string, suffix: string, put: (name: string, row: Row) => void) => {
    const table = doc?.find(block)?.loops[0];
    if (table === undefined) return;
    const paths = table.strings(column);
    for (let r = 0; r < table.rowCount; r++) put(nameFromPath(paths[r] ?? "", suffix), table.row(r));
  };
  each(docs.movies, "movies", "rlnMicrographMovieName", "", (n, row) => t.movies.set(n, row));
  each(docs.motion, "micrographs", "rlnMicrographName", "", (n, row) => t.motion.set(n, row));
  each(docs.ctf, "micrographs", "rlnMicrographName", "", (n, row) => {
    const ctf: Row = {};
    for (const c of CTF_COLUMNS) if (row[c] !== undefined) ctf[c] = row[c];
    t.ctf.set(n, ctf);
  });
  each(docs.picks, "coordinate_files", "rlnMicrographName", "", (n, row) => t.picks.set(n, String(row.rlnMicrographCoordinates ?? "")));
}

/** The micrographs STAR the picking job reads: CTF-estimated ones when there are any. */
export function pickInput(t: ProjectTables): string {
  return t.ctf.size > 0 ? JOBS.ctf.output : JOBS.motion.output;
}
