/**
 * The domain model's fields, one flat schema per entity, in emflow units
 * (see units.ts). Every field is optional so the same shape carries a full
 * record, a partial one (a file only knows some fields) and a diff (only what
 * changed). Absent means "unchanged"; values never go back to unknown.
 */
import { z } from "zod";

/** A natural EPU id (grid square 8999138, foil hole 9015889), kept as given: decimal digits. */
export const EpuId = z.string().regex(/^\d{1,19}$/, "must be an EPU id (decimal digits)");
export type EpuId = z.infer<typeof EpuId>;

const num = z.number();
const int = z.number().int();
const str = z.string().max(1000);
const shortStr = z.string().max(200);
const iso = z.string().max(40).refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 time");

/** Grid-square and foil-hole lifecycle as EPU reports it. */
export const EpuTargetState = z.enum(["Defined", "Selected", "Queued", "InProgress", "Completed", "Skipped", "Failed", "Unknown"]);
export type EpuTargetState = z.infer<typeof EpuTargetState>;

/** Map EPU's state strings (any case) onto EpuTargetState; unknown strings become "Unknown". */
export function epuState(s: string | undefined): EpuTargetState | undefined {
  if (s === undefined || s.length === 0) return undefined;
  const hit = EpuTargetState.options.find((o) => o.toLowerCase() === s.toLowerCase());
  return hit ?? "Unknown";
}

const stage = {
  stageXUm: num,
  stageYUm: num,
  stageZUm: num,
};

/** An EPU session (EpuSession.dm). The natural key is (epuId, name) and lives on the batch. */
export const AcquisitionFields = z
  .object({
    startedAt: iso,
    clusteringMode: shortStr,
    clusteringRadiusUm: num,
    storageFolder: str,
    imageFileFormat: shortStr,
    doseFractionsFormat: shortStr,
    microscope: shortStr,
    epuVersion: shortStr,
    directory: str,
  })
  .partial()
  .strict();
export type AcquisitionFields = z.infer<typeof AcquisitionFields>;

/** A grid (an EPU "sample" of the session) with its atlas reference. */
export const GridFields = z
  .object({
    slot: int,
    gridType: shortStr,
    geometry: shortStr,
    atlasPath: str,
    atlasDir: str,
    startedAt: iso,
    endedAt: iso,
    holeSizeUm: num,
    holeSpacingUm: num,
    /** Grid squares EpuSession.dm lists for this grid (every square on the atlas, acquired or not). */
    squareCount: int,
  })
  .partial()
  .strict();
export type GridFields = z.infer<typeof GridFields>;

/** A grid's atlas (Atlas.dm). */
export const AtlasFields = z
  .object({
    atlasId: EpuId,
    acquiredAt: iso,
    startedAt: iso,
    name: shortStr,
    description: shortStr,
    storageFolder: str,
    imageBaseName: shortStr,
    file: str,
    tileCount: int,
  })
  .partial()
  .strict();
export type AtlasFields = z.infer<typeof AtlasFields>;

/** One tile of an atlas montage: position and size on the atlas image. */
export const AtlasTileFields = z
  .object({
    atlasX: num,
    atlasY: num,
    width: num,
    height: num,
    imageBaseName: shortStr,
    ...stage,
  })
  .partial()
  .strict();
export type AtlasTileFields = z.infer<typeof AtlasTileFields>;

/** A grid square, merged from the session list, the atlas, its Metadata .dm and its image XML. */
export const GridSquareFields = z
  .object({
    // On the atlas image (px: centre and size) and physically (µm: the square's lower-left
    // corner and size, as EPU stores it; centre = corner + size / 2), from Atlas.dm.
    atlasX: num,
    atlasY: num,
    atlasWidth: num,
    atlasHeight: num,
    physicalXUm: num,
    physicalYUm: num,
    physicalWidthUm: num,
    physicalHeightUm: num,
    atlasQuality: num,
    tileId: EpuId,
    // From Metadata/GridSquare_<id>.dm.
    ...stage,
    state: EpuTargetState,
    selected: z.boolean(),
    unusable: z.boolean(),
    rotationDeg: num,
    holeSpacingUm: num,
    imagePath: str,
    metadataFile: str,
    holeCount: int,
    // From Images-Disc*/GridSquare_<id>/GridSquare_<date>_<time>.xml.
    imageFile: str,
    acquiredAt: iso,
    appliedDefocusA: num,
    magnification: num,
    pixelSizeA: num,
    detector: shortStr,
  })
  .partial()
  .strict();
export type GridSquareFields = z.infer<typeof GridSquareFields>;

/** A foil hole: a target location of its square's .dm, refined by its FoilHoles XML. */
export const FoilHoleFields = z
  .object({
    // Target location in the grid square .dm.
    ...stage,
    pixelX: num,
    pixelY: num,
    diameterPx: num,
    nearGridBar: z.boolean(),
    intensityMean: num,
    intensityStdDev: num,
    state: EpuTargetState,
    selected: z.boolean(),
    // Hole found on the FoilHole image (FoilHoles/FoilHole_<id>_<date>_<time>.xml).
    foundX: num,
    foundY: num,
    foundWidthPx: num,
    foundHeightPx: num,
    foundDiameterUm: num,
    quality: num,
    rotationDeg: num,
    pixelSizeA: num,
    acquiredAt: iso,
    imageFile: str,
  })
  .partial()
  .strict();
export type FoilHoleFields = z.infer<typeof FoilHoleFields>;

/** One exposure (Data/FoilHole_<fh>_Data_<loc>_<n>_<date>_<time>.xml) and its movie. */
export const MicrographFields = z
  .object({
    uniqueId: shortStr,
    locationId: EpuId,
    acquiredAt: iso,
    appliedDefocusA: num,
    pixelSizeA: num,
    magnification: num,
    voltageKv: num,
    doseEA2: num,
    doseRateEPxS: num,
    exposureTimeS: num,
    frameCount: int,
    detector: shortStr,
    detectorModel: shortStr,
    electronCounted: z.boolean(),
    superResolutionFactor: num,
    binning: int,
    readoutX: int,
    readoutY: int,
    readoutWidth: int,
    readoutHeight: int,
    energyFilter: z.boolean(),
    slitInserted: z.boolean(),
    slitWidthEv: num,
    phasePlate: z.boolean(),
    ...stage,
    stageAlphaDeg: num,
    imageShiftX: num,
    imageShiftY: num,
    xmlFile: str,
    movieFile: str,
    previewFile: str,
  })
  .partial()
  .strict();
export type MicrographFields = z.infer<typeof MicrographFields>;

/** A micrograph's natural key: its EPU file base name, unique within a grid. */
export const MicrographName = z.string().regex(/^[A-Za-z0-9_.-]{1,200}$/, "must be an EPU file base name");
