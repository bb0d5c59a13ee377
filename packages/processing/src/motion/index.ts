export { correctMotion, type MotionCorrection } from "./correct.js";
export { MotionOptions, type MotionConfig } from "./options.js";
export { framesSource, type FrameSource } from "./source.js";
export { evaluateLocal, fitLocalModel, type LocalMotionModel, type PatchSample } from "./local-model.js";
export type { PatchMeasurements } from "./patches.js";
export { criticalExposure, damageAttenuation, frameExposure } from "./dose.js";
export { doseGroups, groupingEfficiency } from "./dose-weight.js";
export { motionFigures } from "./metrics.js";
export { alignToSum, type AlignOptions, type AlignResult } from "./align.js";
