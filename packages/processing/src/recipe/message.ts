/**
 * The recipe message ("recipe wrapper"): what travels between the steps of a
 * running recipe. It carries the whole (parameter-filled) recipe, the step it
 * is for, the steps it came through, the environment (results stored by
 * earlier steps) and the payload the previous step sent. Field names follow
 * python-workflows, so the messages read the same to people who know zocalo.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { EmflowError } from "@emflow/core";
import type { Json } from "../queue/transport.js";
import { parseRecipe, type Recipe } from "./schema.js";

/** The message body. */
export const RecipeMessage = z.object({
  "recipe-id": z.string().min(1),
  recipe: z.record(z.string(), z.json()),
  "recipe-pointer": z.number().int().positive(),
  "recipe-path": z.array(z.number().int().positive()),
  environment: z.record(z.string(), z.json()),
  payload: z.json(),
});
export type RecipeMessage = z.infer<typeof RecipeMessage>;

/** A delivered recipe message, checked: its recipe parsed and its step found. */
export interface ReadMessage {
  readonly message: RecipeMessage;
  readonly recipe: Recipe;
}

/** Check a delivered body; throws a ValidationError (not worth retrying) when it is not a recipe message. */
export function readRecipeMessage(body: unknown): ReadMessage {
  const r = RecipeMessage.safeParse(body);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new EmflowError("ValidationError", `not a recipe message: ${i?.path.join(".") || "(root)"}: ${i?.message}`);
  }
  const recipe = parseRecipe(r.data.recipe);
  if (!(r.data["recipe-pointer"] in recipe.steps)) {
    throw new EmflowError("ValidationError", `recipe message points at step ${r.data["recipe-pointer"]}, which its recipe does not have`);
  }
  return { message: r.data, recipe };
}

/** Headers of recipe messages (for people and tools looking at a queue). */
export function recipeHeaders(recipeId: string, step: number): Record<string, string | number | boolean> {
  return { "workflows-recipe": true, "recipe-id": recipeId, "recipe-step": step };
}

/**
 * The idempotency key of a message a step sends: the same every time the
 * same delivery sends the same output, so a repeated step repeats no work
 * downstream. `parent` is the key of the message being handled.
 */
export function childKey(recipeId: string, parent: string, from: number, channel: string | undefined, index: number, to: number): string {
  const h = createHash("sha256").update(JSON.stringify([parent, from, channel ?? null, index, to])).digest("hex").slice(0, 32);
  return `${recipeId}:${to}:${h}`;
}

/** The idempotency key of a start message. */
export function startKey(recipeId: string, index: number, to: number): string {
  return `${recipeId}:${to}:start-${index}`;
}
