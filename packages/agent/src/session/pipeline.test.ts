import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EPU_TESTDATA } from "../../../core/src/testing/testdata.js";
import { parseSessionDirectory } from "../directory-parse.js";

describe("one-shot parse of the real epu-dir-example session", async () => {
  const model = await parseSessionDirectory(`${EPU_TESTDATA}epu-dir-example`);

  it("finds the session, its grid, every listed square and the imaged holes", () => {
    expect(model.session).toEqual({ epuId: "9015527", name: "Supervisor_20250108_101446_62_cm40593-1_EPU" });
    expect(model.counts).toEqual({ acquisition: 1, grid: 1, atlas: 0, atlasTile: 0, gridSquare: 228, foilHole: 4, micrograph: 4 });
    expect(model.errors).toEqual([]);
  });

  it("creates the two exposure-only holes from their micrographs' paths (their .dm is not in the data set)", () => {
    expect(model.implied).toBe(2);
    const holes = model.entities.filter((e) => e.kind === "foilHole").map((e) => (e.kind === "foilHole" ? e.foilHoleId : ""));
    expect(holes.sort()).toEqual(["9015883", "9015889", "9028219", "9028276"]);
  });

  it("merges a micrograph's XML fields with its JPEG preview", () => {
    const m = model.entities.find((e) => e.kind === "micrograph" && e.name === "FoilHole_9015883_Data_9017354_6_20250108_154918");
    expect(m?.data).toMatchObject({
      appliedDefocusA: -27000,
      frameCount: 50,
      previewFile: "Images-Disc1/GridSquare_8999138/Data/FoilHole_9015883_Data_9017354_6_20250108_154918.jpg",
    });
  });

  it("puts parents before children", () => {
    const order = model.entities.map((e) => e.kind);
    expect(order.indexOf("acquisition")).toBe(0);
    expect(order.indexOf("grid")).toBe(1);
    expect(order.lastIndexOf("gridSquare")).toBeLessThan(order.indexOf("micrograph"));
  });
});

describe("one-shot parse of the epumocks session with its atlas beside it", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "emflow-mocks-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(`${EPU_TESTDATA}epumocks`, dir, { recursive: true });
  // In a real session the grid-square .dm lives in Metadata/.
  cpSync(`${EPU_TESTDATA}epumocks/GridSquare_4590776.dm`, `${dir}/EPU_session/Metadata/GridSquare_4590776.dm`);
  writeFileSync(`${dir}/EPU_session/Metadata/notes.txt`, "not EPU");
  const model = await parseSessionDirectory(`${dir}/EPU_session`);

  it("resolves the Windows atlas path and reads its tiles and squares", () => {
    expect(model.counts.atlas).toBe(1);
    expect(model.counts.atlasTile).toBe(35);
    const grid = model.entities.find((e) => e.kind === "grid");
    expect(grid?.data).toMatchObject({ atlasDir: `${dir}/Atlas/Supervisor_20240404_093820_Pete_Miriam_HexAuFoil/Sample4/Atlas` });
  });

  it("merges the square from the session list, the atlas, its .dm and its image", () => {
    const sq = model.entities.find((e) => e.kind === "gridSquare" && e.gridSquareId === "4590776");
    expect(sq?.data).toMatchObject({ state: "InProgress", holeCount: 570, magnification: 470, tileId: expect.any(String) });
    expect(model.counts.foilHole).toBe(570);
    // the session lists 222 squares, the atlas has 222 nodes: the same squares, so no extra ones
    expect(model.counts.gridSquare).toBe(222);
  });

  it("reports the unexpected image XML in Metadata/ as nothing, not as an error", () => {
    expect(model.errors).toEqual([]);
  });
});
