/** Sections of the MicroscopeImage XML (CustomData, camera, optics), rendered with 4-space indents as EPU writes them. */
import { netDouble as d, netFloat as f } from "../format.js";
import type { MicroscopeImageValues } from "./microscope-image.js";

const XS = "http://www.w3.org/2001/XMLSchema";
export const ARRAYS = "http://schemas.microsoft.com/2003/10/Serialization/Arrays";
const DRAWING = "http://schemas.datacontract.org/2004/07/System.Drawing";
const FEI_TYPES = "http://schemas.datacontract.org/2004/07/Fei.Types";
export const COMMON_TYPES = "http://schemas.datacontract.org/2004/07/Fei.Common.Types";


function kv(indent: string, key: string, type: string, value: string): string {
  return `${indent}<a:KeyValueOfstringanyType>
${indent}    <a:Key>${key}</a:Key>
${indent}    <a:Value i:type="b:${type}" xmlns:b="${XS}">${value}</a:Value>
${indent}</a:KeyValueOfstringanyType>
`;
}

/** A Fei.Common.Types unit (metres) block. */
export const unit = (indent: string, prefix = "a"): string => `${indent}<unit xmlns:${prefix}="${COMMON_TYPES}">
${indent}    <${prefix}:_x003C_PrefixExponent_x003E_k__BackingField>1</${prefix}:_x003C_PrefixExponent_x003E_k__BackingField>
${indent}    <${prefix}:_x003C_Symbol_x003E_k__BackingField>m</${prefix}:_x003C_Symbol_x003E_k__BackingField>
${indent}</unit>
`;

/** A value with its unit, as in SpatialScale. */
export const scaled = (name: string, value: number): string => `            <${name}>
                <numericValue>${d(value)}</numericValue>
${unit("                ")}            </${name}>
`;

const pair = (name: string, v: readonly [number, number]): string => `            <${name} xmlns:a="${FEI_TYPES}">
                <a:_x>${d(v[0])}</a:_x>
                <a:_y>${d(v[1])}</a:_y>
            </${name}>
`;

function found(v: NonNullable<MicroscopeImageValues["found"]>): string {
  const i = "        ";
  return `${i}<a:KeyValueOfstringanyType>
${i}    <a:Key>FindFoilHoleCenterResults</a:Key>
${i}    <a:Value i:type="b:Shape2D" xmlns:b="${FEI_TYPES}">
${i}        <b:Center xmlns:c="${DRAWING}">
${i}            <c:x>${f(v.x)}</c:x>
${i}            <c:y>${f(v.y)}</c:y>
${i}        </b:Center>
${i}        <b:Quality>${d(v.quality)}</b:Quality>
${i}        <b:Rotation>${d(v.rotation)}</b:Rotation>
${i}        <b:Shear>0</b:Shear>
${i}        <b:Size xmlns:c="${DRAWING}">
${i}            <c:height>${f(v.h)}</c:height>
${i}            <c:width>${f(v.w)}</c:width>
${i}        </b:Size>
${i}    </a:Value>
${i}</a:KeyValueOfstringanyType>
`;
}

/** The CustomData dictionary: dose, apertures, detector, applied defocus, found hole. */
export function customData(v: MicroscopeImageValues): string {
  const i = "        ";
  return (
    kv(i, "DoseOnCamera", "double", d(v.doseOnCamera)) +
    kv(i, "Aperture[C1].Name", "string", "2000") +
    kv(i, "Aperture[C2].Name", "string", "50") +
    kv(i, "Aperture[C3].Name", "string", "None") +
    kv(i, "Aperture[OBJ].Name", "string", v.objectiveAperture) +
    kv(i, "Aperture[SA].Name", "string", "None") +
    kv(i, "StemMagnification", "boolean", "false") +
    kv(i, "Detectors[EF-CCD].CommercialName", "string", "BioQuantum K3") +
    kv(i, "Detectors[EF-CCD].ElectronCounted", "boolean", "true") +
    kv(i, "DoseRate", "double", d(v.doseRate)) +
    kv(i, "IlluminationIntensity", "double", "0") +
    kv(i, "Dose", "double", d(v.doseM2)) +
    kv(i, "PhasePlateUsed", "boolean", "false") +
    kv(i, "BinaryResult.Detector", "string", "EF-CCD") +
    kv(i, "DetectorCommercialName", "string", "BioQuantum K3") +
    (v.found === undefined ? "" : found(v.found)) +
    kv(i, "AppliedDefocus", "double", d(v.appliedDefocusM))
  );
}

function cameraInput(v: MicroscopeImageValues): string {
  const i = "                    ";
  const fractions =
    v.frames === undefined
      ? `${i}<a:KeyValueOfstringanyType>
${i}    <a:Key>FractionationSettings</a:Key>
${i}    <a:Value i:nil="true"/>
${i}</a:KeyValueOfstringanyType>
`
      : `${i}<a:KeyValueOfstringanyType>
${i}    <a:Key>FractionationSettings</a:Key>
${i}    <a:Value i:type="b:EquidistantFractionation"
${i}             xmlns:b="http://schemas.datacontract.org/2004/07/Fei.Applications.Common.Omp.Interface">
${i}        <b:NumberOffractions>${v.frames}</b:NumberOffractions>
${i}    </a:Value>
${i}</a:KeyValueOfstringanyType>
`;
  return (
    kv(i, "AlignIntegratedImageEnabled", "boolean", "false") +
    kv(i, "SuperResolutionFactor", "long", String(v.superResolution)) +
    fractions +
    kv(i, "ElectronCountingEnabled", "boolean", "true") +
    kv(i, "ApplyDefinedShutter", "boolean", "true") +
    kv(i, "CetaFramesSummed", "long", "1") +
    kv(i, "CetaNoiseReductionEnabled", "boolean", "false") +
    kv(i, "FixedReadoutArea", "string", "Full")
  );
}

const zero2 = (name: string, ns = FEI_TYPES): string => `            <${name} xmlns:a="${ns}">
                <a:_x>0</a:_x>
                <a:_y>0</a:_y>
            </${name}>
`;

/** microscopeData/acquisition: time and camera settings. */
export function acquisition(v: MicroscopeImageValues): string {
  return `        <acquisition>
            <acquisitionDateTime>${v.acquiredAt}</acquisitionDateTime>
            <analyticalDetectors/>
            <camera>
                <Binning xmlns:a="${DRAWING}">
                    <a:x>2</a:x>
                    <a:y>2</a:y>
                </Binning>
                <CameraLocation>EnergyFilter</CameraLocation>
                <CameraSpecificInput xmlns:a="${ARRAYS}">
${cameraInput(v)}                </CameraSpecificInput>
                <DarkGainCorrection>None</DarkGainCorrection>
                <ExposureTime>${d(v.exposureTimeS)}</ExposureTime>
                <FixedReadoutArea>Full</FixedReadoutArea>
                <Inserted>true</Inserted>
                <Name>EF-CCD</Name>
                <PreExposurePauseTime>0</PreExposurePauseTime>
                <PreExposureSupported>false</PreExposureSupported>
                <PreExposureTime>0</PreExposureTime>
                <ReadoutArea xmlns:a="${DRAWING}">
                    <a:height>2046</a:height>
                    <a:width>2880</a:width>
                    <a:x>0</a:x>
                    <a:y>0</a:y>
                </ReadoutArea>
                <Shutter>PreSpecimen</Shutter>
            </camera>
            <plateCamera>
                <ExposureTime>0</ExposureTime>
                <Use>false</Use>
            </plateCamera>
            <scanSettings>
                <DwellTime>0</DwellTime>
                <ReducedArea i:nil="true" xmlns:a="${DRAWING}"/>
                <Resolution xmlns:a="${DRAWING}">
                    <a:height>0</a:height>
                    <a:width>0</a:width>
                </Resolution>
                <ScanArea xmlns:a="${DRAWING}">
                    <a:height>0</a:height>
                    <a:width>0</a:width>
                    <a:x>0</a:x>
                    <a:y>0</a:y>
                </ScanArea>
                <ScanRotation>0</ScanRotation>
            </scanSettings>
            <scanningDetector>
                <DetectorType>SecondaryElectrons</DetectorType>
                <Gain i:nil="true"/>
                <Inserted>false</Inserted>
                <Name i:nil="true"/>
                <Offset i:nil="true"/>
            </scanningDetector>
        </acquisition>
`;
}

/** microscopeData/optics: beam, lenses, energy filter, magnification. */
export function optics(v: MicroscopeImageValues): string {
  return `        <optics>
            <Apertures i:nil="true"/>
            <BeamConvergence i:nil="true"/>
            <BeamDiameter>${d(v.beamDiameterM)}</BeamDiameter>
${pair("BeamShift", v.beamShift)}${pair("BeamTilt", v.beamTilt)}            <Cameralength>0</Cameralength>
            <ColumnOperatingMode>TEM</ColumnOperatingMode>
            <ColumnOperatingTemSubMode>BrightField</ColumnOperatingTemSubMode>
${zero2("CondenserStigmator")}            <Defocus>${d(v.opticsDefocusM)}</Defocus>
            <DiffractionFocus>0</DiffractionFocus>
${zero2("DiffractionShift")}${zero2("DiffractionStigmator")}            <EFTEMOn>true</EFTEMOn>
            <EnergyFilter>
                <AccelerationVoltageOffset>0</AccelerationVoltageOffset>
                <DriftTubeVoltage>0</DriftTubeVoltage>
                <EnergySelectionSlitInserted>${v.slitInserted}</EnergySelectionSlitInserted>
                <EnergySelectionSlitWidth>20</EnergySelectionSlitWidth>
                <EnergyShift>-0</EnergyShift>
                <EntranceApertureDiameter i:nil="true"/>
                <EntranceApertureType i:nil="true"/>
            </EnergyFilter>
            <Focus>${d(v.focus)}</Focus>
            <GunStigmator i:nil="true" xmlns:a="${FEI_TYPES}"/>
            <IlluminationMode>Parallel</IlluminationMode>
            <IlluminationProbeSubMode i:nil="true"/>
${pair("ImageShift", v.imageShift)}            <Intensity>0</Intensity>
            <ObjectiveLensMode>${v.lensMode}</ObjectiveLensMode>
${zero2("ObjectiveStigmator")}            <ProbeMode>${v.probeMode}</ProbeMode>
            <ProjectorMode>Imaging</ProjectorMode>
            <SpotIndex>5</SpotIndex>
            <StemDefocus>0</StemDefocus>
            <StemFieldOfView i:nil="true"/>
            <StemMagnification i:nil="true"/>
            <TemMagnification>
                <NominalMagnification>${v.magnification}</NominalMagnification>
            </TemMagnification>
            <XLModeOn>false</XLModeOn>
        </optics>
`;
}

