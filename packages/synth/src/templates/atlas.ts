/**
 * Atlas.dm (atlas/<screening session>/Sample<k>/Atlas/Atlas.dm): the montage's
 * tiles and, per tile, a node for each grid square on it with its
 * PositionOnTheAtlas (centre and size in px, physical rectangle in m).
 */
import { netDouble as d, netFloat as f, type TimeBase } from "../format.js";
import { windowsPath } from "../plan.js";
import type { AtlasSquarePlan, AtlasTilePlan, SessionPlan } from "../plan-types.js";
import { acquisitionXml, drawingXml, idEl, INT32_COMPARER, MSCORLIB, NS, opticsXml, stageXml, ZIds, type PresetValues } from "./dcs.js";

const GA = "Applications.SciencesAppsShared.GridAtlas.Persistence";
const GA_ASM = `${GA}, Version=1.34.0.6930, Culture=neutral, PublicKeyToken=null`;
const GA_NS = `http://schemas.datacontract.org/2004/07/${GA}`;
const DATAMODEL_NS = "http://schemas.datacontract.org/2004/07/Applications.SciencesAppsShared.GridAtlas.Datamodel";
const NODE_DICT = `System.Collections.Generic.Dictionary\`2[[System.Int32, ${MSCORLIB}],[${GA}.NodeXml, ${GA_ASM}]]`;
const NODE_PAIRS = `System.Collections.Generic.KeyValuePair\`2[[System.Int32, ${MSCORLIB}],[${GA}.NodeXml, ${GA_ASM}]][]`;

function position(tag: string, plan: SessionPlan, s: AtlasSquarePlan): string {
  const half = s.sizeM / 2;
  return (
    `<${tag} xmlns:c="${DATAMODEL_NS}">` +
    drawingXml("c:Center", "d", [["x", f(s.atlasX)], ["y", f(s.atlasY)]]) +
    drawingXml("c:Physical", "d", [["height", f(s.sizeM)], ["width", f(s.sizeM)], ["x", f(s.stage.x - half)], ["y", f(s.stage.y - half)]]) +
    `<c:Quality>${d(s.quality)}</c:Quality><c:Rotation>${d(plan.atlas.rotation)}</c:Rotation><c:Shear>0</c:Shear>` +
    drawingXml("c:Size", "d", [["height", f(s.atlasH)], ["width", f(s.atlasW)]]) +
    `</${tag}>`
  );
}

function node(z: ZIds, plan: SessionPlan, s: AtlasSquarePlan, tile: AtlasTilePlan): string {
  const value = z.next();
  const vector = z.next();
  const positions = z.next();
  const items = z.next();
  const tilePos = z.next();
  return (
    `<KeyValuePairOfintNodeXml30oatNZW xmlns="${NS.generic}"><key>${s.id}</key><value z:Id="${value}" xmlns:b="${GA_NS}">${idEl(s.id)}` +
    stageXml("b:AlignedStagePosition", "c", s.stage) +
    `<b:Category>${s.category}</b:Category><b:FeatureVector z:Id="${vector}" z:Size="${s.featureVector.length}">${s.featureVector.map((v) => `<a:double>${d(v)}</a:double>`).join("")}</b:FeatureVector>` +
    position("b:PositionOnTheAtlas", plan, s) +
    stageXml("b:StagePosition", "c", s.stage) +
    `<b:TilePositions z:Id="${positions}"><b:_items z:Id="${items}" z:Size="4"><b:TilePositionXml z:Id="${tilePos}">${idEl(s.id)}` +
    position("b:NodePosition", plan, { ...s, atlasX: s.atlasX - tile.x, atlasY: s.atlasY - tile.y }) +
    `<b:TileId>${tile.id}</b:TileId></b:TilePositionXml><b:TilePositionXml i:nil="true"/><b:TilePositionXml i:nil="true"/><b:TilePositionXml i:nil="true"/></b:_items><b:_size>1</b:_size><b:_version>1</b:_version></b:TilePositions>` +
    `</value></KeyValuePairOfintNodeXml30oatNZW>`
  );
}

function tileXml(z: ZIds, plan: SessionPlan, tile: AtlasTilePlan, squares: readonly AtlasSquarePlan[], comparer: { id?: string }): string {
  const tileId = z.next();
  const nodesId = z.next();
  const versionId = z.next();
  let cmp: string;
  if (comparer.id === undefined) {
    comparer.id = z.next();
    cmp = `<Comparer z:Id="${comparer.id}" z:Type="${INT32_COMPARER}" z:Assembly="0" xmlns=""/>`;
  } else cmp = `<Comparer z:Ref="${comparer.id}" i:nil="true" xmlns=""/>`;
  const hashId = z.next();
  let pairs = "";
  if (squares.length > 0) {
    const pairsId = z.next();
    pairs = `<KeyValuePairs z:Id="${pairsId}" z:Type="${NODE_PAIRS}" z:Assembly="0" z:Size="${squares.length}" xmlns="">${squares.map((s) => node(z, plan, s, tile)).join("")}</KeyValuePairs>`;
  }
  const refId = z.next();
  const baseId = z.next();
  return (
    `<TileXml z:Id="${tileId}">${idEl(tile.id)}` +
    drawingXml("AtlasPixelPosition", "a", [["height", String(tile.height)], ["width", String(tile.width)], ["x", String(tile.x)], ["y", String(tile.y)]]) +
    `<Nodes z:Id="${nodesId}" z:Type="${NODE_DICT}" z:Assembly="0" xmlns:a="${NS.arrays}"><Version z:Id="${versionId}" z:Type="System.Int32" z:Assembly="0" xmlns="">${squares.length}</Version>${cmp}` +
    `<HashSize z:Id="${hashId}" z:Type="System.Int32" z:Assembly="0" xmlns="">${squares.length === 0 ? 0 : 17}</HashSize>${pairs}</Nodes>` +
    stageXml("StagePosition", "a", tile.stage) +
    `<TileImageReference z:Id="${refId}" xmlns:a="${NS.types}"><a:BaseFileName z:Id="${baseId}">${tileBaseName(plan, tile)}</a:BaseFileName><a:FileFormat>Jpeg</a:FileFormat></TileImageReference></TileXml>`
  );
}

/** `Tile_<tile>_0_<atlas image>`: the base name of a tile's image files. */
export function tileBaseName(plan: SessionPlan, tile: AtlasTilePlan): string {
  return `Tile_${tile.id}_0_${plan.atlas.imageId}`;
}

/** Render Atlas.dm. */
export function atlasXml(plan: SessionPlan, tb: TimeBase): string {
  const a = plan.atlas;
  const z = new ZIds();
  const root = z.next();
  const atlasId = z.next();
  const preset: PresetValues = { acquiredAt: tb.dateTime(a.startedAt + 1_000_000), exposureTimeS: 1, superResolution: 1, magnification: 135, lensMode: "LM", probeMode: "MicroProbe", defocusM: -1e-3, beamDiameterM: 0.0009, spot: 8 };
  const settings = acquisitionXml(z, "AcquisitionSettings", "a", preset);
  const alignment =
    `<AtlasAlignmentTransformation z:Id="${z.next()}" z:Type="Applications.SciencesAppsShared.Types.AtlasAlignment.AlignmentTransformation" z:Assembly="Applications.SciencesAppsShared.Types, Version=1.34.0.6930, Culture=neutral, PublicKeyToken=null">` +
    `<Acquisition z:Ref="3" i:nil="true" xmlns="http://schemas.datacontract.org/2004/07/Applications.SciencesAppsShared.Types.AtlasAlignment" xmlns:a="${NS.shared}"/>` +
    opticsXml(z, "Optics", "a", preset, ` xmlns="http://schemas.datacontract.org/2004/07/Applications.SciencesAppsShared.Types.AtlasAlignment"`) +
    `<Rotation xmlns="http://schemas.datacontract.org/2004/07/Applications.SciencesAppsShared.Types.AtlasAlignment">${d(a.rotation)}</Rotation>` +
    `<TimeStamp xmlns="http://schemas.datacontract.org/2004/07/Applications.SciencesAppsShared.Types.AtlasAlignment">${tb.dateTime(a.acquiredAt + 40_000_000)}</TimeStamp>` +
    `<Translation xmlns="http://schemas.datacontract.org/2004/07/Applications.SciencesAppsShared.Types.AtlasAlignment" xmlns:a="${NS.drawing}"><a:height>1.66927057E-05</a:height><a:width>7.14462E-07</a:width></Translation></AtlasAlignmentTransformation>`;
  const imageRef = `<AtlasImageReference z:Id="${z.next()}" xmlns:a="${NS.types}"><a:BaseFileName z:Id="${z.next()}">Atlas_${a.imageId}</a:BaseFileName><a:FileFormat>Jpeg</a:FileFormat></AtlasImageReference>`;
  const categories = `<SelectedCategories z:Id="${z.next()}" xmlns:a="${NS.arrays}"><a:_items z:Id="${z.next()}" z:Size="8"><a:int>0</a:int><a:int>4</a:int><a:int>3</a:int><a:int>2</a:int><a:int>1</a:int><a:int>0</a:int><a:int>0</a:int><a:int>0</a:int></a:_items><a:_size>5</a:_size><a:_version>5</a:_version></SelectedCategories>`;
  const efficient = z.next();
  const items = z.next();
  const byTile = new Map<string, AtlasSquarePlan[]>();
  for (const s of a.squares) byTile.set(s.tileId, [...(byTile.get(s.tileId) ?? []), s]);
  const comparer: { id?: string } = {};
  const tiles = a.tiles.map((t) => tileXml(z, plan, t, byTile.get(t.id) ?? [], comparer)).join("");
  // EPU's list capacity is the next power of two; unused slots are nil.
  const capacity = 2 ** Math.ceil(Math.log2(Math.max(4, a.tiles.length)));
  const padding = `<TileXml i:nil="true"/>`.repeat(capacity - a.tiles.length);
  const storage = windowsPath(plan, "atlas", a.dirName, `Sample${a.slot}`);
  return (
    `<AtlasSessionXml z:Id="${root}" z:Type="${GA}.AtlasSessionXml" z:Assembly="${GA_ASM}" xmlns="${GA_NS}" xmlns:i="${NS.i}" xmlns:z="${NS.z}">` +
    idEl(a.id) +
    `<Atlas z:Id="${atlasId}">${idEl(a.id)}<AcquiredWithImageBeamShift>false</AcquiredWithImageBeamShift><AcquisitionDateTime>${tb.dateTime(a.acquiredAt)}</AcquisitionDateTime>` +
    settings +
    `<AlignmentTileId>${a.tiles[Math.floor(a.tiles.length / 2)]!.id}</AlignmentTileId>` +
    alignment +
    imageRef +
    drawingXml("CryoboxReferenceVector", "a", [["x", "0"], ["y", "0"]]) +
    `<HighLmAlignmentImageReference i:nil="true" xmlns:a="${NS.types}"/><IsStem>false</IsStem><Name i:nil="true"/><NrTiles i:nil="true"/>` +
    categories +
    `<Session z:Ref="${root}" i:nil="true"/><StartPosition>CloseToCenter</StartPosition>` +
    `<TilesEfficient z:Id="${efficient}"><_items z:Id="${items}" z:Size="${capacity}">${tiles}${padding}</_items><_size>${a.tiles.length}</_size><_version>${a.tiles.length + 1}</_version></TilesEfficient></Atlas>` +
    `<Description z:Id="${z.next()}">Atlas for autoloader slot ${a.slot}</Description><ImageFileFormat>Jpeg</ImageFileFormat><Name z:Id="${z.next()}">Atlas</Name>` +
    `<StartDateTime>${tb.dateTime(a.startedAt)}</StartDateTime><StorageFolder z:Id="${z.next()}">${storage}</StorageFolder>` +
    `<Version z:Id="${z.next()}" xmlns:a="${NS.system}"><a:_Build>0</a:_Build><a:_Major>3</a:_Major><a:_Minor>0</a:_Minor><a:_Revision>-1</a:_Revision></Version></AtlasSessionXml>\n`
  );
}
