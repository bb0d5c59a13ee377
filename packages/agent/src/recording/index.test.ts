import { expect, it } from "vitest";
import * as api from "./index.js";

it("exports a deliberate public API", () => {
  expect(Object.keys(api).sort()).toEqual([
    "EVENT_TYPES",
    "RecordingEvent",
    "RecordingJson",
    "RecordingMetadata",
    "checkRelativePath",
    "isBinary",
    "parseRecording",
    "readRecording",
    "recordDirectory",
    "replayRecording",
  ]);
});
