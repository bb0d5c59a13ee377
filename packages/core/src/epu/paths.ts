/**
 * Classify a path inside an EPU session directory by name alone (no I/O):
 * which kind of file it is and which natural ids its name carries.
 */
import type { EpuFileKind } from "./types.js";

/** A file EPU writes and emflow reads, with the ids its path encodes. */
export type EpuPathInfo =
  | { kind: "session" }
  | { kind: "atlas" }
  | { kind: "gridSquareMetadata"; gridSquareId: string }
  | { kind: "gridSquareImage"; gridSquareId: string }
  | { kind: "foilHoleImage"; gridSquareId: string; foilHoleId: string }
  | { kind: "micrograph"; gridSquareId: string; foilHoleId: string; name: string; locationId: string }
  | { kind: "movie"; gridSquareId: string; foilHoleId: string; name: string }
  | { kind: "preview"; of: "gridSquareImage" | "foilHoleImage" | "micrograph"; gridSquareId: string; base: string };

const SEP = /[\\/]+/;
const STAMP = "\\d{8}_\\d{6}";
const GS_DIR = /^GridSquare_(\d+)$/i;
const IMAGES_DIR = /^Images-Disc\d+$/i;
const GS_IMAGE = new RegExp(`^(GridSquare_${STAMP})\\.(xml|jpg|jpeg)$`, "i");
const FH_IMAGE = new RegExp(`^(FoilHole_(\\d+)_${STAMP})\\.(xml|jpg|jpeg)$`, "i");
const DATA = new RegExp(`^(FoilHole_(\\d+)_Data_(\\d+)_(\\d+)_${STAMP})\\.(xml|jpg|jpeg)$`, "i");
// Movies: EPU appends _Fractions / _fractions / _EER to the exposure's base name.
const MOVIE = new RegExp(`^(FoilHole_(\\d+)_Data_\\d+_\\d+_${STAMP})(?:_fractions|_eer)?\\.(mrc|mrcs|tif|tiff|eer)$`, "i");
const GS_METADATA = /^GridSquare_(\d+)\.dm$/i;

/** Split a relative path on either separator (EPU paths may arrive with backslashes). */
export function pathParts(relPath: string): string[] {
  // A plain string split is several times faster than the regex, and most paths have no backslash.
  return (relPath.indexOf("\\") === -1 ? relPath.split("/") : relPath.split(SEP)).filter((p) => p.length > 0 && p !== ".");
}

/**
 * Classify `relPath` (relative to the session directory, or to an atlas
 * directory for Atlas.dm). Returns undefined for files emflow does not read.
 */
export function classifyEpuPath(relPath: string): EpuPathInfo | undefined {
  const parts = pathParts(relPath);
  const file = parts[parts.length - 1];
  if (file === undefined) return undefined;
  if (parts.length === 1 && is(file, "epusession.dm")) return { kind: "session" };
  if (is(file, "atlas.dm")) return { kind: "atlas" };
  if (parts.length === 2 && is(parts[0]!, "metadata")) {
    const m = GS_METADATA.exec(file);
    return m ? { kind: "gridSquareMetadata", gridSquareId: m[1]! } : undefined;
  }
  // Everything else lives under Images-Disc<n>/GridSquare_<id>/...
  if (parts.length < 3 || !IMAGES_DIR.test(parts[0]!)) return undefined;
  const gs = GS_DIR.exec(parts[1]!);
  if (!gs) return undefined;
  const gridSquareId = gs[1]!;
  if (parts.length === 3) {
    const m = GS_IMAGE.exec(file);
    if (!m) return undefined;
    return isXml(m[2]!) ? { kind: "gridSquareImage", gridSquareId } : { kind: "preview", of: "gridSquareImage", gridSquareId, base: m[1]! };
  }
  if (parts.length !== 4) return undefined;
  const sub = parts[2]!;
  if (is(sub, "foilholes")) {
    const m = FH_IMAGE.exec(file);
    if (!m) return undefined;
    return isXml(m[3]!)
      ? { kind: "foilHoleImage", gridSquareId, foilHoleId: m[2]! }
      : { kind: "preview", of: "foilHoleImage", gridSquareId, base: m[1]! };
  }
  if (is(sub, "data")) {
    const m = DATA.exec(file);
    if (m) {
      return isXml(m[5]!)
        ? { kind: "micrograph", gridSquareId, foilHoleId: m[2]!, name: m[1]!, locationId: m[3]! }
        : { kind: "preview", of: "micrograph", gridSquareId, base: m[1]! };
    }
    const mv = MOVIE.exec(file);
    if (mv) return { kind: "movie", gridSquareId, foilHoleId: mv[2]!, name: mv[1]! };
  }
  return undefined;
}

/** Case-insensitive `s === lower`, without lower-casing strings of another length (most of them). */
function is(s: string, lower: string): boolean {
  return s.length === lower.length && (s === lower || s.toLowerCase() === lower);
}

function isXml(ext: string): boolean {
  return ext.toLowerCase() === "xml";
}

/** Kinds whose file content is parsed (the rest only contribute their path). */
export const PARSED_KINDS: readonly EpuFileKind[] = [
  "session",
  "atlas",
  "gridSquareMetadata",
  "gridSquareImage",
  "foilHoleImage",
  "micrograph",
];
