import { describe, expect, it } from "vitest";
import { isEmflowError } from "@emflow/core";
import type { Json } from "../queue/transport.js";
import { fillRecipe } from "./runner.js";
import { parseRecipe } from "./schema.js";
import { checkMissing, fillParameters, resolveReferences, type MissingParameters } from "./template.js";

function fill(value: Json, params: Record<string, Json>): { value: Json; missing: MissingParameters } {
  const missing: MissingParameters = new Map();
  return { value: fillParameters(value, params, missing), missing };
}

function validationMessage(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (isEmflowError(err, "ValidationError")) return err.message;
    throw err;
  }
  throw new Error("expected a ValidationError");
}

describe("{parameter} filling", () => {
  it("keeps the type of a whole-string placeholder and writes values as text inside strings", () => {
    const { value, missing } = fill(
      { threads: "{threads}", slurm: "{slurm}", size: "{pixel_size}", path: "{dir}/movie_{n}.tiff", opts: "{opts}", list: ["{n}", { deep: "x{n}y" }], n: 7, nothing: null },
      { threads: 4, slurm: false, pixel_size: 0.83, dir: "/data/s1", n: 12, opts: { a: [1] } },
    );
    expect(missing.size).toBe(0);
    expect(value).toEqual({ threads: 4, slurm: false, size: 0.83, path: "/data/s1/movie_12.tiff", opts: { a: [1] }, list: [12, { deep: "x12y" }], n: 7, nothing: null });
  });

  it("leaves braces that are not placeholders alone", () => {
    expect(fill({ a: "{}", b: '{"k": 1}', c: "{ spaced }", d: "{1abc}" }, {}).value).toEqual({ a: "{}", b: '{"k": 1}', c: "{ spaced }", d: "{1abc}" });
  });

  it("names every missing parameter with where it is used; optional ones become null or empty", () => {
    const { value, missing } = fill({ a: "{dcid}", b: ["{movie}", "{dcid}-{gain?}"], c: "{feedback?}" }, {});
    expect(value).toEqual({ a: "{dcid}", b: ["{movie}", "{dcid}-"], c: null });
    expect(Object.fromEntries(missing)).toEqual({ dcid: ["a", "b[1]"], movie: ["b[0]"] });
    expect(validationMessage(() => checkMissing(missing, "recipe"))).toBe("recipe: missing parameters dcid (a, b[1]), movie (b[0])");
  });

  it("fills a whole recipe, queues included, and checks the queue names it makes", () => {
    const recipe = parseRecipe({ "1": { queue: "{prefix}.sum", parameters: { n: "{n}" } }, start: [[1, { first: "{n}" }]] });
    const filled = fillRecipe(recipe, { prefix: "test", n: 3 });
    expect(filled.steps[1]).toEqual({ queue: "test.sum", parameters: { n: 3 } });
    expect(filled.start).toEqual([[1, { first: 3 }]]);
    expect(validationMessage(() => fillRecipe(recipe, { prefix: "bad queue", n: 1 }))).toMatch(/^recipe: 1\.queue: queue name 'bad queue.sum'/);
    expect(validationMessage(() => fillRecipe(recipe, {}))).toBe("recipe: missing parameters n (1.parameters.n, start[0][1].first), prefix (1.queue)");
  });
});

describe("$name references", () => {
  const env = { ispyb_movie_id: 1234, name: "m1", flags: { a: true } };
  it("resolves whole references with their type and embedded ones as text", () => {
    expect(resolveReferences({ movie_id: "$ispyb_movie_id", f: "$flags", label: "movie $name (${ispyb_movie_id})", price: "$$5", n: "$5" }, env, "step 4")).toEqual({
      movie_id: 1234,
      f: { a: true },
      label: "movie m1 (1234)",
      price: "$5",
      n: "$5",
    });
  });

  it("refuses references nothing stored", () => {
    expect(validationMessage(() => resolveReferences({ a: "$ispyb_movie_id", b: "x ${missing} $other" }, {}, "step 4"))).toBe(
      "step 4: $ispyb_movie_id, $missing, $other not stored by any earlier step (store_result)",
    );
  });
});
