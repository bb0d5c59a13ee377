export { pickParticles, matchPicks, type ParticlePicks } from "./pick.js";
export { PickOptions, type PickConfig } from "./options.js";
export { otsuThreshold } from "./threshold.js";
