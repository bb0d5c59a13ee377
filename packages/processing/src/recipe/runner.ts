/**
 * Starting recipes: fill in the parameters, check the result, and publish one
 * recipe message per `start` link. From there the services carry the recipe
 * forward themselves (service.ts).
 */
import { randomUUID } from "node:crypto";
import { EmflowError } from "@emflow/core";
import type { Json, WorkTransport } from "../queue/transport.js";
import { checkQueueName } from "../queue/validate.js";
import { recipeHeaders, startKey, type RecipeMessage } from "./message.js";
import { parseRecipe, recipeToJson, type Recipe } from "./schema.js";
import { checkMissing, fillParameters, type MissingParameters } from "./template.js";

/** How to start a recipe. */
export interface StartOptions {
  /** Values for the recipe's `{name}` placeholders. */
  readonly parameters?: Readonly<Record<string, Json>>;
  /** The environment the first steps see (results of earlier steps go here too). */
  readonly environment?: Readonly<Record<string, Json>>;
  /** Identifies this run of the recipe (default: a random UUID); starting twice with one id starts it once downstream. */
  readonly recipeId?: string;
}

/** Fill a recipe's `{name}` placeholders; throws a ValidationError naming missing parameters or bad queue names. */
export function fillRecipe(recipe: Recipe, parameters: Readonly<Record<string, Json>>): Recipe {
  const missing: MissingParameters = new Map();
  const filled = fillParameters(recipeToJson(recipe), parameters, missing) as Record<string, Json>;
  checkMissing(missing, "recipe");
  const out = parseRecipe(filled);
  for (const [n, step] of Object.entries(out.steps)) {
    try {
      checkQueueName(step.queue);
    } catch (err) {
      throw new EmflowError("ValidationError", `recipe: ${n}.queue: ${(err as Error).message}`);
    }
  }
  return out;
}

/** Starts recipes on a transport. */
export class RecipeRunner {
  constructor(private readonly transport: WorkTransport) {}

  /** Fill in the parameters and publish the start messages; returns the recipe id and how many messages went out. */
  async start(recipe: Recipe, opts: StartOptions = {}): Promise<{ recipeId: string; published: number }> {
    const recipeId = opts.recipeId ?? randomUUID();
    const filled = fillRecipe(recipe, opts.parameters ?? {});
    const json = recipeToJson(filled);
    let published = 0;
    for (const [i, [to, payload]] of filled.start.entries()) {
      const body: RecipeMessage = {
        "recipe-id": recipeId,
        recipe: json,
        "recipe-pointer": to,
        "recipe-path": [],
        environment: { ...(opts.environment ?? {}) },
        payload,
      };
      const key = startKey(recipeId, i, to);
      await this.transport.publish(filled.steps[to]!.queue, { id: key, idempotencyKey: key, body, headers: recipeHeaders(recipeId, to) });
      published++;
    }
    return { recipeId, published };
  }
}
