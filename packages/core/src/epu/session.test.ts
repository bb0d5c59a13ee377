import { describe, expect, it } from "vitest";
import { readEpuTestFile } from "../testing/testdata.js";
import { parseEpuSession } from "./session.js";

describe("parseEpuSession on real EpuSession.dm files", () => {
  it("reads session cm40593-1 (epu-dir-example)", () => {
    const s = parseEpuSession(readEpuTestFile("epu-dir-example/EpuSession.dm"), "EpuSession.dm");
    expect(s.epuId).toBe("9015527");
    expect(s.name).toBe("Supervisor_20250108_101446_62_cm40593-1_EPU");
    expect(s.acquisition).toMatchObject({
      startedAt: "2025-01-08T15:10:39.480Z",
      clusteringMode: "ClusteringWithImageBeamShift",
      clusteringRadiusUm: 12,
      storageFolder: "Z:\\DoseFractions\\cm40593-1",
      imageFileFormat: "Mrc",
      doseFractionsFormat: "Tiff Lzw Non-Gain normalized",
      epuVersion: "3.9.1.8206",
    });
    expect(s.samples).toHaveLength(1);
    const grid = s.samples[0]!;
    expect(grid.gridId).toBe("9015529");
    expect(grid.atlasWindowsPath).toBe(
      "Z:\\DoseFractions\\cm40593-1\\atlas\\Supervisor_20250108_101551_cm40593-1_Atlas\\Sample7\\Atlas\\Atlas.dm",
    );
    expect(grid.grid).toMatchObject({ gridType: "HoleyCarbon", geometry: "Square", slot: 6, squareCount: 228 });
    expect(grid.grid.holeSizeUm).toBeCloseTo(1.3438822911617223, 9);
    expect(grid.grid.holeSpacingUm).toBeCloseTo(2.6513848367645296, 9);
    expect(grid.squares).toHaveLength(228);
    expect(grid.squares[0]).toEqual({ gridSquareId: "8999669", metadataFile: "Metadata\\GridSquare_8999669.dm" });
    const ids = grid.squares.map((q) => q.gridSquareId);
    expect(ids).toContain("8999138");
    expect(ids).toContain("8999186");
    expect(new Set(ids).size).toBe(228);
  });

  it("reads session nt32457-6 (epumocks) with its own atlas reference", () => {
    const s = parseEpuSession(readEpuTestFile("epumocks/EPU_session/EpuSession.dm"));
    expect(s.epuId).toBe("4600928");
    expect(s.name).toBe("Supervisor_20240405_115113_0_SmartEPU_ApoF");
    expect(s.acquisition.clusteringMode).toBe("NoClustering");
    expect(s.acquisition.epuVersion).toBe("3.7.0.6930");
    expect(s.acquisition.clusteringRadiusUm).toBe(0);
    expect(s.acquisition.startedAt).toBe("2024-04-05T11:36:47.228Z");
    const grid = s.samples[0]!;
    expect(grid.gridId).toBe("4600930");
    expect(grid.atlasWindowsPath).toBe(
      "Z:\\nt32457-6\\atlas\\Supervisor_20240404_093820_Pete_Miriam_HexAuFoil\\Sample4\\Atlas\\Atlas.dm",
    );
    expect(grid.squares.some((q) => q.gridSquareId === "4590776")).toBe(true);
  });
});
