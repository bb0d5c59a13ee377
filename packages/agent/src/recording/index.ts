/** Record and replay directories in DiamondLightSource smartem-epuplayer's format (version 2.0). */
export { readRecording, parseRecording } from "./read-recording.js";
export { replayRecording, type ReplayOptions, type ReplayProgress, type ReplayResult, type HashMismatch, type ReplayIssue } from "./replay.js";
export { recordDirectory, type RecordOptions, type RecordResult } from "./record.js";
export { RecordingEvent, RecordingJson, RecordingMetadata, EVENT_TYPES, type Recording, type RecordingEventType } from "./schema.js";
export { checkRelativePath } from "./safe-path.js";
export { isBinary } from "./classify.js";
