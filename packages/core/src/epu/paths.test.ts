import { describe, expect, it } from "vitest";
import { classifyEpuPath } from "./paths.js";

describe("classifyEpuPath", () => {
  it.each([
    ["EpuSession.dm", { kind: "session" }],
    ["Sample7/Atlas/Atlas.dm", { kind: "atlas" }],
    ["Metadata/GridSquare_8999138.dm", { kind: "gridSquareMetadata", gridSquareId: "8999138" }],
    ["Metadata\\GridSquare_8999138.dm", { kind: "gridSquareMetadata", gridSquareId: "8999138" }],
    ["Images-Disc1/GridSquare_8999138/GridSquare_20250108_151151.xml", { kind: "gridSquareImage", gridSquareId: "8999138" }],
    [
      "Images-Disc2/GridSquare_8999138/FoilHoles/FoilHole_9015889_20250108_154725.xml",
      { kind: "foilHoleImage", gridSquareId: "8999138", foilHoleId: "9015889" },
    ],
    [
      "Images-Disc1/GridSquare_8999138/Data/FoilHole_9015883_Data_9017354_6_20250108_154918.xml",
      { kind: "micrograph", gridSquareId: "8999138", foilHoleId: "9015883", name: "FoilHole_9015883_Data_9017354_6_20250108_154918", locationId: "9017354" },
    ],
    [
      "Images-Disc1/GridSquare_8999138/Data/FoilHole_9015883_Data_9017354_6_20250108_154918_fractions.tiff",
      { kind: "movie", gridSquareId: "8999138", foilHoleId: "9015883", name: "FoilHole_9015883_Data_9017354_6_20250108_154918" },
    ],
    [
      "Images-Disc1/GridSquare_8999138/Data/FoilHole_9015883_Data_9017354_6_20250108_154918_EER.eer",
      { kind: "movie", gridSquareId: "8999138", foilHoleId: "9015883", name: "FoilHole_9015883_Data_9017354_6_20250108_154918" },
    ],
    [
      "Images-Disc1/GridSquare_8999138/Data/FoilHole_9015883_Data_9017354_6_20250108_154918.jpg",
      { kind: "preview", of: "micrograph", gridSquareId: "8999138", base: "FoilHole_9015883_Data_9017354_6_20250108_154918" },
    ],
  ])("%s", (path, expected) => {
    expect(classifyEpuPath(path)).toEqual(expected);
  });

  it.each([
    "Images-Disc1/GridSquare_8999138/Data/FoilHole_9015883_Data_9017354_6_20250108_154918.xml.tmp",
    "Metadata/GridSquare_20240406_102420.xml",
    "Images-Disc1/notes.txt",
    "EpuSession.dm.bak",
    "Images-Disc1/GridSquare_x/GridSquare_20250108_151151.xml",
  ])("ignores %s", (path) => {
    expect(classifyEpuPath(path)).toBeUndefined();
  });
});
