import { describe, expect, it } from "vitest";
import { readEpuTestFile } from "../testing/testdata.js";
import { parseFoilHoleImage, parseGridSquareImage, parseMicrograph } from "./images.js";

const GS = "Images-Disc1/GridSquare_8999138";

describe("MicroscopeImage XML files", () => {
  it("reads a grid-square image XML", () => {
    const rel = `${GS}/GridSquare_20250108_151151.xml`;
    const g = parseGridSquareImage(readEpuTestFile(`epu-dir-example/${rel}`), rel);
    expect(g.gridSquareId).toBe("8999138");
    expect(g.square).toEqual({
      imageFile: rel,
      acquiredAt: "2025-01-08T15:11:49.670Z",
      appliedDefocusA: -500000,
      magnification: 470,
      pixelSizeA: 415.627603445,
      detector: "BioQuantum K3",
    });
  });

  it("reads the epumocks grid-square image (local time offset +01:00 → UTC)", () => {
    const rel = "Images-Disc1/GridSquare_4590776/GridSquare_20240406_102420.xml";
    const g = parseGridSquareImage(readEpuTestFile(`epumocks/EPU_session/${rel}`), rel);
    expect(g.gridSquareId).toBe("4590776");
    expect(g.square.acquiredAt).toBe("2024-04-06T09:24:17.853Z");
    expect(g.square.magnification).toBe(470);
    expect(g.square.pixelSizeA).toBeCloseTo(415.62760344504568, 6);
  });

  it("reads a foil-hole image XML with the found hole centre, size, quality and rotation", () => {
    const rel = `${GS}/FoilHoles/FoilHole_9015889_20250108_154725.xml`;
    const f = parseFoilHoleImage(readEpuTestFile(`epu-dir-example/${rel}`), rel);
    expect(f.gridSquareId).toBe("8999138");
    expect(f.foilHoleId).toBe("9015889");
    expect(f.hole).toMatchObject({ foundX: 1414.76611, foundY: 1040.06824, foundWidthPx: 770.145, foundHeightPx: 770.144958 });
    expect(f.hole.quality).toBeCloseTo(0.79256999492645264, 12);
    expect(f.hole.rotationDeg).toBeCloseTo((-3.086187417975387 * 180) / Math.PI, 9);
    expect(f.hole.pixelSizeA).toBeCloseTo(16.359115173614214, 9);
    // 770.145 px × 16.359 Å/px = 1.2599 µm: the found diameter agrees with the session's 1.34 µm holes.
    expect(f.hole.foundDiameterUm).toBeCloseTo(1.25989, 4);
    expect(f.hole.acquiredAt).toBe("2025-01-08T15:47:21.817Z");
  });

  it("reads a micrograph XML: optics, dose, detector, filter, stage and its ids", () => {
    const rel = `${GS}/Data/FoilHole_9015883_Data_9017354_6_20250108_154918.xml`;
    const m = parseMicrograph(readEpuTestFile(`epu-dir-example/${rel}`), rel);
    expect(m).toMatchObject({ gridSquareId: "8999138", foilHoleId: "9015883", name: "FoilHole_9015883_Data_9017354_6_20250108_154918" });
    expect(m.micrograph).toMatchObject({
      uniqueId: "f28ad4e7-6966-450c-ad23-a43a2131ebd0",
      locationId: "9017354",
      acquiredAt: "2025-01-08T15:49:21.104Z",
      magnification: 165000,
      voltageKv: 300,
      appliedDefocusA: -27000,
      exposureTimeS: 0.89,
      frameCount: 50,
      detector: "EF-CCD",
      detectorModel: "BioQuantum K3",
      electronCounted: true,
      superResolutionFactor: 2,
      binning: 2,
      readoutX: 0,
      readoutY: 0,
      readoutWidth: 2880,
      readoutHeight: 2046,
      energyFilter: true,
      slitInserted: true,
      slitWidthEv: 20,
      phasePlate: false,
      xmlFile: rel,
    });
    expect(m.micrograph.pixelSizeA).toBeCloseTo(1.0558814239614023, 10);
    expect(m.micrograph.doseEA2).toBeCloseTo(14.557753315079335, 9);
    expect(m.micrograph.stageXUm).toBeCloseTo(-97.153001300000062, 9);
    expect(m.micrograph.stageYUm).toBeCloseTo(-152.72289599999985, 9);
  });

  it("reads the second grid square's micrographs with their own defocus", () => {
    const rel = "Images-Disc1/GridSquare_8999186/Data/FoilHole_9028219_Data_9017354_50_20250109_062624.xml";
    const m = parseMicrograph(readEpuTestFile(`epu-dir-example/${rel}`), rel);
    expect(m.foilHoleId).toBe("9028219");
    expect(m.micrograph.appliedDefocusA).toBe(-15000);
    expect(m.micrograph.acquiredAt).toBe("2025-01-09T06:26:26.434Z");
  });
});
