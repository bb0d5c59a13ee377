export { pickParticles, matchPicks, type PickResult } from "./pick.js";
export { PickOptions, type PickConfig } from "./options.js";
export { otsuThreshold } from "./threshold.js";
