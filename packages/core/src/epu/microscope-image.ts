/**
 * The MicroscopeImage XML that EPU writes beside every image (grid square,
 * foil hole, exposure): acquisition, optics, stage and camera settings, plus
 * a CustomData dictionary with EPU's own extras (applied defocus, dose, ...).
 */
import type { Dcs } from "../xml/dcs.js";
import type { XmlNode } from "../xml/tree.js";
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
  /** The CustomData dictionary's raw value nodes, for kind-specific extras. */
  custom: Map<string, XmlNode>;
}

/** Read a MicroscopeImage document; throws EpuFormatError if the root is something else. */
export function readMicroscopeImage(x: Dcs): MicroscopeImageInfo {
  const root = x.root;
  if (root.name !== "MicroscopeImage") throw x.error(`expected a <MicroscopeImage> document, found <${root.name}>`);
  const custom = new Map(x.entries(x.child(root, "CustomData")));
  const cnum = (key: string): number | undefined => x.num(custom.get(key));
  const cstr = (key: string): string | undefined => x.str(custom.get(key));
  const cbool = (key: string): boolean | undefined => x.bool(custom.get(key));
  const md = x.child(root, "microscopeData");
  const acq = x.child(md, "acquisition");
  const camera = x.child(acq, "camera");
  const optics = x.child(md, "optics");
  const stage = x.at(md, "stage/Position");
  const cameraInput = new Map(x.entries(x.child(camera, "CameraSpecificInput")));
  const fractions = cameraInput.get("FractionationSettings");
  const pixel = x.num(root, "SpatialScale/pixelSize/x/numericValue");
  const binX = x.num(camera, "Binning/x");
  const sr = x.num(cameraInput.get("SuperResolutionFactor"));
  const info: MicroscopeImageInfo = {
    custom,
    uniqueId: x.str(root, "uniqueID"),
    acquiredAt: isoUtc(x.str(acq, "acquisitionDateTime")),
    pixelSizeA: mapOpt(pixel, (m) => sig(mToA(m))),
    magnification: x.num(optics, "TemMagnification/NominalMagnification"),
    voltageKv: mapOpt(x.num(md, "gun/AccelerationVoltage"), vToKv),
    appliedDefocusA: mapOpt(cnum("AppliedDefocus"), (m) => sig(mToA(m))),
    doseEA2: mapOpt(cnum("Dose"), (d) => sig(perM2ToPerA2(d))),
    doseRateEPxS: cnum("DoseRate"),
    exposureTimeS: x.num(camera, "ExposureTime"),
    frameCount: x.num(x.child(fractions, "NumberOffractions")),
    detector: x.str(camera, "Name") ?? cstr("BinaryResult.Detector"),
    detectorModel: cstr("DetectorCommercialName"),
    electronCounted: x.bool(cameraInput.get("ElectronCountingEnabled")),
    superResolutionFactor: sr,
    binning: binX,
    readoutX: x.num(camera, "ReadoutArea/x"),
    readoutY: x.num(camera, "ReadoutArea/y"),
    readoutWidth: x.num(camera, "ReadoutArea/width"),
    readoutHeight: x.num(camera, "ReadoutArea/height"),
    energyFilter: x.bool(optics, "EFTEMOn"),
    slitInserted: x.bool(optics, "EnergyFilter/EnergySelectionSlitInserted"),
    slitWidthEv: x.num(optics, "EnergyFilter/EnergySelectionSlitWidth"),
    phasePlate: cbool("PhasePlateUsed"),
    stageXUm: mapOpt(x.num(stage, "X"), (m) => sig(mToUm(m))),
    stageYUm: mapOpt(x.num(stage, "Y"), (m) => sig(mToUm(m))),
    stageZUm: mapOpt(x.num(stage, "Z"), (m) => sig(mToUm(m))),
    stageAlphaDeg: mapOpt(x.num(stage, "A"), (r) => sig(radToDeg(r))),
    imageShiftX: x.num(optics, "ImageShift/_x"),
    imageShiftY: x.num(optics, "ImageShift/_y"),
  };
  return info;
}

/** Drop keys whose value is undefined, so partial records stay small and diffable. */
export function compact<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}
