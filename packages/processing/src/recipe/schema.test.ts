import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isEmflowError, type EmflowError } from "@emflow/core";
import { loadRecipeFile } from "./load.js";
import { stepDestinations, parseRecipe, recipeToJson } from "./schema.js";

/** The reference recipes (cryoem-services), beside the repository. */
const REFERENCE = process.env.EMFLOW_RECIPES ?? fileURLToPath(new URL("../../../../../shared/reference/recipes/", import.meta.url));

function problem(f: () => unknown): EmflowError {
  try {
    f();
  } catch (err) {
    if (isEmflowError(err, "ValidationError")) return err;
    throw err;
  }
  throw new Error("expected a ValidationError");
}

const step = (queue: string, output?: unknown) => ({ queue, service: queue, ...(output === undefined ? {} : { output }) });

describe("recipe files", () => {
  it("reads the three reference recipes as they are", async () => {
    const spa = await loadRecipeFile(join(REFERENCE, "em-spa-preprocess.json"));
    expect(Object.keys(spa.steps).map(Number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(spa.start).toEqual([[1, []]]);
    expect(spa.steps[1]).toMatchObject({ queue: "ispyb_connector", service: "EMISPyB", output: 2 });
    expect(spa.steps[1]!.parameters).toMatchObject({ store_result: "ispyb_movie_id", movie_path: "{movie}" });
    expect(spa.steps[4]!.parameters!.movie_id).toBe("$ispyb_movie_id");
    expect(stepDestinations(spa.steps[2]!)).toEqual([
      { step: 8, channel: "ctffind" },
      { step: 6, channel: "icebreaker" },
      { step: 5, channel: "images" },
      { step: 4, channel: "ispyb_connector" },
      { step: 3, channel: "node_creator" },
      { step: 10, channel: "smartem" },
    ]);
    expect(spa.steps[2]!.parameters!.relion_options).toEqual({});
    expect(spa.steps[10]!.queue).toBe("{feedback_queue}");

    const tomo = await loadRecipeFile(join(REFERENCE, "em-tomo-preprocess.json"));
    expect(Object.keys(tomo.steps)).toHaveLength(7);
    expect(tomo.steps[2]!.parameters).toMatchObject({ experiment_type: "tomography", threads: 4, eer_sampling: 1 });

    const extract = await loadRecipeFile(join(REFERENCE, "em-spa-extract.json"));
    expect(stepDestinations(extract.steps[3]!).map((d) => d.step)).toEqual([4, 2]);
    // Round trip: the file format back, as it travels in messages.
    expect(parseRecipe(recipeToJson(extract))).toEqual(extract);
  });

  it("lists every problem with its path", () => {
    const err = problem(() =>
      parseRecipe({
        "1": step("a", { ok: 2, lost: 9 }),
        "2": { service: "NoQueue" },
        "3": step("c", [1, "x"]),
        extra: {},
        start: [[1, []]],
      }),
    );
    expect(err.message).toMatch(/^invalid recipe: /);
    expect(err.message).toContain("2.queue:");
    expect(err.message).toContain("3.output");
    expect(err.message).toContain("extra: not a step number or 'start'");
  });

  it("finds references to missing steps, cycles and unreachable steps", () => {
    expect(problem(() => parseRecipe({ "1": step("a", { ctffind: 8 }), start: [[1, []]] })).message).toBe("invalid recipe: 1.output.ctffind: step 8 does not exist");
    expect(problem(() => parseRecipe({ "1": step("a"), start: [[2, []]] })).message).toBe("invalid recipe: start.0: step 2 does not exist");
    expect(problem(() => parseRecipe({ "1": step("a", 2), "2": step("b", { again: [3] }), "3": step("c", 1), start: [[1, []]] })).message).toBe(
      "invalid recipe: 3.output: cycle 1 → 2 → 3 → 1",
    );
    expect(problem(() => parseRecipe({ "1": step("a", 1), start: [[1, []]] })).message).toBe("invalid recipe: 1.output: cycle 1 → 1");
    expect(problem(() => parseRecipe({ "1": step("a"), "2": step("b"), start: [[1, []]] })).message).toBe("invalid recipe: 2: not reachable from start");
    // A diamond is not a cycle.
    expect(() => parseRecipe({ "1": step("a", [2, 3]), "2": step("b", 4), "3": step("c", 4), "4": step("d"), start: [[1, []]] })).not.toThrow();
  });

  it("checks start", () => {
    expect(problem(() => parseRecipe({ "1": step("a") })).message).toBe("invalid recipe: start: missing (where does the recipe begin?)");
    expect(problem(() => parseRecipe({ "1": step("a"), start: [] })).message).toMatch(/^invalid recipe: start: /);
    expect(problem(() => parseRecipe({ "1": step("a"), start: [[1]] })).message).toMatch(/^invalid recipe: start\.0/);
    expect(problem(() => parseRecipe([1, 2])).message).toBe("invalid recipe: (root): a recipe is a JSON object of numbered steps and 'start'");
  });

  it("names the file and the line of the first problem", async () => {
    const dir = mkdtempSync(join(tmpdir(), "emflow-recipe-"));
    const file = join(dir, "bad.json");
    writeFileSync(file, ['{', '  "1": { "queue": "a", "output": 2 },', '  "2": {', '    "queue": "b",', '    "output": { "next": 7 }', "  },", '  "start": [[1, []]]', "}"].join("\n"));
    const err = (await loadRecipeFile(file).catch((e: unknown) => e)) as EmflowError;
    expect(isEmflowError(err, "ValidationError")).toBe(true);
    expect(err.toLine()).toBe(`${file}:5: invalid recipe: 2.output.next: step 7 does not exist`);

    writeFileSync(file, '{\n  "1": { "queue": "a" },\n  "start": [[1, []]],,\n}');
    const syntax = (await loadRecipeFile(file).catch((e: unknown) => e)) as EmflowError;
    expect(syntax.toLine()).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3: not JSON`));
  });
});
