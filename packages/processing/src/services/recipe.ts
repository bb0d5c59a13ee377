/** emflow's preprocessing recipe (recipes/emflow-preprocess.json, zocalo's format) and how a movie starts it. */
import { fileURLToPath } from "node:url";
import type { Json, WorkTransport } from "../queue/transport.js";
import { loadRecipeFile, RecipeRunner, type Recipe } from "../recipe/index.js";
import { PreprocessJob } from "./job.js";
import { DEFAULT_QUEUE_PREFIX } from "./services.js";

/** The recipe file shipped with the package. */
export const PREPROCESS_RECIPE_FILE = fileURLToPath(new URL("../../recipes/emflow-preprocess.json", import.meta.url));

let cached: Promise<Recipe> | undefined;
/** The preprocessing recipe (read once). */
export function preprocessRecipe(): Promise<Recipe> {
  cached ??= loadRecipeFile(PREPROCESS_RECIPE_FILE);
  return cached;
}

/**
 * Start the recipe for one movie. The recipe id is derived from the micrograph and `run`, so
 * queueing the same micrograph twice in one run starts it once downstream (idempotency keys).
 */
export async function startPreprocessing(transport: WorkTransport, job: PreprocessJob, opts: { run?: string; queuePrefix?: string } = {}): Promise<string> {
  const checked = PreprocessJob.parse(job);
  const recipeId = `${checked.micrograph_id}:${opts.run ?? "1"}`;
  await new RecipeRunner(transport).start(await preprocessRecipe(), {
    recipeId,
    parameters: { queue_prefix: opts.queuePrefix ?? DEFAULT_QUEUE_PREFIX },
    environment: { job: checked as unknown as Json },
  });
  return recipeId;
}
