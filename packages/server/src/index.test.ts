/** The package's public exports, kept deliberate: a change here is an API change. */
import { expect, it } from "vitest";
import * as server from "./index.js";

it("exports exactly the public API", () => {
  expect(Object.keys(server).sort()).toEqual([
    "Acquisition",
    "AcquisitionSummary",
    "Atlas",
    "AtlasTile",
    "AtlasWithTiles",
    "ChangeEvent",
    "ChangeHub",
    "ConflictError",
    "DEFAULT_LIMIT",
    "FoilHole",
    "Grid",
    "GridSquare",
    "HttpError",
    "MAX_LIMIT",
    "Micrograph",
    "MicrographProcessing",
    "NotFoundError",
    "Page",
    "ProcessingFailure",
    "ProcessingSettings",
    "ProcessingSummary",
    "SERVER_VERSION",
    "StepRecord",
    "UnauthorizedError",
    "ValidationError",
    "createServer",
    "loadConfig",
    "openPgliteStore",
    "openPostgres",
    "openPostgresStore",
    "openStore",
    "requestLogSerializer",
    "startLiveProcessing",
  ]);
});
