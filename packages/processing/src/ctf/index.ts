export { estimateCtf, type CtfEstimate } from "./estimate.js";
export { CtfOptions, type CtfConfig } from "./options.js";
export { ctfTerms, ctfChi, ctfValue, electronWavelength, type CtfParameters, type CtfTerms } from "./model.js";
export type { CtfFitProfile } from "./resolution.js";
