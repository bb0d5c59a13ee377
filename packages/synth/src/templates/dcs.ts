/**
 * Building blocks of WCF DataContract XML as EPU writes its .dm files: one
 * line, `z:Id` numbering per document, `z:Ref` back-references, and the
 * microscope-settings blocks shared by EpuSession.dm and Atlas.dm.
 */
import { netDouble as d } from "../format.js";
import type { Stage } from "../plan-types.js";

export const NS = {
  i: "http://www.w3.org/2001/XMLSchema-instance",
  z: "http://schemas.microsoft.com/2003/10/Serialization/",
  arrays: "http://schemas.microsoft.com/2003/10/Serialization/Arrays",
  generic: "http://schemas.datacontract.org/2004/07/System.Collections.Generic",
  types: "http://schemas.datacontract.org/2004/07/Fei.Applications.Common.Types",
  shared: "http://schemas.datacontract.org/2004/07/Fei.SharedObjects",
  drawing: "http://schemas.datacontract.org/2004/07/System.Drawing",
  feiTypes: "http://schemas.datacontract.org/2004/07/Fei.Types",
  system: "http://schemas.datacontract.org/2004/07/System",
  media: "http://schemas.datacontract.org/2004/07/System.Windows.Media",
  commonTypes: "http://schemas.datacontract.org/2004/07/Fei.Common.Types",
} as const;

export const MSCORLIB = "mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089";
export const INT32_COMPARER = `System.Collections.Generic.GenericEqualityComparer\`1[[System.Int32, ${MSCORLIB}]]`;

/** Sequential `z:Id` values of one document ("1" is the root). */
export class ZIds {
  private n = 0;
  next(): string {
    this.n += 1;
    return String(this.n);
  }
}

/** An element holding an EPU id in the common-types namespace. */
export const idEl = (id: string): string => `<Id xmlns="${NS.types}">${id}</Id>`;

/** A stage position block (A, B, X, Y, Z) with prefix `p` bound to Fei.SharedObjects. */
export function stageXml(tag: string, p: string, s: Stage, declare = true): string {
  const ns = declare ? ` xmlns:${p}="${NS.shared}"` : "";
  return `<${tag}${ns}><${p}:A>${d(s.a)}</${p}:A><${p}:B>${d(s.b)}</${p}:B><${p}:X>${d(s.x)}</${p}:X><${p}:Y>${d(s.y)}</${p}:Y><${p}:Z>${d(s.z)}</${p}:Z></${tag}>`;
}

/** A System.Drawing pair such as `<Center><x>..</x><y>..</y></Center>` with prefix `p`. */
export function drawingXml(tag: string, p: string, fields: ReadonlyArray<readonly [string, string]>): string {
  return `<${tag} xmlns:${p}="${NS.drawing}">${fields.map(([k, v]) => `<${p}:${k}>${v}</${p}:${k}>`).join("")}</${tag}>`;
}

export interface PresetValues {
  acquiredAt: string;
  exposureTimeS: number;
  superResolution: number;
  magnification: number;
  lensMode: "LM" | "HM";
  probeMode: "MicroProbe" | "NanoProbe";
  defocusM: number;
  beamDiameterM: number;
  spot: number;
}

function cameraInputDict(z: ZIds, p: string, v: PresetValues): string {
  const entry = (key: string, type: string, value: string): string =>
    `<KeyValuePairOfstringanyType xmlns="${NS.generic}"><key z:Id="${z.next()}">${key}</key><value z:Id="${z.next()}" z:Type="${type}" z:Assembly="0">${value}</value></KeyValuePairOfstringanyType>`;
  const dict = `System.Collections.Generic.Dictionary\`2[[System.String, ${MSCORLIB}],[System.Object, ${MSCORLIB}]]`;
  const pairType = `System.Collections.Generic.KeyValuePair\`2[[System.String, ${MSCORLIB}],[System.Object, ${MSCORLIB}]][]`;
  return (
    `<${p}:CameraSpecificInput z:Id="${z.next()}" z:Type="${dict}" z:Assembly="0">` +
    `<Version z:Id="${z.next()}" z:Type="System.Int32" z:Assembly="0" xmlns="">8</Version>` +
    `<Comparer z:Id="${z.next()}" z:Type="System.Collections.Generic.GenericEqualityComparer\`1[[System.String, ${MSCORLIB}]]" z:Assembly="0" xmlns=""/>` +
    `<HashSize z:Id="${z.next()}" z:Type="System.Int32" z:Assembly="0" xmlns="">17</HashSize>` +
    `<KeyValuePairs z:Id="${z.next()}" z:Type="${pairType}" z:Assembly="0" z:Size="5" xmlns="">` +
    entry("AlignIntegratedImageEnabled", "System.Boolean", "false") +
    entry("SuperResolutionFactor", "System.Int64", String(v.superResolution)) +
    `<KeyValuePairOfstringanyType xmlns="${NS.generic}"><key z:Id="${z.next()}">FractionationSettings</key><value i:nil="true"/></KeyValuePairOfstringanyType>` +
    entry("ElectronCountingEnabled", "System.Boolean", "true") +
    entry("FixedReadoutArea", "System.String", "Full") +
    `</KeyValuePairs></${p}:CameraSpecificInput>`
  );
}

/** A microscope-settings `Acquisition` block (camera, plate camera, scan settings) with prefix `p` = Fei.SharedObjects. */
export function acquisitionXml(z: ZIds, tag: string, p: string, v: PresetValues): string {
  const q = String.fromCharCode(p.charCodeAt(0) + 1);
  return (
    `<${tag} z:Id="${z.next()}" xmlns:${p}="${NS.shared}">` +
    `<${p}:acquisitionDateTime>${v.acquiredAt}</${p}:acquisitionDateTime>` +
    `<${p}:analyticalDetectors z:Id="${z.next()}"><${p}:_items z:Id="${z.next()}" z:Size="0"/><${p}:_size>0</${p}:_size><${p}:_version>0</${p}:_version></${p}:analyticalDetectors>` +
    `<${p}:camera z:Id="${z.next()}">` +
    drawingXml(`${p}:Binning`, q, [["x", "2"], ["y", "2"]]) +
    `<${p}:CameraLocation>EnergyFilter</${p}:CameraLocation>` +
    cameraInputDict(z, p, v) +
    `<${p}:DarkGainCorrection>None</${p}:DarkGainCorrection><${p}:ExposureTime>${d(v.exposureTimeS)}</${p}:ExposureTime><${p}:FixedReadoutArea>Full</${p}:FixedReadoutArea><${p}:Inserted>false</${p}:Inserted>` +
    `<${p}:Name z:Id="${z.next()}">EF-CCD</${p}:Name><${p}:PreExposurePauseTime>0</${p}:PreExposurePauseTime><${p}:PreExposureSupported>false</${p}:PreExposureSupported><${p}:PreExposureTime>0</${p}:PreExposureTime>` +
    drawingXml(`${p}:ReadoutArea`, q, [["height", "2046"], ["width", "2880"], ["x", "0"], ["y", "0"]]) +
    `<${p}:Shutter>PreSpecimen</${p}:Shutter></${p}:camera>` +
    `<${p}:plateCamera z:Id="${z.next()}"><${p}:ExposureTime>0</${p}:ExposureTime><${p}:Use>false</${p}:Use></${p}:plateCamera>` +
    `<${p}:scanSettings z:Id="${z.next()}"><${p}:DwellTime>0</${p}:DwellTime><${p}:ReducedArea i:nil="true" xmlns:${q}="${NS.drawing}"/>` +
    drawingXml(`${p}:Resolution`, q, [["height", "0"], ["width", "0"]]) +
    drawingXml(`${p}:ScanArea`, q, [["height", "0"], ["width", "0"], ["x", "0"], ["y", "0"]]) +
    `<${p}:ScanRotation>0</${p}:ScanRotation></${p}:scanSettings>` +
    `<${p}:scanningDetector z:Id="${z.next()}"><${p}:DetectorType>SecondaryElectrons</${p}:DetectorType><${p}:Gain i:nil="true"/><${p}:Inserted>false</${p}:Inserted><${p}:Name i:nil="true"/><${p}:Offset i:nil="true"/></${p}:scanningDetector>` +
    `</${tag}>`
  );
}

/** A microscope-settings `Optics` block with prefix `p` = Fei.SharedObjects. */
export function opticsXml(z: ZIds, tag: string, p: string, v: PresetValues, extraAttrs = ""): string {
  const q = String.fromCharCode(p.charCodeAt(0) + 1);
  const pair = (name: string, x = "0", y = "0"): string => `<${p}:${name} xmlns:${q}="${NS.feiTypes}"><${q}:_x>${x}</${q}:_x><${q}:_y>${y}</${q}:_y></${p}:${name}>`;
  return (
    `<${tag} z:Id="${z.next()}"${extraAttrs} xmlns:${p}="${NS.shared}">` +
    `<${p}:Apertures z:Id="${z.next()}"><${p}:C2Aperture z:Id="${z.next()}"><${p}:Diameter>50</${p}:Diameter></${p}:C2Aperture><${p}:C3Aperture i:nil="true"/><${p}:SaAperture i:nil="true"/></${p}:Apertures>` +
    `<${p}:BeamConvergence i:nil="true"/><${p}:BeamDiameter>${d(v.beamDiameterM)}</${p}:BeamDiameter>` +
    pair("BeamShift") +
    pair("BeamTilt") +
    `<${p}:Cameralength>0</${p}:Cameralength><${p}:ColumnOperatingMode>TEM</${p}:ColumnOperatingMode><${p}:ColumnOperatingTemSubMode>BrightField</${p}:ColumnOperatingTemSubMode>` +
    pair("CondenserStigmator") +
    `<${p}:Defocus>${d(v.defocusM)}</${p}:Defocus><${p}:DiffractionFocus>0</${p}:DiffractionFocus>` +
    pair("DiffractionShift") +
    pair("DiffractionStigmator") +
    `<${p}:EFTEMOn>true</${p}:EFTEMOn><${p}:EnergyFilter z:Id="${z.next()}"><${p}:AccelerationVoltageOffset i:nil="true"/><${p}:DriftTubeVoltage>0</${p}:DriftTubeVoltage><${p}:EnergySelectionSlitInserted>${v.magnification > 50000}</${p}:EnergySelectionSlitInserted><${p}:EnergySelectionSlitWidth>20</${p}:EnergySelectionSlitWidth><${p}:EnergyShift>0</${p}:EnergyShift><${p}:EntranceApertureDiameter i:nil="true"/><${p}:EntranceApertureType i:nil="true"/></${p}:EnergyFilter>` +
    `<${p}:Focus>0</${p}:Focus><${p}:GunStigmator i:nil="true" xmlns:${q}="${NS.feiTypes}"/><${p}:IlluminationMode i:nil="true"/><${p}:IlluminationProbeSubMode i:nil="true"/>` +
    pair("ImageShift") +
    `<${p}:Intensity>0</${p}:Intensity><${p}:ObjectiveLensMode>${v.lensMode}</${p}:ObjectiveLensMode>` +
    pair("ObjectiveStigmator") +
    `<${p}:ProbeMode>${v.probeMode}</${p}:ProbeMode><${p}:ProjectorMode>Imaging</${p}:ProjectorMode><${p}:SpotIndex>${v.spot}</${p}:SpotIndex><${p}:StemDefocus>0</${p}:StemDefocus><${p}:StemFieldOfView i:nil="true"/><${p}:StemMagnification i:nil="true"/>` +
    `<${p}:TemMagnification><${p}:NominalMagnification>${v.magnification}</${p}:NominalMagnification></${p}:TemMagnification><${p}:XLModeOn>false</${p}:XLModeOn>` +
    `</${tag}>`
  );
}
