export { RelionProjectWriter, RelionProjectOptions, type RelionProjectCounts } from "./project.js";
export { RelionMicrographInput, RelionOpticsGroup, RelionMotionInput, RelionCtfInput, type RelionMicrograph } from "./schema.js";
export { JOBS as RELION_JOBS, NODE_TYPE as RELION_NODE_TYPE, PROCESS_TYPE as RELION_PROCESS_TYPE, micrographPaths as relionMicrographPaths } from "./layout.js";
