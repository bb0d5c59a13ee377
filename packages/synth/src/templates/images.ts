/** The three image XMLs of a session rendered from the plan: grid square, foil hole, exposure. */
import type { TimeBase } from "../format.js";
import type { HolePlan, ImagePlan, SessionPlan, ShotPlan, SquarePlan } from "../plan-types.js";
import { microscopeImageXml, type MicroscopeImageValues } from "./microscope-image.js";

const j = (img: ImagePlan, k: number, scale: number): number => img.jitter[k % img.jitter.length]! * scale;

function common(tb: TimeBase, img: ImagePlan): Pick<MicroscopeImageValues, "uniqueId" | "guid" | "acquiredAt" | "stage"> {
  return { uniqueId: img.uniqueId, guid: img.guid, acquiredAt: tb.dateTime(img.acquiredAt), stage: img.stage };
}

/** Images-Disc1/GridSquare_<id>/GridSquare_<stamp>.xml */
export function gridSquareImageXml(plan: SessionPlan, tb: TimeBase, sq: SquarePlan): string {
  const img = sq.image;
  return microscopeImageXml({
    ...common(tb, img),
    pixelSizeM: plan.pixelSizes.gridSquare,
    magnification: 470,
    lensMode: "LM",
    probeMode: "MicroProbe",
    objectiveAperture: "None",
    appliedDefocusM: -5e-5,
    opticsDefocusM: -5e-5 + j(img, 0, 1e-7),
    focus: -3.45e-5 + j(img, 1, 1e-6),
    doseM2: 3.54e16 * (1 + j(img, 2, 0.01)),
    doseRate: 15.3 * (1 + j(img, 3, 0.01)),
    doseOnCamera: 61.2 * (1 + j(img, 4, 0.01)),
    exposureTimeS: 1,
    superResolution: 1,
    frames: undefined,
    slitInserted: false,
    beamDiameterM: 0.00028714285714285712,
    beamShift: [0, 0],
    beamTilt: [0.0229 + j(img, 5, 1e-3), -0.0418 + j(img, 0, 1e-3)],
    imageShift: [-0.0092 + j(img, 1, 1e-4), -0.0035 + j(img, 2, 1e-4)],
  });
}

/** Images-Disc1/GridSquare_<id>/FoilHoles/FoilHole_<id>_<stamp>.xml */
export function foilHoleImageXml(plan: SessionPlan, tb: TimeBase, hole: HolePlan): string {
  const img = hole.image;
  if (img === undefined) throw new Error(`foil hole ${hole.id} has no image (not selected)`);
  return microscopeImageXml({
    ...common(tb, img),
    pixelSizeM: plan.pixelSizes.foilHole,
    magnification: 11500,
    lensMode: "HM",
    probeMode: "NanoProbe",
    objectiveAperture: "100",
    appliedDefocusM: -2e-5,
    opticsDefocusM: -1.98e-5 + j(img, 0, 1e-7),
    focus: -0.00633 + j(img, 1, 1e-5),
    doseM2: 8.58e19 * (1 + j(img, 2, 0.01)),
    doseRate: 57.4 * (1 + j(img, 3, 0.01)),
    doseOnCamera: 229.5 * (1 + j(img, 4, 0.01)),
    exposureTimeS: 1,
    superResolution: 1,
    frames: undefined,
    slitInserted: false,
    beamDiameterM: 9e-6,
    beamShift: [0, 0],
    beamTilt: [0.0114 + j(img, 5, 1e-3), -0.0149 + j(img, 0, 1e-3)],
    imageShift: [0.0012 + j(img, 1, 1e-4), 0.00067 + j(img, 2, 1e-4)],
    found: img.found,
  });
}

/** Images-Disc1/GridSquare_<id>/Data/<micrograph name>.xml */
export function micrographXml(plan: SessionPlan, tb: TimeBase, shot: ShotPlan): string {
  const img = shot.image;
  return microscopeImageXml({
    ...common(tb, img),
    pixelSizeM: plan.pixelSizes.exposure,
    magnification: 165000,
    lensMode: "HM",
    probeMode: "NanoProbe",
    objectiveAperture: "100",
    appliedDefocusM: shot.defocusM,
    opticsDefocusM: shot.defocusM + 2.4e-6 + j(img, 0, 2e-7),
    focus: -8.11e-5 + j(img, 1, 1e-6),
    doseM2: shot.doseM2,
    doseRate: shot.doseRate,
    doseOnCamera: (shot.doseRate * 0.89) * (1 + j(img, 4, 0.01)),
    exposureTimeS: 0.89,
    superResolution: 2,
    frames: 50,
    slitInserted: true,
    beamDiameterM: 8.3e-7,
    beamShift: [0.06 + j(img, 2, 0.05), -0.15 + j(img, 3, 0.05)],
    beamTilt: [0.0114 + j(img, 5, 1e-3), -0.0149 + j(img, 0, 1e-3)],
    imageShift: [0, 0],
  });
}
