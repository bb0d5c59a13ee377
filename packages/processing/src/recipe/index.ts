/** Recipes: the zocalo-style file format, parameters, and services that carry a recipe from step to step. */
export { RecipeOutput, RecipeStep, stepDestinations, parseRecipe, recipeToJson, type Recipe, type RecipeSource } from "./schema.js";
export { loadRecipeFile } from "./load.js";
export { checkMissing, fillParameters, resolveReferences, type MissingParameters } from "./template.js";
export { RecipeMessage, readRecipeMessage, type ReadMessage } from "./message.js";
export { RecipeRunner, fillRecipe, type StartOptions } from "./runner.js";
export { defineService, runServices, type RunningServices, type Service, type ServiceHandler, type ServiceOptions, type StepContext } from "./service.js";
