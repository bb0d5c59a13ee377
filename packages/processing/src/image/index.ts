export { parseOptions } from "./options.js";
export { meanStd, quantiles, median } from "./stats.js";
export { binImage } from "./bin.js";
export { fourierRingCorrelation } from "./frc.js";
export { normaliseAndTaper } from "./taper.js";
export { kernelArena, type Arena } from "./kernels.js";
