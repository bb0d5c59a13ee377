export { PreprocessJob, StepPayload, MotionOutput, CtfOutput, PickOutput } from "./job.js";
export { computeMotion, computeCtf, computePick, computeIce, computeThumbnails, BUILTIN, type ComputeConfig, type StepOutcome } from "./compute.js";
export { ComputePool, computeStep, type ComputeOutcome } from "./compute-pool.js";
export { preprocessServices, publishStatus, retryPolicy, stepInput, queueNames, DEFAULT_QUEUE_PREFIX, SERVICE_NAMES, type ServiceName, type QueueNames } from "./services.js";
export { preprocessRecipe, startPreprocessing, PREPROCESS_RECIPE_FILE } from "./recipe.js";
export { encodeJpeg, encodePng } from "./encode.js";
