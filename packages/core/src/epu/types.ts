/**
 * What each of the six EPU file kinds parses into. Values are in emflow units
 * (units.ts); ids are natural EPU ids kept as decimal strings.
 */
import type {
  AcquisitionFields,
  AtlasFields,
  AtlasTileFields,
  FoilHoleFields,
  GridFields,
  GridSquareFields,
  MicrographFields,
} from "../model/fields.js";

/** One grid ("sample") of a session, with the squares EPU lists for it. */
export interface ParsedSample {
  readonly gridId: string;
  readonly grid: GridFields;
  /** The atlas reference exactly as EPU wrote it (a Windows path). */
  readonly atlasWindowsPath: string | undefined;
  readonly squares: ReadonlyArray<{ gridSquareId: string; metadataFile: string | undefined }>;
}

/** EpuSession.dm */
export interface ParsedSession {
  readonly kind: "session";
  readonly epuId: string;
  readonly name: string;
  readonly acquisition: AcquisitionFields;
  readonly samples: readonly ParsedSample[];
}

/** Atlas.dm */
export interface ParsedAtlas {
  readonly kind: "atlas";
  readonly atlas: AtlasFields & { atlasId: string };
  readonly tiles: ReadonlyArray<{ tileId: string; data: AtlasTileFields }>;
  readonly squares: ReadonlyArray<{ gridSquareId: string; data: GridSquareFields }>;
}

/** Metadata/GridSquare_<id>.dm */
export interface ParsedGridSquareMetadata {
  readonly kind: "gridSquareMetadata";
  readonly gridSquareId: string;
  readonly square: GridSquareFields;
  readonly foilHoles: ReadonlyArray<{ foilHoleId: string; data: FoilHoleFields }>;
}

/** Images-Disc*\/GridSquare_<id>/GridSquare_<date>_<time>.xml */
export interface ParsedGridSquareImage {
  readonly kind: "gridSquareImage";
  readonly gridSquareId: string;
  readonly square: GridSquareFields;
}

/** Images-Disc*\/GridSquare_<id>/FoilHoles/FoilHole_<id>_<date>_<time>.xml */
export interface ParsedFoilHoleImage {
  readonly kind: "foilHoleImage";
  readonly gridSquareId: string;
  readonly foilHoleId: string;
  readonly hole: FoilHoleFields;
}

/** Images-Disc*\/GridSquare_<id>/Data/FoilHole_<fh>_Data_<loc>_<n>_<date>_<time>.xml */
export interface ParsedMicrograph {
  readonly kind: "micrograph";
  readonly gridSquareId: string;
  readonly foilHoleId: string;
  readonly name: string;
  readonly micrograph: MicrographFields;
}

export type ParsedEpuFile =
  | ParsedSession
  | ParsedAtlas
  | ParsedGridSquareMetadata
  | ParsedGridSquareImage
  | ParsedFoilHoleImage
  | ParsedMicrograph;

export type EpuFileKind = ParsedEpuFile["kind"];
