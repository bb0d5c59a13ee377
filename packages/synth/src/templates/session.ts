/**
 * EpuSession.dm: the session, its one grid (SampleXml) with the atlas path,
 * hole settings, every square EPU knows from the atlas, the microscope
 * presets and the target-area template (the data-acquisition areas).
 */
import { netDouble as d, netFloat as f, type TimeBase } from "../format.js";
import { windowsPath } from "../plan.js";
import type { SessionPlan } from "../plan-types.js";
import { acquisitionXml, drawingXml, idEl, INT32_COMPARER, NS, opticsXml, ZIds, type PresetValues } from "./dcs.js";

const EPU_ASM = "Applications.Epu.Persistence, Version=3.9.1.8206, Culture=neutral, PublicKeyToken=null";
const DM = "Applications.Epu.Datamodel, Version=3.9.1.8206, Culture=neutral, PublicKeyToken=null";
const SERVICES = "Fei.Applications.Common.Services, Version=5.32.0.6942, Culture=neutral, PublicKeyToken=null";

/** Relative path of an atlas file under the visit, shared by the writer and the session's AtlasId. */
export function atlasRelPath(plan: SessionPlan): string[] {
  return ["atlas", plan.atlas.dirName, `Sample${plan.atlas.slot}`, "Atlas", "Atlas.dm"];
}

function presets(z: ZIds, plan: SessionPlan, tb: TimeBase): string {
  const list: Array<[string, PresetValues]> = [
    ["Atlas", { acquiredAt: tb.dateTime(plan.atlas.startedAt), exposureTimeS: 1, superResolution: 1, magnification: 135, lensMode: "LM", probeMode: "MicroProbe", defocusM: -2e-4, beamDiameterM: 0.0010897734452567916, spot: 8 }],
    ["GridSquare", { acquiredAt: tb.dateTime(plan.atlas.startedAt + 1), exposureTimeS: 1, superResolution: 1, magnification: 470, lensMode: "LM", probeMode: "MicroProbe", defocusM: -5e-5, beamDiameterM: 0.00028714285714285712, spot: 8 }],
    ["Hole", { acquiredAt: tb.dateTime(plan.atlas.startedAt + 2), exposureTimeS: 1, superResolution: 1, magnification: 11500, lensMode: "HM", probeMode: "NanoProbe", defocusM: -2e-5, beamDiameterM: 9e-6, spot: 5 }],
    ["Data", { acquiredAt: tb.dateTime(plan.atlas.startedAt + 3), exposureTimeS: 0.89, superResolution: 2, magnification: 165000, lensMode: "HM", probeMode: "NanoProbe", defocusM: -1.5e-6, beamDiameterM: 8.3e-7, spot: 5 }],
  ];
  const dict = `System.Collections.Generic.Dictionary\`2[[Applications.Epu.Datamodel.ExperimentSettingsId, ${DM}],[Fei.Applications.Common.Services.MicroscopeSettings, ${SERVICES}]]`;
  const pairs = `System.Collections.Generic.KeyValuePair\`2[[Applications.Epu.Datamodel.ExperimentSettingsId, ${DM}],[Fei.Applications.Common.Services.MicroscopeSettings, ${SERVICES}]][]`;
  const settingsId = z.next();
  const versionId = z.next();
  const comparerId = z.next();
  const hashId = z.next();
  const pairsId = z.next();
  const entries = list
    .map(
      ([key, v]) =>
        `<KeyValuePairOfExperimentSettingsIdMicroscopeSettingsCG2rZ1D8 xmlns="${NS.generic}"><key>${key}</key>` +
        `<value z:Id="${z.next()}" xmlns:b="http://schemas.datacontract.org/2004/07/Fei.Applications.Common.Services">` +
        acquisitionXml(z, "b:Acquisition", "c", v) +
        `<b:DirectCalibrations z:Id="${z.next()}">${drawingXml("b:CryoBoxImageBeamShift", "c", [["x", "0"], ["y", "0"]])}<b:I0 z:Id="${z.next()}"><b:MeasurementDiameter>0</b:MeasurementDiameter><b:MeasurementPosition i:nil="true" xmlns:c="${NS.shared}"/><b:MeasurementTime>0001-01-01T00:00:00</b:MeasurementTime><b:Value>0</b:Value></b:I0>${drawingXml("b:ImageShift", "c", [["height", "0"], ["width", "0"]])}</b:DirectCalibrations>` +
        `<b:DisplayName z:Id="${z.next()}">${key}</b:DisplayName>` +
        opticsXml(z, "b:Optics", "c", v) +
        `<b:Options z:Id="${z.next()}"><b:DdCameraOption>CameraSpecificParametersAllowed</b:DdCameraOption><b:IsAcquisitionModifiable>true</b:IsAcquisitionModifiable><b:IsC2Modifiable>true</b:IsC2Modifiable><b:IsDefocusAllowed>true</b:IsDefocusAllowed><b:IsI0MeasurementAllowed>false</b:IsI0MeasurementAllowed><b:IsOpticsLinked>false</b:IsOpticsLinked><b:IsOpticsModifiable>true</b:IsOpticsModifiable><b:OpticalModeFilter>${v.lensMode}</b:OpticalModeFilter></b:Options>` +
        `</value></KeyValuePairOfExperimentSettingsIdMicroscopeSettingsCG2rZ1D8>`,
    )
    .join("");
  return (
    `<MicroscopeSettings z:Id="${settingsId}" z:Type="${dict}" z:Assembly="0" xmlns:a="${NS.arrays}">` +
    `<Version z:Id="${versionId}" z:Type="System.Int32" z:Assembly="0" xmlns="">${list.length * 4}</Version>` +
    `<Comparer z:Id="${comparerId}" z:Type="System.Collections.Generic.EnumEqualityComparer\`1[[Applications.Epu.Datamodel.ExperimentSettingsId, ${DM}]]" z:Assembly="0" xmlns=""/>` +
    `<HashSize z:Id="${hashId}" z:Type="System.Int32" z:Assembly="0" xmlns="">17</HashSize>` +
    `<KeyValuePairs z:Id="${pairsId}" z:Type="${pairs}" z:Assembly="0" z:Size="${list.length}" xmlns="">${entries}</KeyValuePairs></MicroscopeSettings>`
  );
}

function targetAreaTemplate(z: ZIds, plan: SessionPlan, comparerRef: string): string {
  const ps = plan.pixelSizes.foilHole;
  const templateId = z.next();
  const focusIds = [z.next(), z.next(), z.next()] as const;
  const areasId = z.next();
  const arrayId = z.next();
  let defocusRef: string | undefined;
  const areas = plan.areas
    .map((a) => {
      const valueId = z.next();
      const settingZ = z.next();
      let defocus: string;
      if (defocusRef === undefined) {
        defocusRef = z.next();
        defocus = `<Defocus z:Id="${defocusRef}" z:Type="System.Double[]" z:Assembly="0" z:Size="${plan.defocusListM.length}">${plan.defocusListM.map((v) => `<a:double>${d(v)}</a:double>`).join("")}</Defocus>`;
      } else defocus = `<Defocus z:Ref="${defocusRef}" i:nil="true"/>`;
      return (
        `<b:KeyValuePairOfintDataAcquisitionAreaXmlBpEWF4JT><b:key>${a.id}</b:key><b:value z:Id="${valueId}">${idEl(a.id)}` +
        `<ImageAcquisitionSettingXml z:Id="${settingZ}">${idEl(a.settingId)}${defocus}<ExposureTime>0.89</ExposureTime></ImageAcquisitionSettingXml>` +
        drawingXml("ShiftInPixels", "c", [["height", f(a.shiftY)], ["width", f(a.shiftX)]]) +
        `</b:value></b:KeyValuePairOfintDataAcquisitionAreaXmlBpEWF4JT>`
      );
    })
    .join("");
  return (
    `<TargetAreaTemplate z:Id="${templateId}">${idEl(plan.ids["templateId"]!)}` +
    `<AutoFocusArea z:Id="${focusIds[0]}">${idEl(plan.ids["autoFocusId"]!)}<FocusWith z:Id="${focusIds[1]}">ObjectiveLens</FocusWith><Recurrence z:Id="${focusIds[2]}">AfterCentering</Recurrence><RecurrenceDistance>8E-06</RecurrenceDistance>${drawingXml("ShiftInPixels", "a", [["height", "-1179.261"], ["width", "35.6893578"]])}<UseAutoStigmate>false</UseAutoStigmate></AutoFocusArea>` +
    `<AutoplaceAutofocus>false</AutoplaceAutofocus>` +
    `<DataAcquisitionAreas z:Id="${areasId}" xmlns:a="${NS.arrays}"><a:m_comparer z:Ref="${comparerRef}" i:nil="true"/><a:m_keyRehashCount>0</a:m_keyRehashCount>` +
    `<a:m_serializationArray z:Id="${arrayId}" z:Size="${plan.areas.length}" xmlns:b="${NS.generic}">${areas}</a:m_serializationArray><a:m_serializationCapacity>31</a:m_serializationCapacity><a:m_serializationConcurrencyLevel>12</a:m_serializationConcurrencyLevel></DataAcquisitionAreas>` +
    `<DelayAfterImageShift>0.5</DelayAfterImageShift><DelayAfterStageShift>5</DelayAfterStageShift><DriftStabilizationArea i:nil="true"/><MaximumImageShift>5E-06</MaximumImageShift>` +
    `<PhysicalTransformation xmlns:a="${NS.shared}"><a:matrix xmlns:b="${NS.media}"><b:_m11>${d(ps)}</b:_m11><b:_m12>0</b:_m12><b:_m21>0</b:_m21><b:_m22>${d(-ps)}</b:_m22><b:_offsetX>0</b:_offsetX><b:_offsetY>0</b:_offsetY><b:_padding>0</b:_padding><b:_type>TRANSFORM_IS_UNKNOWN</b:_type></a:matrix>` +
    `<a:unit xmlns:b="${NS.commonTypes}"><b:_x003C_PrefixExponent_x003E_k__BackingField>1</b:_x003C_PrefixExponent_x003E_k__BackingField><b:_x003C_Symbol_x003E_k__BackingField z:Id="${z.next()}">m</b:_x003C_Symbol_x003E_k__BackingField></a:unit></PhysicalTransformation>` +
    drawingXml("TemplateImagePixelSize", "a", [["height", f(ps)], ["width", f(ps)]]) +
    `</TargetAreaTemplate>`
  );
}

function gridSquares(z: ZIds, plan: SessionPlan): { xml: string; comparerId: string } {
  const squaresId = z.next();
  const comparerId = z.next();
  const arrayId = z.next();
  const entries = plan.atlas.squares
    .map(
      (s) =>
        `<b:KeyValuePairOfintSerializedReferenceOfGridSquareXml_PsqDC3X0m6koiAE_P><b:key>${s.id}</b:key><b:value z:Id="${z.next()}" xmlns:c="${NS.types}"><c:FileName z:Id="${z.next()}">Metadata\\GridSquare_${s.id}.dm</c:FileName></b:value></b:KeyValuePairOfintSerializedReferenceOfGridSquareXml_PsqDC3X0m6koiAE_P>`,
    )
    .join("");
  return {
    comparerId,
    xml:
      `<GridSquares z:Id="${squaresId}" xmlns:a="${NS.arrays}"><a:m_comparer z:Id="${comparerId}" z:Type="${INT32_COMPARER}" z:Assembly="0"/><a:m_keyRehashCount>0</a:m_keyRehashCount>` +
      `<a:m_serializationArray z:Id="${arrayId}" z:Size="${plan.atlas.squares.length}" xmlns:b="${NS.generic}">${entries}</a:m_serializationArray>` +
      `<a:m_serializationCapacity>1117</a:m_serializationCapacity><a:m_serializationConcurrencyLevel>384</a:m_serializationConcurrencyLevel></GridSquares>`,
  };
}

function filterSettings(z: ZIds, tag: string, id: string, min: number, max: number, holes?: SessionPlan): string {
  const extra = holes === undefined ? "" : `<HoleSize>${d(holes.holeSizeM)}</HoleSize><HoleSpacing>${d(holes.holeSpacingM)}</HoleSpacing><Rotation>${d(holes.atlas.rotation + Math.PI)}</Rotation>`;
  return `<${tag} z:Id="${z.next()}">${idEl(id)}<I0>0</I0><IsCalibrated>false</IsCalibrated><MaximumIntensity>${d(max)}</MaximumIntensity><MinimumIntensity>${d(min)}</MinimumIntensity><ReferenceBeamCurrent i:nil="true"/><SmartIceThicknessMaximumIntensity>0</SmartIceThicknessMaximumIntensity><SmartIceThicknessMinimumIntensity>0</SmartIceThicknessMinimumIntensity>${extra}</${tag}>`;
}

function emptyList(z: ZIds, p: string, type: string): string {
  return `<${p}:items z:Id="${z.next()}" z:Type="System.Collections.Generic.List\`1[[${type}]]" z:Assembly="0"><${p}:_items z:Id="${z.next()}" z:Size="0"/><${p}:_size>0</${p}:_size><${p}:_version>0</${p}:_version></${p}:items>`;
}

function sample(z: ZIds, plan: SessionPlan, tb: TimeBase, ended: boolean): string {
  const smart = "http://schemas.datacontract.org/2004/07/Applications.Epu.Persistence.SmartEpu";
  const open = `<SampleXml z:Id="${z.next()}">${idEl(plan.gridId)}<AlignmentTimeStamp>${tb.dateTime(plan.atlas.acquiredAt + 4_000_000, "z")}</AlignmentTimeStamp><AllowDarkFoilHolesOnGridSquareMagnification>false</AllowDarkFoilHolesOnGridSquareMagnification>`;
  const atlas = `<AtlasId z:Id="${z.next()}">${windowsPath(plan, ...atlasRelPath(plan))}</AtlasId>`;
  const end = ended ? `<EndDateTime>${tb.dateTime(plan.endAt)}</EndDateTime>` : `<EndDateTime i:nil="true"/>`;
  const filters =
    filterSettings(z, "FilterGridSquaresSettings", plan.ids["filterSquaresId"]!, 0, 65535) +
    filterSettings(z, "FilterHolesSettings", plan.ids["filterHolesId"]!, 509.27910052910045, 726.83068783068768, plan);
  const squares = gridSquares(z, plan);
  const settings = presets(z, plan, tb);
  const selector =
    `<SmartGridSquareSelector z:Id="${z.next()}" z:Type="Applications.Epu.Persistence.SmartEpu.SmartGridSquareSelectorXml" z:Assembly="${EPU_ASM}">${idEl(plan.ids["squareSelectorId"]!)}` +
    `<CategoryItems z:Id="${z.next()}" xmlns="${smart}" xmlns:a="${NS.arrays}">${emptyList(z, "a", `Applications.Epu.Datamodel.SmartEpu.ISmartGridSquareCategoryItem, ${DM}`)}</CategoryItems>` +
    `<ManuallySelectedGridSquareIds z:Id="${z.next()}" xmlns="${smart}" xmlns:a="${NS.arrays}">${emptyList(z, "a", `System.Int32, mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089`)}</ManuallySelectedGridSquareIds>` +
    `<Option xmlns="${smart}">NumberOfGridSquares</Option><SelectedNumberOfSquares xmlns="${smart}">0</SelectedNumberOfSquares></SmartGridSquareSelector>` +
    `<SmartIceThicknessSelector z:Id="${z.next()}" z:Type="Applications.Epu.Persistence.SmartEpu.SmartIceThicknessSelectorXml" z:Assembly="${EPU_ASM}">${idEl(plan.ids["iceSelectorId"]!)}` +
    `<RangeGroups z:Id="${z.next()}" z:Type="System.Collections.ObjectModel.Collection\`1[[Applications.Epu.Datamodel.SmartEpu.ISmartIceThicknessRangeGroupItem, ${DM}]]" z:Assembly="0" xmlns="SmartIceThicknessSelectorXml" xmlns:a="${NS.arrays}">${emptyList(z, "a", `Applications.Epu.Datamodel.SmartEpu.ISmartIceThicknessRangeGroupItem, ${DM}`)}</RangeGroups>` +
    `<UseAbsoluteMaxValue xmlns="SmartIceThicknessSelectorXml">false</UseAbsoluteMaxValue></SmartIceThicknessSelector>`;
  return (
    open +
    atlas +
    end +
    filters +
    `<GridGeometry>${plan.holeLattice === "hexagonal" ? "Hexagonal" : "Square"}</GridGeometry>` +
    squares.xml +
    `<GridType>HoleyCarbon</GridType><IsSmartGridSquareCategorizationApplied>false</IsSmartGridSquareCategorizationApplied>` +
    settings +
    selector +
    `<SpecimenCarrierKind i:nil="true"/><StartDateTime>${tb.dateTime(15_000)}</StartDateTime>` +
    targetAreaTemplate(z, plan, squares.comparerId) +
    `</SampleXml>`
  );
}

/** Render EpuSession.dm; `ended` sets the grid's EndDateTime (EPU's final rewrite). */
export function epuSessionXml(plan: SessionPlan, tb: TimeBase, ended: boolean): string {
  const z = new ZIds();
  const root = z.next();
  const empty = z.next();
  const dmp = z.next();
  const formatId = z.next();
  const nameId = z.next();
  const nil = (tag: string): string => `<${tag} z:Ref="${empty}" i:nil="true"/>`;
  const dmpFields = ["AcquisitionRunId", "DatasetId", "DatasetName", "ExperimentId", "ExperimentName", "ProjectId", "ProjectName", "WorkflowId", "WorkflowName", "WorkstepId", "WorkstepName"];
  const head =
    `<EpuSessionXml z:Id="${root}" z:Type="Applications.Epu.Persistence.EpuSessionXml" z:Assembly="${EPU_ASM}" xmlns="http://schemas.datacontract.org/2004/07/Applications.Epu.Persistence" xmlns:i="${NS.i}" xmlns:z="${NS.z}">` +
    idEl(plan.epuId) +
    `<AutoFocusEnabled>false</AutoFocusEnabled><AutoStageTimeEnabled>false</AutoStageTimeEnabled><AutoZeroLossEnabled>false</AutoZeroLossEnabled><AutoZeroLossPeriodicity>PT1H</AutoZeroLossPeriodicity>` +
    `<AutoloaderDescription z:Id="${empty}"/><AutoloaderSlot>${plan.atlas.slot}</AutoloaderSlot><ClusteringMode>ClusteringWithImageBeamShift</ClusteringMode><ClusteringRadius>1.2E-05</ClusteringRadius>` +
    `<DMPSession z:Id="${dmp}" z:Type="Applications.SciencesAppsShared.DMP.BusinessLogic.Persistence.DMPSessionXml" z:Assembly="Applications.SciencesAppsShared.DMP.BusinessLogic, Version=1.36.1.8206, Culture=neutral, PublicKeyToken=null">${dmpFields.map(nil).join("")}</DMPSession>`;
  const middle =
    `<DoseFractionsOutputFormat z:Id="${formatId}">Tiff Lzw Non-Gain normalized</DoseFractionsOutputFormat><EmailNotificationEnabled>false</EmailNotificationEnabled><EnableSmartHoleSelection>false</EnableSmartHoleSelection><IceThicknessEnabled>false</IceThicknessEnabled>` +
    `<ImageFileFormat>Jpeg</ImageFileFormat><IsManuallySelected>true</IsManuallySelected><IsSmartFilterGridSquareDecisionKnown>false</IsSmartFilterGridSquareDecisionKnown><MicroscopeName i:nil="true"/>` +
    `<Name z:Id="${nameId}">${plan.sessionDirName}</Name><NumberOfTargetLocationsToSelect i:nil="true"/><PhasePlateAccelerateEnabled>false</PhasePlateAccelerateEnabled><PhasePlateActivationTime>PT20S</PhasePlateActivationTime><PhasePlateEnabled>false</PhasePlateEnabled><PhasePlatePeriodicity>50</PhasePlatePeriodicity><RecipientsEmailList i:nil="true"/>` +
    // Holes near grid bars are acquired too in synthetic sessions, so the removal option is off.
    `<RemoveHolesCloseToGridBarOnAutomaticRun>false</RemoveHolesCloseToGridBarOnAutomaticRun>`;
  const samplesId = z.next();
  const itemsId = z.next();
  const samples = `<Samples z:Id="${samplesId}"><_items z:Id="${itemsId}" z:Size="4">${sample(z, plan, tb, ended)}<SampleXml i:nil="true"/><SampleXml i:nil="true"/><SampleXml i:nil="true"/></_items><_size>1</_size><_version>1</_version></Samples>`;
  const folders =
    `<StorageFolders z:Id="${z.next()}"><_items z:Id="${z.next()}" z:Size="4"><StorageFolderXml z:Id="${z.next()}">${idEl(plan.ids["storageFolderId"]!)}<DiscId>1</DiscId>` +
    `<Path z:Id="${z.next()}">${windowsPath(plan)}</Path><SessionName z:Ref="${nameId}" i:nil="true"/></StorageFolderXml><StorageFolderXml i:nil="true"/><StorageFolderXml i:nil="true"/><StorageFolderXml i:nil="true"/></_items><_size>1</_size><_version>1</_version></StorageFolders>`;
  const tail =
    `<SkipGridSquareEnabled>false</SkipGridSquareEnabled><SmartFoilHoleFindingEnabled>false</SmartFoilHoleFindingEnabled><SmartGridSquareEnabled>false</SmartGridSquareEnabled><StartDateTime>${tb.dateTime(0, "z")}</StartDateTime>` +
    folders +
    `<TiltAngle>0</TiltAngle><TiltedAcquisitionEnabled>false</TiltedAcquisitionEnabled><Version z:Id="${z.next()}" xmlns:a="${NS.system}"><a:_Build>0</a:_Build><a:_Major>3</a:_Major><a:_Minor>0</a:_Minor><a:_Revision>0</a:_Revision></Version></EpuSessionXml>`;
  return head + middle + samples + tail + "\n";
}
