/** Metadata/GridSquare_<id>.dm: a square's stage position, state and foil-hole target locations. */
import { Dcs } from "../xml/dcs.js";
import { parseXml } from "../xml/tree.js";
import type { XmlNode } from "../xml/tree.js";
import { mapOpt, mToUm, radToDeg, sig } from "../units.js";
import { epuState } from "../model/fields.js";
import type { FoilHoleFields } from "../model/fields.js";
import { compact } from "./microscope-image.js";
import type { ParsedGridSquareMetadata } from "./types.js";

const um = (m: number): number => sig(mToUm(m));
const deg = (r: number): number => sig(radToDeg(r));

/** Parse the text of a GridSquare_<id>.dm. */
export function parseGridSquareMetadata(text: string, file?: string): ParsedGridSquareMetadata {
  const x = new Dcs(parseXml(text, file), file);
  const root = x.root;
  if (root.name !== "GridSquareXml") throw x.error(`expected <GridSquareXml>, found <${root.name}>`);
  const gridSquareId = x.reqStr(root, "Id");
  const pos = x.child(root, "Position");
  const locations = x.entries(x.at(root, "TargetLocations/TargetLocationsEfficient/m_serializationArray"));
  const foilHoles = locations.map(([key, value]) => ({ foilHoleId: key, data: targetLocation(x, value) }));
  return {
    kind: "gridSquareMetadata",
    gridSquareId,
    foilHoles,
    square: compact({
      stageXUm: mapOpt(x.num(pos, "X"), um),
      stageYUm: mapOpt(x.num(pos, "Y"), um),
      stageZUm: mapOpt(x.num(pos, "Z"), um),
      state: epuState(x.str(root, "State")),
      selected: x.bool(root, "Selected"),
      unusable: x.bool(root, "Unusable"),
      rotationDeg: mapOpt(x.num(root, "Rotation"), deg),
      holeSpacingUm: mapOpt(x.num(root, "HoleSpacing"), um),
      imagePath: x.str(root, "GridSquareImagePath"),
      holeCount: foilHoles.length,
    }),
  };
}

function targetLocation(x: Dcs, tl: XmlNode): FoilHoleFields {
  const stage = x.child(tl, "StagePosition");
  const filter = x.child(tl, "FilterProperties");
  const size = x.child(tl, "PixelWidthHeight");
  const w = x.num(size, "width");
  const h = x.num(size, "height");
  return compact({
    stageXUm: mapOpt(x.num(stage, "X"), um),
    stageYUm: mapOpt(x.num(stage, "Y"), um),
    stageZUm: mapOpt(x.num(stage, "Z"), um),
    pixelX: x.num(tl, "PixelCenter/x"),
    pixelY: x.num(tl, "PixelCenter/y"),
    diameterPx: w === undefined ? undefined : h === undefined ? w : sig((w + h) / 2),
    nearGridBar: x.bool(tl, "IsNearGridBar"),
    intensityMean: x.num(filter, "PixelIntensityMean"),
    intensityStdDev: x.num(filter, "PixelIntensityStDev"),
    state: epuState(x.str(tl, "State")),
    selected: x.bool(tl, "Selected"),
  });
}
