export { simulateMovie, type SimulatedMovie, type MovieTruth } from "./simulate.js";
export { SimulateOptions, type SimulateConfig } from "./options.js";
export { deformationAt, type DeformationTruth } from "./motion-model.js";
export { Rng } from "./rng.js";
