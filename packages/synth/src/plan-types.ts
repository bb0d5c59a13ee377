/**
 * The fully determined content of a synthetic session: every id, position and
 * time, before any text is written. Lengths are SI metres (as EPU writes them)
 * unless the name says µm; times are ticks (100 ns) since the session start.
 */

/** A stage position in metres (x, y, z) and radians (alpha, beta), as in EPU's files. */
export interface Stage {
  x: number;
  y: number;
  z: number;
  a: number;
  b: number;
}

/** One image EPU takes (grid-square, foil-hole or exposure): its XML + JPEG pair. */
export interface ImagePlan {
  /** File base name, e.g. `GridSquare_20250314_091204`. */
  base: string;
  /** File-name time (the file stamp) and the XML's acquisitionDateTime. */
  stampAt: number;
  acquiredAt: number;
  uniqueId: string;
  guid: string;
  stage: Stage;
  /** Per-image jitter of optics values (beam shift/tilt, focus), in [-1, 1). */
  jitter: readonly number[];
}

export interface ShotPlan {
  /** Micrograph name = file base: FoilHole_<fh>_Data_<areaId>_<settingId>_<stamp>. */
  name: string;
  areaId: string;
  settingId: string;
  /** ParticleAcquisition id in the square's .dm. */
  acquisitionId: string;
  image: ImagePlan;
  defocusM: number;
  /** Total dose (e/m²), dose rate (e/px/s) and dose on camera. */
  doseM2: number;
  doseRate: number;
}

export interface HolePlan {
  id: string;
  /** Index in the square's target-location list (EPU's Order). */
  order: number;
  /** Acquired (selected) or only found. */
  selected: boolean;
  /** Centre on the grid-square image (px) and diameter (px). */
  pixelX: number;
  pixelY: number;
  diameterPx: number;
  stage: Stage;
  nearGridBar: boolean;
  intensityMean: number;
  intensityStdDev: number;
  /** Foil-hole image, only for selected holes. */
  image: (ImagePlan & { found: { x: number; y: number; w: number; h: number; quality: number; rotation: number } }) | undefined;
  shots: ShotPlan[];
  /** When acquisition of this hole started and ended. */
  startAt: number;
  endAt: number;
}

/** A square as the atlas sees it (every square on the grid, acquired or not). */
export interface AtlasSquarePlan {
  id: string;
  tileId: string;
  /** Centre and size on the atlas image (px). */
  atlasX: number;
  atlasY: number;
  atlasW: number;
  atlasH: number;
  /** Open square width in metres and its stage position as seen on the atlas. */
  sizeM: number;
  stage: Stage;
  quality: number;
  category: number;
  featureVector: readonly number[];
}

export interface SquarePlan {
  atlas: AtlasSquarePlan;
  /** Index in acquisition order. */
  index: number;
  /** Refined stage position (the square's .dm), in metres. */
  stage: Stage;
  rotation: number;
  image: ImagePlan;
  /** Target locations: selected holes first in acquisition order, then found-only ones. */
  holes: HolePlan[];
  startAt: number;
  /** When the square image was taken and the .dm first written. */
  metadataAt: number;
  endAt: number;
}

export interface AtlasTilePlan {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
  stage: Stage;
}

export interface AtlasPlan {
  id: string;
  /** Atlas image id, as in `Atlas_<id>` and `Tile_<tile>_0_<id>`. */
  imageId: string;
  dirName: string;
  slot: number;
  startedAt: number;
  acquiredAt: number;
  /** µm per atlas pixel. */
  pixelSizeUm: number;
  width: number;
  height: number;
  rotation: number;
  tiles: AtlasTilePlan[];
  squares: AtlasSquarePlan[];
}

/** A data-acquisition area of the session's target-area template: one exposure per hole. */
export interface AcquisitionAreaPlan {
  id: string;
  settingId: string;
  /** Offset from the hole centre on the foil-hole image (px) and on the stage (m). */
  shiftX: number;
  shiftY: number;
}

export interface SessionPlan {
  visit: string;
  windowsRoot: string;
  /** EPU's session directory name, also the session Name: Supervisor_<date>_<time>_<name>_EPU. */
  sessionDirName: string;
  epuId: string;
  gridId: string;
  ids: Readonly<Record<string, string>>;
  startMs: number;
  endAt: number;
  holeSizeM: number;
  holeSpacingM: number;
  holeLattice: "square" | "hexagonal";
  areas: AcquisitionAreaPlan[];
  defocusListM: number[];
  /** Pixel sizes (m) of grid-square, foil-hole and exposure images. */
  pixelSizes: { gridSquare: number; foilHole: number; exposure: number };
  atlas: AtlasPlan;
  squares: SquarePlan[];
}
