/** Reading recipe files. */
import { readFile } from "node:fs/promises";
import { EmflowError } from "@emflow/core";
import { parseRecipe, type Recipe } from "./schema.js";

/** Read and check a recipe file; errors name the file (and the line, for JSON syntax and recipe problems). */
export async function loadRecipeFile(file: string): Promise<Recipe> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new EmflowError("ValidationError", `cannot read recipe: ${(err as Error).message}`, { file, cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const at = /position (\d+)/.exec((err as Error).message);
    const line = at ? text.slice(0, Number(at[1])).split("\n").length : undefined;
    throw new EmflowError("ValidationError", `not JSON: ${(err as Error).message}`, { file, ...(line === undefined ? {} : { line }) });
  }
  return parseRecipe(json, { file, text });
}
