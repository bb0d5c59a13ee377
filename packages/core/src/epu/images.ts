/** The three MicroscopeImage-based files: grid-square image, foil-hole image, exposure. */
import { mapOpt, radToDeg, sig } from "../units.js";
import { classifyEpuPath, type EpuPathInfo } from "./paths.js";
import { compact, CUSTOM, readMicroscopeImage } from "./microscope-image.js";
import type { ParsedFoilHoleImage, ParsedGridSquareImage, ParsedMicrograph } from "./types.js";
import { EpuFormatError } from "../errors.js";

/** `relPath`'s classification (given by a caller that already has it, or computed), checked to be a `kind`. */
function located<K extends string>(relPath: string, kind: K, classified?: EpuPathInfo): Extract<EpuPathInfo, { kind: K }> {
  const info = classified ?? classifyEpuPath(relPath);
  if (info?.kind !== kind) throw new EpuFormatError(`path does not look like a ${kind} file (expected EPU's directory layout)`, { file: relPath });
  return info as Extract<EpuPathInfo, { kind: K }>;
}

/**
 * Parse Images-Disc*\/GridSquare_<id>/GridSquare_<date>_<time>.xml. The grid
 * square id comes from the directory, so `relPath` must be the path relative
 * to the session directory.
 */
export function parseGridSquareImage(text: string | Uint8Array, relPath: string, classified?: EpuPathInfo): ParsedGridSquareImage {
  const { gridSquareId } = located(relPath, "gridSquareImage", classified);
  const m = readMicroscopeImage(text, relPath).info;
  return {
    kind: "gridSquareImage",
    gridSquareId,
    square: compact({
      imageFile: relPath,
      acquiredAt: m.acquiredAt,
      appliedDefocusA: m.appliedDefocusA,
      magnification: m.magnification,
      pixelSizeA: m.pixelSizeA,
      detector: m.detectorModel ?? m.detector,
    }),
  };
}

/** Parse Images-Disc*\/GridSquare_<id>/FoilHoles/FoilHole_<id>_<date>_<time>.xml. */
export function parseFoilHoleImage(text: string | Uint8Array, relPath: string, classified?: EpuPathInfo): ParsedFoilHoleImage {
  const { gridSquareId, foilHoleId } = located(relPath, "foilHoleImage", classified);
  const { info: m, leaves: x } = readMicroscopeImage(text, relPath);
  const found = `${CUSTOM}[FindFoilHoleCenterResults]`;
  const w = x.num(`${found}/Size/width`);
  const h = x.num(`${found}/Size/height`);
  const diameterPx = w === undefined ? undefined : h === undefined ? w : (w + h) / 2;
  return {
    kind: "foilHoleImage",
    gridSquareId,
    foilHoleId,
    hole: compact({
      foundX: x.num(`${found}/Center/x`),
      foundY: x.num(`${found}/Center/y`),
      foundWidthPx: w,
      foundHeightPx: h,
      foundDiameterUm:
        diameterPx === undefined || m.pixelSizeA === undefined ? undefined : sig((diameterPx * m.pixelSizeA) / 1e4, 6),
      quality: x.num(`${found}/Quality`),
      rotationDeg: mapOpt(x.num(`${found}/Rotation`), (r) => sig(radToDeg(r))),
      pixelSizeA: m.pixelSizeA,
      acquiredAt: m.acquiredAt,
      imageFile: relPath,
    }),
  };
}

/** Parse Images-Disc*\/GridSquare_<id>/Data/FoilHole_<fh>_Data_<loc>_<n>_<date>_<time>.xml (one exposure). */
export function parseMicrograph(text: string | Uint8Array, relPath: string, classified?: EpuPathInfo): ParsedMicrograph {
  const { gridSquareId, foilHoleId, name, locationId } = located(relPath, "micrograph", classified);
  const m = readMicroscopeImage(text, relPath).info;
  return {
    kind: "micrograph",
    gridSquareId,
    foilHoleId,
    name,
    micrograph: compact({ ...m, locationId, xmlFile: relPath }),
  };
}
