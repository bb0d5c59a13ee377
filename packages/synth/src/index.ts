/** @emflow/synth: synthetic EPU sessions with known ground truth, for tests, benchmarks and the demo. */
export { synthesizeSession, TRUTH_FILE, type SynthesizeOptions, type SynthProgress, type SynthResult } from "./synthesize.js";
export { SynthPlanOptions, type SynthPlanInput } from "./options.js";
export { planSession, windowsPath, PIXEL_SIZES, DEFOCUS_LIST_M } from "./plan.js";
export type * from "./plan-types.js";
export { type NextSquareChooser } from "./steer.js";
export { sessionOperations, squarePaths, type SynthOp, type SynthPhase, type SynthAssets } from "./operations.js";
export { buildTruth, type SynthTruth, type TruthSquare, type TruthHole, type TruthShot, type StageUm } from "./truth.js";
export { nodeSynthFs, systemClock, virtualClock, type SynthFs, type SynthClock } from "./io.js";
export { previewJpeg, loadPreviews, type PreviewKind } from "./previews.js";
export { placeholderTiff } from "./tiff.js";
export { createRng, type Rng } from "./prng.js";
export { netDouble, netFloat, toSingle, TimeBase } from "./format.js";
export { TIMING } from "./timing.js";
export { epuSessionXml } from "./templates/session.js";
export { atlasXml } from "./templates/atlas.js";
export { gridSquareMetadataXml, type SquareProgress } from "./templates/grid-square.js";
export { gridSquareImageXml, foilHoleImageXml, micrographXml } from "./templates/images.js";
export { microscopeImageXml, type MicroscopeImageValues } from "./templates/microscope-image.js";
