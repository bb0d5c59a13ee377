import { describe, expect, it } from "vitest";
import { readEpuTestFile } from "../testing/testdata.js";
import { parseGridSquareMetadata } from "./grid-square-metadata.js";

describe("parseGridSquareMetadata on GridSquare_4590776.dm", () => {
  const g = parseGridSquareMetadata(readEpuTestFile("epumocks/GridSquare_4590776.dm"), "GridSquare_4590776.dm");

  it("reads the square's own fields in emflow units", () => {
    expect(g.gridSquareId).toBe("4590776");
    expect(g.square).toMatchObject({ state: "InProgress", selected: true, unusable: false, holeCount: 570 });
    expect(g.square.stageXUm).toBeCloseTo(-49.194160965271294, 9);
    expect(g.square.stageYUm).toBeCloseTo(-561.96772493422031, 9);
    expect(g.square.stageZUm).toBeCloseTo(92.991027587200039, 9);
    expect(g.square.rotationDeg).toBeCloseTo((-0.40060867359093749 * 180) / Math.PI, 9);
    expect(g.square.holeSpacingUm).toBeCloseTo(4.1280022158274845, 9);
    expect(g.square.imagePath).toBe(
      "Z:\\nt32457-6\\Supervisor_20240405_115113_0_SmartEPU_ApoF\\Images-Disc1\\GridSquare_4590776\\GridSquare_20240406_102420.tiff",
    );
  });

  it("reads all 570 foil-hole target locations", () => {
    expect(g.foilHoles).toHaveLength(570);
    expect(new Set(g.foilHoles.map((h) => h.foilHoleId)).size).toBe(570);
    expect(g.foilHoles.filter((h) => h.data.nearGridBar).length).toBe(291);
    const states = new Map<string, number>();
    for (const h of g.foilHoles) states.set(h.data.state!, (states.get(h.data.state!) ?? 0) + 1);
    expect(Object.fromEntries(states)).toEqual({ Completed: 217, Defined: 352, InProgress: 1 });
  });

  it("reads each target location's position, diameter and intensity statistics", () => {
    const first = g.foilHoles[0]!;
    expect(first.foilHoleId).toBe("5665438");
    expect(first.data).toMatchObject({ pixelX: 1396, pixelY: 972, diameterPx: 51.28809, nearGridBar: false, state: "Completed" });
    expect(first.data.stageXUm).toBeCloseTo(-42.565477384562446, 9);
    expect(first.data.intensityMean).toBeCloseTo(723.8662041625372, 12);
    expect(first.data.intensityStdDev).toBeCloseTo(27.530339280775316, 12);
    const last = g.foilHoles[569]!;
    expect(last.foilHoleId).toBe("5666007");
    expect(last.data).toMatchObject({ pixelX: 2826.3916, pixelY: 1986.7616, nearGridBar: true, state: "Defined" });
    expect(last.data.intensityMean).toBeCloseTo(11.337254901960783, 12);
  });
});
