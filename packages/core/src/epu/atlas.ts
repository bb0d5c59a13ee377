/** Atlas.dm: the atlas montage's tiles and every grid square's place on it. */
import { Dcs } from "../xml/dcs.js";
import { parseXml } from "../xml/tree.js";
import type { XmlNode } from "../xml/tree.js";
import { isoUtc, mapOpt, mToUm, sig } from "../units.js";
import type { AtlasTileFields, GridSquareFields } from "../model/fields.js";
import { compact } from "./microscope-image.js";
import type { ParsedAtlas } from "./types.js";

const um = (m: number): number => sig(mToUm(m));

/** Parse the text of an Atlas.dm. Squares seen on several tiles are reported once. */
export function parseAtlas(text: string, file?: string): ParsedAtlas {
  const x = new Dcs(parseXml(text, file), file);
  const root = x.root;
  if (root.name !== "AtlasSessionXml") throw x.error(`expected <AtlasSessionXml>, found <${root.name}>`);
  const atlas = x.child(root, "Atlas");
  if (atlas === undefined) throw x.error("missing <Atlas> element");
  const atlasId = x.reqStr(atlas, "Id");
  const tiles: Array<{ tileId: string; data: AtlasTileFields }> = [];
  const squares = new Map<string, GridSquareFields>();
  for (const tile of x.items(x.child(atlas, "TilesEfficient"), "TileXml")) {
    const tileId = x.reqStr(tile, "Id");
    const pos = x.child(tile, "AtlasPixelPosition");
    const stage = x.child(tile, "StagePosition");
    tiles.push({
      tileId,
      data: compact({
        atlasX: x.num(pos, "x"),
        atlasY: x.num(pos, "y"),
        width: x.num(pos, "width"),
        height: x.num(pos, "height"),
        imageBaseName: x.str(tile, "TileImageReference/BaseFileName"),
        stageXUm: mapOpt(x.num(stage, "X"), um),
        stageYUm: mapOpt(x.num(stage, "Y"), um),
        stageZUm: mapOpt(x.num(stage, "Z"), um),
      }),
    });
    for (const [key, node] of x.entries(x.at(tile, "Nodes/KeyValuePairs"))) {
      if (!squares.has(key)) squares.set(key, squareOnAtlas(x, node, tileId));
    }
  }
  return {
    kind: "atlas",
    atlas: {
      atlasId,
      ...compact({
        acquiredAt: isoUtc(x.str(atlas, "AcquisitionDateTime")),
        startedAt: isoUtc(x.str(root, "StartDateTime")),
        name: x.str(root, "Name"),
        description: x.str(root, "Description"),
        storageFolder: x.str(root, "StorageFolder"),
        imageBaseName: x.str(atlas, "AtlasImageReference/BaseFileName"),
        tileCount: tiles.length,
      }),
    },
    tiles,
    squares: [...squares].map(([gridSquareId, data]) => ({ gridSquareId, data })),
  };
}

function squareOnAtlas(x: Dcs, node: XmlNode, tileId: string): GridSquareFields {
  const p = x.child(node, "PositionOnTheAtlas");
  // The atlas node's own StagePosition is left out on purpose: the square's .dm holds the refined one.
  return compact({
    atlasX: x.num(p, "Center/x"),
    atlasY: x.num(p, "Center/y"),
    atlasWidth: x.num(p, "Size/width"),
    atlasHeight: x.num(p, "Size/height"),
    physicalXUm: mapOpt(x.num(p, "Physical/x"), um),
    physicalYUm: mapOpt(x.num(p, "Physical/y"), um),
    physicalWidthUm: mapOpt(x.num(p, "Physical/width"), um),
    physicalHeightUm: mapOpt(x.num(p, "Physical/height"), um),
    atlasQuality: x.num(p, "Quality"),
    tileId,
  });
}
