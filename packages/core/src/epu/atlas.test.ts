import { describe, expect, it } from "vitest";
import { readEpuTestFile } from "../testing/testdata.js";
import { parseAtlas } from "./atlas.js";

const SAMPLE4 = "epumocks/Atlas/Supervisor_20240404_093820_Pete_Miriam_HexAuFoil/Sample4/Atlas/Atlas.dm";

describe("parseAtlas on real Atlas.dm files", () => {
  it("reads the nt32457-6 slot-4 atlas: 35 tiles, 222 grid squares", () => {
    const a = parseAtlas(readEpuTestFile(SAMPLE4), "Atlas.dm");
    expect(a.atlas).toMatchObject({
      atlasId: "3436163",
      acquiredAt: "2024-04-05T09:17:53.987Z",
      description: "Atlas for autoloader slot 4",
      imageBaseName: "Atlas_4590151",
      storageFolder: "Z:\\nt32457-6\\atlas\\Supervisor_20240404_093820_Pete_Miriam_HexAuFoil\\Sample4",
      tileCount: 35,
    });
    expect(a.tiles).toHaveLength(35);
    expect(a.tiles[0]).toEqual({
      tileId: "4590157",
      data: expect.objectContaining({ atlasX: 1584, atlasY: 1687, width: 833, height: 592, imageBaseName: "Tile_4590157_0_4590151" }),
    });
    expect(a.squares).toHaveLength(222);
    const sq = a.squares.find((s) => s.gridSquareId === "4590306")!;
    expect(sq.data).toMatchObject({ atlasX: 2236.751, atlasY: 1741.15442, atlasWidth: 143.233978, atlasHeight: 134.156143, tileId: "4590157" });
    expect(sq.data.physicalXUm).toBeCloseTo(-141.894867, 6);
    expect(sq.data.physicalWidthUm).toBeCloseTo(48.8648839, 6);
    expect(a.squares.some((s) => s.gridSquareId === "4590776")).toBe(true);
  });

  it("reads the trimmed Atlas-nt32457-6.dm: 8 populated tiles of 37 slots, 47 squares", () => {
    const a = parseAtlas(readEpuTestFile("Atlas-nt32457-6.dm"));
    expect(a.atlas.atlasId).toBe("3436163");
    expect(a.tiles).toHaveLength(8);
    expect(a.squares).toHaveLength(47);
    expect(new Set(a.squares.map((s) => s.gridSquareId)).size).toBe(47);
  });
});
