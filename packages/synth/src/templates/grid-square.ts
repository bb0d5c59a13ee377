/**
 * Metadata/GridSquare_<id>.dm: a square's stage position, outline on its image
 * and every foil-hole target location (pixel centre, size, intensity filter,
 * near-grid-bar flag, state, stage position, and the exposures once done).
 */
import { netDouble as d, netFloat as f, toSingle, type TimeBase } from "../format.js";
import { windowsPath } from "../plan.js";
import { IMAGE_H, IMAGE_W } from "../plan-square.js";
import type { HolePlan, SessionPlan, SquarePlan } from "../plan-types.js";
import { drawingXml, idEl, INT32_COMPARER, MSCORLIB, NS, stageXml, ZIds } from "./dcs.js";

const EPU_ASM = "Applications.Epu.Persistence, Version=3.9.1.8206, Culture=neutral, PublicKeyToken=null";
const PA_DICT = `System.Collections.Generic.Dictionary\`2[[System.Int32, ${MSCORLIB}],[Applications.Epu.Persistence.ParticleAcquisitionDataXml, ${EPU_ASM}]]`;
const PA_PAIRS = `System.Collections.Generic.KeyValuePair\`2[[System.Int32, ${MSCORLIB}],[Applications.Epu.Persistence.ParticleAcquisitionDataXml, ${EPU_ASM}]][]`;

/** How far acquisition of the square has got when the file is written. */
export interface SquareProgress {
  /** Selected holes completed so far (they are acquired in order). */
  completed: number;
  /** The square is finished (final rewrite). */
  final: boolean;
}

function imageRef(z: ZIds, tag: string, p: string, base: string): string {
  return `<${tag} z:Id="${z.next()}" xmlns:${p}="${NS.types}"><${p}:BaseFileName z:Id="${z.next()}">${base}</${p}:BaseFileName><${p}:FileFormat>Jpeg</${p}:FileFormat></${tag}>`;
}

/** The square's outline on its image: the open area's four corners (px). */
function shape(z: ZIds, plan: SessionPlan, sq: SquarePlan): string {
  const half = sq.atlas.sizeM / 2;
  const ps = plan.pixelSizes.gridSquare;
  const cos = Math.cos(sq.rotation);
  const sin = Math.sin(sq.rotation);
  const corners = [[-half, -half], [half, -half], [half, half], [-half, half]].map(([u, v]) => {
    const dx = u! * cos - v! * sin;
    const dy = u! * sin + v! * cos;
    return [toSingle(Math.min(IMAGE_W, Math.max(0, IMAGE_W / 2 + dx / ps))), toSingle(Math.min(IMAGE_H, Math.max(0, IMAGE_H / 2 - dy / ps)))] as const;
  });
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  const point = ([x, y]: readonly [number, number]): string => `<b:PointF><b:x>${f(x)}</b:x><b:y>${f(y)}</b:y></b:PointF>`;
  return (
    `<GridSquareShape z:Id="${z.next()}" xmlns:a="http://schemas.datacontract.org/2004/07/Applications.SciencesAppsShared.Types">` +
    drawingXml("a:center", "b", [["x", f(IMAGE_W / 2)], ["y", f(IMAGE_H / 2)]]) +
    drawingXml("a:max", "b", [["x", f(Math.max(...xs))], ["y", f(Math.max(...ys))]]) +
    drawingXml("a:min", "b", [["x", f(Math.min(...xs))], ["y", f(Math.min(...ys))]]) +
    `<a:vertices z:Id="${z.next()}" z:Size="4" xmlns:b="${NS.drawing}">${corners.map(point).join("")}</a:vertices></GridSquareShape>`
  );
}

interface Shared {
  comparer?: string;
  emptyItems?: string;
}

function particleAcquisitions(z: ZIds, sq: SquarePlan, hole: HolePlan, done: boolean, shared: Shared): string {
  const dictId = z.next();
  const version = z.next();
  let comparer: string;
  if (shared.comparer === undefined) {
    shared.comparer = z.next();
    comparer = `<Comparer z:Id="${shared.comparer}" z:Type="${INT32_COMPARER}" z:Assembly="0" xmlns=""/>`;
  } else comparer = `<Comparer z:Ref="${shared.comparer}" i:nil="true" xmlns=""/>`;
  const head = `<ParticleAcquisitions z:Id="${dictId}" z:Type="${PA_DICT}" z:Assembly="0"><Version z:Id="${version}" z:Type="System.Int32" z:Assembly="0" xmlns="">${done ? hole.shots.length : 0}</Version>${comparer}`;
  if (!done || hole.shots.length === 0) return `${head}<HashSize z:Id="${z.next()}" z:Type="System.Int32" z:Assembly="0" xmlns="">0</HashSize></ParticleAcquisitions>`;
  const hashSize = z.next();
  const pairs = z.next();
  const entries = hole.shots
    .map(
      (s) =>
        `<b:KeyValuePairOfintParticleAcquisitionDataXmlBpEWF4JT><b:key>${s.acquisitionId}</b:key><b:value z:Id="${z.next()}" xmlns:c="http://schemas.datacontract.org/2004/07/Applications.Epu.Persistence">` +
        `${idEl(s.acquisitionId)}<c:DataAcquisitionAreaId>${s.areaId}</c:DataAcquisitionAreaId><c:GridSquareId>${sq.atlas.id}</c:GridSquareId>` +
        imageRef(z, "c:Image", "d", s.name) +
        `<c:ImageAcquisitionSettingId>${s.settingId}</c:ImageAcquisitionSettingId><c:ImageFolderName z:Id="${z.next()}">Images-Disc1</c:ImageFolderName><c:TargetLocationId>${hole.id}</c:TargetLocationId></b:value></b:KeyValuePairOfintParticleAcquisitionDataXmlBpEWF4JT>`,
    )
    .join("");
  return (
    head +
    `<HashSize z:Id="${hashSize}" z:Type="System.Int32" z:Assembly="0" xmlns="">7</HashSize>` +
    `<KeyValuePairs z:Id="${pairs}" z:Type="${PA_PAIRS}" z:Assembly="0" z:Size="${hole.shots.length}" xmlns="">${entries}</KeyValuePairs></ParticleAcquisitions>`
  );
}

function targetLocation(z: ZIds, plan: SessionPlan, sq: SquarePlan, hole: HolePlan, progress: SquareProgress, shared: Shared): string {
  const done = hole.selected && (progress.final || hole.order < progress.completed);
  const state = !hole.selected ? "Defined" : done ? "Completed" : "Selected";
  const img = done ? hole.image : undefined;
  // Built in document order so z:Id numbers increase through the file, as the serializer numbers them.
  const out: string[] = [];
  out.push(`<b:KeyValuePairOfintTargetLocationXmlBpEWF4JT><b:key>${hole.id}</b:key><b:value z:Id="${z.next()}">${idEl(hole.id)}<BeamShiftId i:nil="true"/>`);
  out.push(stageXml("CorrectedStagePosition", "c", { x: 0, y: 0, z: 0, a: 0, b: 0 }));
  out.push(`<FilterProperties z:Id="${z.next()}"><PixelIntensityMean>${d(hole.intensityMean)}</PixelIntensityMean><PixelIntensityStDev>${d(hole.intensityStdDev)}</PixelIntensityStDev></FilterProperties>`);
  if (img === undefined) {
    out.push(`<FoilHoleImagePath i:nil="true"/><GridSquareId>${sq.atlas.id}</GridSquareId><Image i:nil="true" xmlns:c="${NS.types}"/><ImageFolderName i:nil="true"/>`);
  } else {
    const path = windowsPath(plan, plan.sessionDirName, "Images-Disc1", `GridSquare_${sq.atlas.id}`, "FoilHoles", `${img.base}.jpg`);
    out.push(`<FoilHoleImagePath z:Id="${z.next()}">${path}</FoilHoleImagePath><GridSquareId>${sq.atlas.id}</GridSquareId>`);
    out.push(imageRef(z, "Image", "c", img.base));
    out.push(`<ImageFolderName z:Id="${z.next()}">Images-Disc1</ImageFolderName>`);
  }
  out.push(`<IsNearGridBar>${hole.nearGridBar}</IsNearGridBar><IsPositionCorrected>false</IsPositionCorrected><IsPositionRefined>false</IsPositionRefined><IsRecommendedSelection i:nil="true"/><Order>${hole.order}</Order>`);
  out.push(particleAcquisitions(z, sq, hole, done, shared));
  out.push(drawingXml("PixelCenter", "c", [["x", f(hole.pixelX)], ["y", f(hole.pixelY)]]));
  out.push(drawingXml("PixelWidthHeight", "c", [["height", f(hole.diameterPx)], ["width", f(hole.diameterPx)]]));
  out.push(`<PositionInCluster i:nil="true" xmlns:c="${NS.drawing}"/>`);
  out.push(hole.selected ? `<PrimaryId>${hole.id}</PrimaryId>` : `<PrimaryId i:nil="true"/>`);
  out.push(`<Quality>1</Quality><Rotation>0</Rotation>`);
  if (shared.emptyItems === undefined) {
    const listId = z.next();
    shared.emptyItems = z.next();
    out.push(`<SecondaryTargetLocationdIds z:Id="${listId}"><a:_items z:Id="${shared.emptyItems}" z:Size="0"/><a:_size>0</a:_size><a:_version>0</a:_version></SecondaryTargetLocationdIds>`);
  } else {
    out.push(`<SecondaryTargetLocationdIds z:Id="${z.next()}"><a:_items z:Ref="${shared.emptyItems}" i:nil="true"/><a:_size>0</a:_size><a:_version>0</a:_version></SecondaryTargetLocationdIds>`);
  }
  out.push(`<Selected>${hole.selected}</Selected><Shear>0</Shear><SmartIceThicknessResult i:nil="true"/>`);
  out.push(stageXml("StagePosition", "c", hole.stage));
  out.push(`<State>${state}</State></b:value></b:KeyValuePairOfintTargetLocationXmlBpEWF4JT>`);
  return out.join("");
}

/** Render Metadata/GridSquare_<id>.dm at the given point of the square's acquisition. */
export function gridSquareMetadataXml(plan: SessionPlan, tb: TimeBase, sq: SquarePlan, progress: SquareProgress): string {
  const z = new ZIds();
  const root = z.next();
  const state = progress.final ? "Completed" : progress.completed > 0 ? "InProgress" : "Selected";
  const imagePath = windowsPath(plan, plan.sessionDirName, "Images-Disc1", `GridSquare_${sq.atlas.id}`, `${sq.image.base}.jpg`);
  const head =
    `<GridSquareXml z:Id="${root}" z:Type="Applications.Epu.Persistence.GridSquareXml" z:Assembly="${EPU_ASM}" xmlns="http://schemas.datacontract.org/2004/07/Applications.Epu.Persistence" xmlns:i="${NS.i}" xmlns:z="${NS.z}">` +
    idEl(sq.atlas.id) +
    `<AtlasNodeId>${sq.atlas.id}</AtlasNodeId><AutoEucentricPerformed>true</AutoEucentricPerformed><BalancedRank i:nil="true"/><BeamCurrent i:nil="true"/><CategoryName i:nil="true"/><CategoryNumber i:nil="true"/>` +
    `<GridSquareImagePath z:Id="${z.next()}">${imagePath}</GridSquareImagePath>` +
    shape(z, plan, sq) +
    `<HolePositionCorrection i:nil="true"/><HoleSpacing>${d(plan.holeSpacingM)}</HoleSpacing>` +
    imageRef(z, "Image", "a", sq.image.base) +
    `<ImageFolderName z:Id="${z.next()}">Images-Disc1</ImageFolderName><IsRecommendedSelection i:nil="true"/><IsSmartFindHolesDecisionKnown>false</IsSmartFindHolesDecisionKnown><IsSmartHoleDecisionKnown>false</IsSmartHoleDecisionKnown><IsSmartIceThicknessDecisionKnown>false</IsSmartIceThicknessDecisionKnown>` +
    `<Order>${sq.index}</Order>` +
    stageXml("Position", "a", sq.stage) +
    `<RankInsideCategory i:nil="true"/><Rotation>${d(sq.rotation)}</Rotation><Selected>true</Selected><StartDateTime>${tb.dateTime(sq.startAt)}</StartDateTime><State>${state}</State>`;
  const shared: Shared = {};
  const collection = z.next();
  const efficient = z.next();
  const comparer = z.next();
  const array = z.next();
  const locations = sq.holes.map((h) => targetLocation(z, plan, sq, h, progress, shared)).join("");
  const targets =
    `<TargetLocations z:Id="${collection}" z:Type="Applications.Epu.Persistence.FoilHoleCollectionXml" z:Assembly="${EPU_ASM}">${idEl(plan.ids["collectionBaseId"]!)}<GridSquareId>${sq.atlas.id}</GridSquareId><TargetLocations i:nil="true" xmlns:a="${NS.arrays}"/>` +
    `<TargetLocationsEfficient z:Id="${efficient}" xmlns:a="${NS.arrays}"><a:m_comparer z:Id="${comparer}" z:Type="${INT32_COMPARER}" z:Assembly="0"/><a:m_keyRehashCount>0</a:m_keyRehashCount>` +
    `<a:m_serializationArray z:Id="${array}" z:Size="${sq.holes.length}" xmlns:b="${NS.generic}">${locations}</a:m_serializationArray><a:m_serializationCapacity>1117</a:m_serializationCapacity><a:m_serializationConcurrencyLevel>12</a:m_serializationConcurrencyLevel></TargetLocationsEfficient></TargetLocations>`;
  return `${head}${targets}<Unusable>false</Unusable></GridSquareXml>\n`;
}
