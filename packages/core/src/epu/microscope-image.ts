/**
 * The MicroscopeImage XML that EPU writes beside every image (grid square,
 * foil hole, exposure): acquisition, optics, stage and camera settings, plus
 * a CustomData dictionary with EPU's own extras (applied defocus, dose, ...).
 * Read with the path scanner (xml/leaves.ts): a session has tens of thousands.
 */
import { LeafPlan, scanLeaves, type Leaves } from "../xml/leaves.js";
import { scanLeavesBytes } from "../xml/leaves-bytes.js";
import { isoUtc, mapOpt, mToA, mToUm, perM2ToPerA2, radToDeg, sig, vToKv } from "../units.js";

/** Everything emflow takes from a MicroscopeImage, already in emflow units. */
export interface MicroscopeImageInfo {
  uniqueId?: string;
  acquiredAt?: string;
  pixelSizeA?: number;
  magnification?: number;
  voltageKv?: number;
  appliedDefocusA?: number;
  doseEA2?: number;
  doseRateEPxS?: number;
  exposureTimeS?: number;
  frameCount?: number;
  detector?: string;
  detectorModel?: string;
  electronCounted?: boolean;
  superResolutionFactor?: number;
  binning?: number;
  readoutX?: number;
  readoutY?: number;
  readoutWidth?: number;
  readoutHeight?: number;
  energyFilter?: boolean;
  slitInserted?: boolean;
  slitWidthEv?: number;
  phasePlate?: boolean;
  stageXUm?: number;
  stageYUm?: number;
  stageZUm?: number;
  stageAlphaDeg?: number;
  imageShiftX?: number;
  imageShiftY?: number;
}

const CAMERA = "microscopeData/acquisition/camera";
const OPTICS = "microscopeData/optics";
const STAGE = "microscopeData/stage/Position";
/** CustomData entries, e.g. `${CUSTOM}[AppliedDefocus]` or `${CUSTOM}[FindFoilHoleCenterResults]/Center/x`. */
export const CUSTOM = "CustomData";
const CAMERA_INPUT = `${CAMERA}/CameraSpecificInput`;

// Every key looked up, built once (not per file).
const K = {
  appliedDefocus: `${CUSTOM}[AppliedDefocus]`,
  dose: `${CUSTOM}[Dose]`,
  doseRate: `${CUSTOM}[DoseRate]`,
  binaryDetector: `${CUSTOM}[BinaryResult.Detector]`,
  detectorModel: `${CUSTOM}[DetectorCommercialName]`,
  phasePlate: `${CUSTOM}[PhasePlateUsed]`,
  magnification: `${OPTICS}/TemMagnification/NominalMagnification`,
  exposure: `${CAMERA}/ExposureTime`,
  fractions: `${CAMERA_INPUT}[FractionationSettings]/NumberOffractions`,
  cameraName: `${CAMERA}/Name`,
  counting: `${CAMERA_INPUT}[ElectronCountingEnabled]`,
  superRes: `${CAMERA_INPUT}[SuperResolutionFactor]`,
  binning: `${CAMERA}/Binning/x`,
  readoutX: `${CAMERA}/ReadoutArea/x`,
  readoutY: `${CAMERA}/ReadoutArea/y`,
  readoutW: `${CAMERA}/ReadoutArea/width`,
  readoutH: `${CAMERA}/ReadoutArea/height`,
  eftem: `${OPTICS}/EFTEMOn`,
  slitIn: `${OPTICS}/EnergyFilter/EnergySelectionSlitInserted`,
  slitWidth: `${OPTICS}/EnergyFilter/EnergySelectionSlitWidth`,
  stageX: `${STAGE}/X`,
  stageY: `${STAGE}/Y`,
  stageZ: `${STAGE}/Z`,
  stageA: `${STAGE}/A`,
  shiftX: `${OPTICS}/ImageShift/_x`,
  shiftY: `${OPTICS}/ImageShift/_y`,
} as const;

const PLAN = new LeafPlan(
  [
    "uniqueID",
    "SpatialScale/pixelSize/x/numericValue",
    "microscopeData/acquisition/acquisitionDateTime",
    "microscopeData/gun/AccelerationVoltage",
    ...["Name", "ExposureTime", "Binning/x", "ReadoutArea/x", "ReadoutArea/y", "ReadoutArea/width", "ReadoutArea/height"].map((p) => `${CAMERA}/${p}`),
    ...[
      "TemMagnification/NominalMagnification",
      "EFTEMOn",
      "EnergyFilter/EnergySelectionSlitInserted",
      "EnergyFilter/EnergySelectionSlitWidth",
      "ImageShift/_x",
      "ImageShift/_y",
    ].map((p) => `${OPTICS}/${p}`),
    ...["X", "Y", "Z", "A"].map((p) => `${STAGE}/${p}`),
  ],
  [CUSTOM, CAMERA_INPUT],
  // Only the entries read here and in images.ts (a file has dozens).
  {
    [CUSTOM]: ["AppliedDefocus", "Dose", "DoseRate", "BinaryResult.Detector", "DetectorCommercialName", "PhasePlateUsed", "FindFoilHoleCenterResults"],
    [CAMERA_INPUT]: ["FractionationSettings", "ElectronCountingEnabled", "SuperResolutionFactor"],
  },
);

/**
 * Read a MicroscopeImage document, as text or as the file's UTF-8 bytes (faster). Returns the common fields and the scanned
 * leaves (for kind-specific CustomData entries). Throws XmlSyntaxError for
 * malformed XML and EpuFormatError for another root or a bad value.
 */
export function readMicroscopeImage(text: string | Uint8Array, file?: string): { info: MicroscopeImageInfo; leaves: Leaves } {
  const x = typeof text === "string" ? scanLeaves(text, PLAN, file) : scanLeavesBytes(text, PLAN, file);
  if (x.root !== "MicroscopeImage") throw x.error(`expected a <MicroscopeImage> document, found <${x.root}>`);
  const um = (m: number): number => sig(mToUm(m));
  const info: MicroscopeImageInfo = {
    uniqueId: x.str("uniqueID"),
    acquiredAt: isoUtc(x.str("microscopeData/acquisition/acquisitionDateTime")),
    pixelSizeA: mapOpt(x.num("SpatialScale/pixelSize/x/numericValue"), (m) => sig(mToA(m))),
    magnification: x.num(K.magnification),
    voltageKv: mapOpt(x.num("microscopeData/gun/AccelerationVoltage"), vToKv),
    appliedDefocusA: mapOpt(x.num(K.appliedDefocus), (m) => sig(mToA(m))),
    doseEA2: mapOpt(x.num(K.dose), (d) => sig(perM2ToPerA2(d))),
    doseRateEPxS: x.num(K.doseRate),
    exposureTimeS: x.num(K.exposure),
    frameCount: x.num(K.fractions),
    detector: x.str(K.cameraName) ?? x.str(K.binaryDetector),
    detectorModel: x.str(K.detectorModel),
    electronCounted: x.bool(K.counting),
    superResolutionFactor: x.num(K.superRes),
    binning: x.num(K.binning),
    readoutX: x.num(K.readoutX),
    readoutY: x.num(K.readoutY),
    readoutWidth: x.num(K.readoutW),
    readoutHeight: x.num(K.readoutH),
    energyFilter: x.bool(K.eftem),
    slitInserted: x.bool(K.slitIn),
    slitWidthEv: x.num(K.slitWidth),
    phasePlate: x.bool(K.phasePlate),
    stageXUm: mapOpt(x.num(K.stageX), um),
    stageYUm: mapOpt(x.num(K.stageY), um),
    stageZUm: mapOpt(x.num(K.stageZ), um),
    stageAlphaDeg: mapOpt(x.num(K.stageA), (r) => sig(radToDeg(r))),
    imageShiftX: x.num(K.shiftX),
    imageShiftY: x.num(K.shiftY),
  };
  return { info, leaves: x };
}

/** Drop keys whose value is undefined, so partial records stay small and diffable. */
export function compact<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  // for-in over own enumerable keys (plain object literals): no [key, value] array per field, unlike Object.entries.
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
    const v = o[k];
    if (v !== undefined) out[k] = v;
  }
  return out as T;
}
