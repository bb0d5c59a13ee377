/** Which raw files are movies and which movies have processed outputs. */
import { describe, expect, it } from "vitest";
import { countProcessed, movieStem, moviesAmong, moviesIn, processedStems } from "./movies.js";

describe("movie files", () => {
  it("takes tif/tiff/mrc/mrcs/eer in any case and nothing else", () => {
    expect(moviesIn(["a.tif", "b.TIFF", "c.mrc", "d.mrcs", "e.EER", "f.xml", "g.jpg", "h.dm4", "i.tiff.partial", "tif"]).sort()).toEqual(["a.tif", "b.TIFF", "c.mrc", "d.mrcs", "e.EER"]);
  });

  it("leaves out gain and defect references", () => {
    expect(moviesIn(["CountRef_lab.mrc", "K3-gain.tiff", "20240101_gain_ref.mrc", "defects.mrc", "Defect_map.tif", "again_1.tif"])).toEqual(["again_1.tif"]);
  });

  it("leaves out EPU's integrated image when its movie is in the same directory", () => {
    const files = ["FoilHole_1_Data_2_3_x.mrc", "FoilHole_1_Data_2_3_x_fractions.tiff", "FoilHole_4_Data_2_3_y.mrc", "FoilHole_4_Data_2_3_y_EER.eer", "FoilHole_5_Data_2_3_z.mrc"];
    expect(moviesIn(files).sort()).toEqual(["FoilHole_1_Data_2_3_x_fractions.tiff", "FoilHole_4_Data_2_3_y_EER.eer", "FoilHole_5_Data_2_3_z.mrc"]);
    // Per directory: an integrated image elsewhere is not paired with it.
    expect(moviesAmong(["a/X.mrc", "b/X_fractions.tiff"])).toEqual(["a/X.mrc", "b/X_fractions.tiff"]);
  });

  it("matches MotionCor2 outputs (X.mrc, X_DW.mrc) to movies by stem", () => {
    expect(movieStem("a/b/X_fractions.tiff")).toBe("X_fractions");
    const stems = processedStems(["mc/X_fractions_DW.mrc", "mc/X_fractions.mrc", "Y_EER_DW.mrc", "Z_fractions.jpg", "ctf/W_fractions.ctf"]);
    expect([...stems].sort()).toEqual(["X_fractions", "Y_EER"]);
    expect(countProcessed(["d/X_fractions.tiff", "Y_EER.eer", "Z_fractions.tiff", "W_fractions.tiff"], stems)).toBe(2);
  });
});
