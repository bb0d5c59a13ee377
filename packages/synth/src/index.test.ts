import { expect, it } from "vitest";
import * as api from "./index.js";

it("exports a deliberate public API", () => {
  expect(Object.keys(api).sort()).toEqual([
    "DEFOCUS_LIST_M",
    "PIXEL_SIZES",
    "SynthPlanOptions",
    "TIMING",
    "TRUTH_FILE",
    "TimeBase",
    "atlasXml",
    "buildTruth",
    "createRng",
    "epuSessionXml",
    "foilHoleImageXml",
    "gridSquareImageXml",
    "gridSquareMetadataXml",
    "loadPreviews",
    "micrographXml",
    "microscopeImageXml",
    "netDouble",
    "netFloat",
    "nodeSynthFs",
    "placeholderTiff",
    "planSession",
    "previewJpeg",
    "sessionOperations",
    "squarePaths",
    "synthesizeSession",
    "systemClock",
    "toSingle",
    "virtualClock",
    "windowsPath",
  ]);
});
