/**
 * Recipes end to end on the database transport (PGlite in memory): toy but
 * real services (sum → square → record, branching on channels), results
 * written through the SQL ledger so redeliveries never duplicate them,
 * dead-lettering and reinjection, and a reference recipe with `$name`.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProcessingError, isEmflowError } from "@emflow/core";
import { pgliteClient, type ClosableClient } from "../queue/sql/sql-clients.contract.js";
import { sqlLedger } from "../queue/sql/sql-ledger.js";
import { openSqlTransport } from "../queue/sql/sql-transport.js";
import { waitFor } from "../queue/transport.contract.js";
import type { Json, WorkTransport } from "../queue/transport.js";
import { loadRecipeFile } from "./load.js";
import { RecipeMessage } from "./message.js";
import { RecipeRunner } from "./runner.js";
import { parseRecipe } from "./schema.js";
import { defineService, runServices, type RunningServices, type Service } from "./service.js";

const REFERENCE = process.env.EMFLOW_RECIPES ?? fileURLToPath(new URL("../../../../../shared/reference/recipes/", import.meta.url));

/** sum → square → record on the square's parity ("even" / "odd") and on "all". */
const TOY = parseRecipe({
  "1": { queue: "{prefix}.sum", service: "Sum", parameters: { numbers: "{numbers}", store_result: "total" }, output: 2 },
  "2": { queue: "{prefix}.square", service: "Square", parameters: { of: "$total" }, output: { even: 3, odd: 4, all: 5 } },
  "3": { queue: "{prefix}.record", service: "Record", parameters: { label: "even", total: "$total" } },
  "4": { queue: "{prefix}.record", service: "Record", parameters: { label: "odd", total: "$total" } },
  "5": { queue: "{prefix}.record", service: "Record", parameters: { label: "all", total: "$total" } },
  start: [[1, []]],
});

interface Row {
  recipe_id: string;
  step: number;
  label: string;
  value: number;
  total: number;
}

describe("recipes on the database transport", () => {
  let db: ClosableClient;
  let transport: WorkTransport;
  beforeAll(async () => {
    db = await pgliteClient();
    transport = await openSqlTransport(db, { pollMs: 20, retryDelayMs: 0, deliveryLimit: 3 });
    await db.exec(`CREATE TABLE results (recipe_id text, step integer, label text, value double precision, total double precision)`);
  });
  afterAll(async () => {
    await transport?.close();
    await db?.close();
  });

  /** The toy services on queues under `prefix`; `calls` counts handler runs per service. */
  function toyServices(prefix: string, hooks: { square?: (of: number) => void } = {}) {
    const ledger = sqlLedger(db);
    const calls = { Sum: 0, Square: 0, Record: 0 };
    const services: Service[] = [
      defineService(
        "Sum",
        (ctx) => {
          calls.Sum++;
          const total = (ctx.parameters.numbers as number[]).reduce((a, b) => a + b, 0);
          ctx.send({ total });
          return total;
        },
        { queue: `${prefix}.sum`, ledger },
      ),
      defineService(
        "Square",
        (ctx) => {
          calls.Square++;
          const of = ctx.parameters.of as number;
          hooks.square?.(of);
          const value = of * of;
          const sent = ctx.send({ value }, value % 2 === 0 ? "even" : "odd") + ctx.send({ value }, "all") + ctx.send({ value }, "not-wired");
          if (sent !== 2) throw new Error(`sent to ${sent} steps`);
        },
        { queue: `${prefix}.square`, ledger },
      ),
      defineService(
        "Record",
        async (ctx) => {
          calls.Record++;
          await ctx.tx.query(`INSERT INTO results (recipe_id, step, label, value, total) VALUES ($1, $2, $3, $4, $5)`, [
            ctx.recipeId,
            ctx.pointer,
            ctx.parameters.label,
            (ctx.payload as { value: number }).value,
            ctx.parameters.total,
          ]);
        },
        { queue: `${prefix}.record`, ledger, prefetch: 4 },
      ),
    ];
    return { services, calls };
  }

  const rows = (ids: readonly string[]) =>
    db.query<Row & Record<string, unknown>>(`SELECT recipe_id, step, label, value, total FROM results WHERE recipe_id IN (SELECT json_array_elements_text($1::json)) ORDER BY recipe_id, step`, [JSON.stringify(ids)]);

  async function waitForRows(ids: readonly string[], n: number): Promise<Row[]> {
    return waitFor(`${n} result rows`, async () => {
      const r = await rows(ids);
      return r.length >= n ? r : undefined;
    });
  }

  it("runs a recipe end to end: parameters, stored results, channels", async () => {
    const prefix = `toy${randomUUID().slice(0, 8)}`;
    const { services, calls } = toyServices(prefix);
    const running = await runServices(transport, services);
    const runner = new RecipeRunner(transport);
    const a = await runner.start(TOY, { parameters: { prefix, numbers: [1, 2, 3] }, recipeId: `${prefix}-a` });
    const b = await runner.start(TOY, { parameters: { prefix, numbers: [2, 3] }, recipeId: `${prefix}-b` });
    const c = await runner.start(TOY, { parameters: { prefix, numbers: [4] }, recipeId: `${prefix}-c` });
    expect(a).toEqual({ recipeId: `${prefix}-a`, published: 1 });
    const got = await waitForRows([a.recipeId, b.recipeId, c.recipeId], 6);
    await running.stop();
    expect(got).toEqual([
      { recipe_id: a.recipeId, step: 3, label: "even", value: 36, total: 6 },
      { recipe_id: a.recipeId, step: 5, label: "all", value: 36, total: 6 },
      { recipe_id: b.recipeId, step: 4, label: "odd", value: 25, total: 5 },
      { recipe_id: b.recipeId, step: 5, label: "all", value: 25, total: 5 },
      { recipe_id: c.recipeId, step: 3, label: "even", value: 16, total: 4 },
      { recipe_id: c.recipeId, step: 5, label: "all", value: 16, total: 4 },
    ]);
    expect(calls).toEqual({ Sum: 3, Square: 3, Record: 6 });
    const stats = await transport.stats([`${prefix}.sum`, `${prefix}.square`, `${prefix}.record`]);
    expect(stats.every((s) => s.ready === 0 && s.inFlight === 0 && s.dead === 0)).toBe(true);
  });

  it("never duplicates results: failed steps, lost sends and repeated messages", async () => {
    const prefix = `dup${randomUUID().slice(0, 8)}`;
    let squareFailures = 0;
    const { services, calls } = toyServices(prefix, {
      square: () => {
        if (squareFailures++ === 0) throw new Error("transient failure inside the step");
      },
    });
    // The first publish to the record queue fails after Square's ledger transaction committed:
    // the redelivered Square must send the recorded messages again without running again.
    let recordPublishes = 0;
    const flaky: WorkTransport = {
      ...transport,
      kind: transport.kind,
      publish: async (q, m, o) => {
        if (q === `${prefix}.record` && recordPublishes++ === 0) throw new Error("broker hiccup");
        return transport.publish(q, m, o);
      },
      consume: (q, h, o) => transport.consume(q, h, o),
      deadLetters: (q) => transport.deadLetters(q),
      reinject: (w, o) => transport.reinject(w, o),
      stats: (q) => transport.stats(q),
      close: () => transport.close(),
    };
    const running = await runServices(flaky, services);
    const runner = new RecipeRunner(transport);
    const id = `${prefix}-x`;
    await runner.start(TOY, { parameters: { prefix, numbers: [3, 4] }, recipeId: id });
    await waitForRows([id], 2);
    // The same run started again: every step sees a message it already handled.
    await runner.start(TOY, { parameters: { prefix, numbers: [3, 4] }, recipeId: id });
    await waitFor("the repeat to drain", async () => (await transport.stats([`${prefix}.sum`, `${prefix}.square`, `${prefix}.record`])).every((s) => s.ready + s.inFlight === 0));
    await running.stop();
    expect(await rows([id])).toEqual([
      { recipe_id: id, step: 4, label: "odd", value: 49, total: 7 },
      { recipe_id: id, step: 5, label: "all", value: 49, total: 7 },
    ]);
    // Square ran twice (the failure, then the success); the lost send and the repeat ran nothing again.
    expect(calls).toEqual({ Sum: 1, Square: 2, Record: 2 });
    expect(recordPublishes).toBeGreaterThanOrEqual(3);
  });

  it("sends a failing step to the dead letters, and completes it after the cause is fixed and it is reinjected", async () => {
    const prefix = `dlq${randomUUID().slice(0, 8)}`;
    let broken = true;
    const { services } = toyServices(prefix, {
      square: (of) => {
        if (broken) throw new ProcessingError(`cannot square ${of}: service misconfigured`);
      },
    });
    const running = await runServices(transport, services);
    const id = `${prefix}-y`;
    await new RecipeRunner(transport).start(TOY, { parameters: { prefix, numbers: [10] }, recipeId: id });
    const dead = await waitFor("the dead letter", async () => {
      const d = await transport.deadLetters(`${prefix}.square`);
      return d.length === 1 ? d : undefined;
    });
    expect(dead[0]).toMatchObject({ deliveryCount: 3, error: "ProcessingError: cannot square 10: service misconfigured" });
    expect(RecipeMessage.parse(dead[0]!.body)).toMatchObject({ "recipe-pointer": 2, "recipe-path": [1], environment: { total: 10 } });
    expect(await rows([id])).toEqual([]);

    broken = false;
    expect(await transport.reinject("all", { queue: `${prefix}.square` })).toBe(1);
    const got = await waitForRows([id], 2);
    await running.stop();
    expect(got.map((r) => [r.label, r.value])).toEqual([
      ["even", 100],
      ["all", 100],
    ]);
  });

  it("dead-letters a message that is not a recipe message at once", async () => {
    const prefix = `bad${randomUUID().slice(0, 8)}`;
    const { services, calls } = toyServices(prefix);
    const running = await runServices(transport, services);
    await transport.publish(`${prefix}.sum`, { body: { hello: "world" } });
    const dead = await waitFor("the dead letter", async () => {
      const d = await transport.deadLetters(`${prefix}.sum`);
      return d.length === 1 ? d : undefined;
    });
    await running.stop();
    expect(dead[0]!.deliveryCount).toBe(1);
    expect(dead[0]!.error).toMatch(/^ValidationError: not a recipe message: recipe-id: /);
    expect(calls.Sum).toBe(0);
  });

  it("runs the reference SPA preprocessing recipe's first steps: parameters, store_result and $ispyb_movie_id", async () => {
    const recipe = await loadRecipeFile(join(REFERENCE, "em-spa-preprocess.json"));
    const runner = new RecipeRunner(transport);
    const missing = (await runner.start(recipe, {}).catch((e: unknown) => e)) as Error;
    expect(isEmflowError(missing, "ValidationError")).toBe(true);
    expect([...missing.message.matchAll(/(\w+) \(/g)].map((m) => m[1])).toEqual([
      "autoproc_program_id",
      "cryolo_model_weights",
      "dcid",
      "do_icebreaker_jobs",
      "feedback_queue",
      "fm_dose",
      "fm_int_file",
      "foil_hole_id",
      "ft_bin",
      "gain_ref",
      "image_number",
      "kv",
      "mc_uuid",
      "movie",
      "mrc_out",
      "particle_diameter",
      "picker_uuid",
      "pixel_size",
      "session_id",
    ]);

    const parameters: Record<string, Json> = {
      autoproc_program_id: 55,
      cryolo_model_weights: "/models/gmodel.h5",
      dcid: 9001,
      do_icebreaker_jobs: true,
      feedback_queue: "murfey_feedback",
      fm_dose: 1.1,
      fm_int_file: "",
      foil_hole_id: 9015889,
      ft_bin: 1,
      gain_ref: "/data/gain.mrc",
      image_number: 17,
      kv: 300,
      mc_uuid: 3,
      movie: "/data/Images-Disc1/GridSquare_8999138/Data/FoilHole_9015889_Data_1.tiff",
      mrc_out: "/proc/MotionCorr/job002/FoilHole_9015889_Data_1.mrc",
      particle_diameter: 180,
      picker_uuid: 4,
      pixel_size: 0.83,
      session_id: 12,
    };
    const seen: { pointer: number; parameters: Record<string, Json> }[] = [];
    const ispyb = defineService(
      "EMISPyB",
      (ctx) => {
        seen.push({ pointer: ctx.pointer, parameters: { ...ctx.parameters } });
        if (ctx.parameters.ispyb_command === "insert_movie") {
          ctx.send({ inserted: true });
          return 1234;
        }
      },
      { queue: "ispyb_connector" },
    );
    const motioncorr = defineService(
      "MotionCorr",
      (ctx) => {
        seen.push({ pointer: ctx.pointer, parameters: { ...ctx.parameters } });
        ctx.send({ buffer_command: { ispyb_command: "insert_motion_correction" } }, "ispyb_connector");
        ctx.send({ input_micrograph: ctx.parameters.mrc_out ?? null }, "ctffind");
        ctx.send({}, "not-in-this-recipe");
      },
      { queue: "motioncorr" },
    );
    const running: RunningServices = await runServices(transport, [ispyb, motioncorr]);
    const { recipeId } = await runner.start(recipe, { parameters });
    await waitFor("steps 1, 2 and 4", () => seen.length === 3);
    await running.stop();
    expect(seen.map((s) => s.pointer)).toEqual([1, 2, 4]);
    expect(seen[0]!.parameters).toMatchObject({ dcid: 9001, movie_number: 17, movie_path: parameters.movie, store_result: "ispyb_movie_id", foil_hole_id: 9015889 });
    expect(seen[1]!.parameters).toMatchObject({ pixel_size: 0.83, voltage: 300, use_motioncor2: "False", threads: 4, relion_options: {}, do_icebreaker_jobs: true });
    // Step 4 refers to the result step 1 stored: the number itself, not text.
    expect(seen[2]!.parameters).toMatchObject({ ispyb_command: "buffer", movie_id: 1234, program_id: 55, image_number: 17 });
    // CTFFind (step 8) has no service here: its message waits in its queue.
    await waitFor("the ctffind message", async () => (await transport.stats(["ctffind"]))[0]!.ready === 1);
    const bodies: Json[] = [];
    const c = await transport.consume("ctffind", (d) => void bodies.push(d.body));
    await waitFor("the ctffind message delivered", () => bodies.length === 1);
    await c.cancel();
    const waiting = bodies[0];
    expect(RecipeMessage.parse(waiting)).toMatchObject({
      "recipe-id": recipeId,
      "recipe-pointer": 8,
      "recipe-path": [1, 2],
      environment: { ispyb_movie_id: 1234 },
      payload: { input_micrograph: parameters.mrc_out },
    });
    expect(RecipeMessage.parse(waiting).recipe["10"]).toMatchObject({ queue: "murfey_feedback" });
  });
});
