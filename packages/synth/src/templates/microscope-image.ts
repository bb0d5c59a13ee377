/**
 * The MicroscopeImage XML EPU writes beside every grid-square, foil-hole and
 * exposure image (~16 KB, indented, DataContract namespaces, CustomData and
 * CameraSpecificInput as KeyValueOfstringanyType dictionaries).
 */
import { netDouble as d } from "../format.js";
import { acquisition, ARRAYS, customData, optics, scaled, unit } from "./microscope-image-parts.js";
import type { Stage } from "../plan-types.js";

/** Everything that differs between two MicroscopeImage files. */
export interface MicroscopeImageValues {
  uniqueId: string;
  guid: string;
  acquiredAt: string;
  pixelSizeM: number;
  magnification: number;
  lensMode: "LM" | "HM";
  probeMode: "MicroProbe" | "NanoProbe";
  objectiveAperture: string;
  appliedDefocusM: number;
  opticsDefocusM: number;
  focus: number;
  doseM2: number;
  doseRate: number;
  doseOnCamera: number;
  exposureTimeS: number;
  superResolution: number;
  frames: number | undefined;
  slitInserted: boolean;
  beamDiameterM: number;
  beamShift: readonly [number, number];
  beamTilt: readonly [number, number];
  imageShift: readonly [number, number];
  stage: Stage;
  /** FindFoilHoleCenterResults of a foil-hole image. */
  found?: { x: number; y: number; w: number; h: number; quality: number; rotation: number };
}

/** Render one MicroscopeImage document. The pixel→stage transform is the image's: x right, y up, no rotation. */
export function microscopeImageXml(v: MicroscopeImageValues): string {
  const ps = v.pixelSizeM;
  return `<MicroscopeImage xmlns="http://schemas.datacontract.org/2004/07/Fei.SharedObjects"
                 xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
    <name>Empty</name>
    <uniqueID>${v.uniqueId}</uniqueID>
    <CustomData xmlns:a="${ARRAYS}">
${customData(v)}    </CustomData>
    <IntensityScale i:nil="true"/>
    <ReferenceTransformation>
        <matrix xmlns:a="http://schemas.datacontract.org/2004/07/System.Windows.Media">
            <a:_m11>${d(ps)}</a:_m11>
            <a:_m12>0</a:_m12>
            <a:_m21>0</a:_m21>
            <a:_m22>${d(-ps)}</a:_m22>
            <a:_offsetX>0</a:_offsetX>
            <a:_offsetY>0</a:_offsetY>
            <a:_padding>0</a:_padding>
            <a:_type>TRANSFORM_IS_UNKNOWN</a:_type>
        </matrix>
${unit("        ")}    </ReferenceTransformation>
    <SpatialScale>
        <offset>
${scaled("x", 0)}${scaled("y", 0)}        </offset>
        <pixelSize>
${scaled("x", ps)}${scaled("y", ps)}        </pixelSize>
    </SpatialScale>
    <microscopeData>
${acquisition(v)}        <core>
            <ApplicationSoftware>EPU</ApplicationSoftware>
            <ApplicationSoftwareVersion>3.9.1.8206</ApplicationSoftwareVersion>
            <Guid>${v.guid}</Guid>
        </core>
        <gun>
            <AccelerationVoltage>300000</AccelerationVoltage>
            <ExtractorVoltage>4250</ExtractorVoltage>
            <Filament i:nil="true"/>
            <GunLens>4</GunLens>
            <Sourcetype>FieldEmission</Sourcetype>
            <WehneltBias i:nil="true"/>
        </gun>
        <instrument>
            <AcquisitionSoftware i:nil="true"/>
            <AcquisitionSoftwareVersion i:nil="true"/>
            <ComputerName>TITAN52336320</ComputerName>
            <InstrumentID>3632</InstrumentID>
            <InstrumentModel>TITAN52336320</InstrumentModel>
        </instrument>
${optics(v)}        <sample>
            <Description i:nil="true"/>
            <ID i:nil="true"/>
        </sample>
        <stage>
            <Holder>Unspecified</Holder>
            <Position>
                <A>${d(v.stage.a)}</A>
                <B>${d(v.stage.b)}</B>
                <X>${d(v.stage.x)}</X>
                <Y>${d(v.stage.y)}</Y>
                <Z>${d(v.stage.z)}</Z>
            </Position>
            <SampleLoader>None</SampleLoader>
        </stage>
        <vacuum>
            <ProjectionChamberPressure>0</ProjectionChamberPressure>
            <SamplePressure>0</SamplePressure>
            <VacuumMode>Ready</VacuumMode>
        </vacuum>
    </microscopeData>
</MicroscopeImage>`;
}
