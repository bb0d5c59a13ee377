/**
 * Recipe services: a handler for one queue that receives recipe messages,
 * does its step, and sends results on to the next steps with
 * `ctx.send(output, channel?)`:
 *
 * - a step whose `output` is a step number or a list sends there, whatever
 *   the channel (zocalo's unnamed outputs; a named channel there is dropped);
 * - a step with named channels sends to the channel's steps; a channel the
 *   recipe does not wire is dropped (services offer more than recipes use);
 *   no channel at all is a mistake there, and throws;
 * - whatever the handler returns is the step's result: with
 *   `"store_result": "name"` in the step's parameters it is stored in the
 *   environment as `name`, where later steps refer to it as `$name`.
 *
 * Sends are published after the handler resolved and before the delivery is
 * acknowledged, so a failed step sends nothing and a repeated step sends the
 * same messages (same idempotency keys) again. With a ledger, the handler
 * runs once per message; a repeat replays the recorded sends without it.
 */
import { EmflowError, isEmflowError } from "@emflow/core";
import { ledgerKey, type IdempotencyLedger } from "../queue/idempotency.js";
import type { Consumer, Delivery, Json, RetryPolicy, WorkTransport } from "../queue/transport.js";
import { nonJsonAt } from "../queue/validate.js";
import { childKey, readRecipeMessage, recipeHeaders, type RecipeMessage } from "./message.js";
import { stepDestinations, recipeToJson, type Recipe, type RecipeStep } from "./schema.js";
import { resolveReferences } from "./template.js";

/** What a service's handler sees of one step of one recipe run. */
export interface StepContext<Tx = void> {
  readonly recipeId: string;
  readonly recipe: Recipe;
  /** The step being run, and the steps before it. */
  readonly pointer: number;
  readonly path: readonly number[];
  readonly step: RecipeStep;
  /** The step's parameters, `$name` references resolved. */
  readonly parameters: Readonly<Record<string, Json>>;
  /** What the previous step sent (the start payload for a first step). */
  readonly payload: Json;
  readonly environment: Readonly<Record<string, Json>>;
  readonly delivery: Delivery;
  /** The ledger's context (with `sqlLedger`, the transaction): results written through it are written once. */
  readonly tx: Tx;
  /** Send `output` to the next step(s), on `channel` when the step has named outputs; returns how many steps it goes to. */
  send(output: Json, channel?: string): number;
}

/** A service's work for one step; the value returned is the step's result. */
export type ServiceHandler<Tx = void> = (ctx: StepContext<Tx>) => Promise<Json | void> | Json | void;

/** Options of a service. */
export interface ServiceOptions<Tx = void> {
  /** The queue it consumes (default: its name). */
  readonly queue?: string;
  /** Steps it runs at once (default 1). */
  readonly prefetch?: number;
  /** Run each message once: the handler and its sends are recorded per idempotency key. */
  readonly ledger?: IdempotencyLedger<Tx>;
  /** Which failures are worth retrying (default: all but ValidationErrors, which would fail the same way again). */
  readonly retry?: RetryPolicy;
}

/** A service ready to run. */
export interface Service {
  readonly name: string;
  readonly queue: string;
  readonly prefetch: number;
  readonly retry: RetryPolicy;
  /** Run one delivery: the step, then its sends. */
  handle(delivery: Delivery, transport: WorkTransport): Promise<void>;
}

/** A message a step sends, fully built (so a ledger can record and replay it). */
interface Outgoing {
  readonly queue: string;
  readonly key: string;
  readonly body: RecipeMessage;
  readonly headers: Record<string, string | number | boolean>;
}

/** Define a service: `name` is matched against the steps' `service` field, `queue` defaults to the name. */
export function defineService<Tx = void>(name: string, handler: ServiceHandler<Tx>, opts: ServiceOptions<Tx> = {}): Service {
  const queue = opts.queue ?? name;
  const retry = opts.retry ?? ((err: unknown) => !isEmflowError(err, "ValidationError"));
  return {
    name,
    queue,
    prefetch: opts.prefetch ?? 1,
    retry,
    async handle(delivery, transport) {
      const { message, recipe } = readRecipeMessage(delivery.body);
      const pointer = message["recipe-pointer"];
      const step = recipe.steps[pointer]!;
      const what = `step ${pointer} of recipe ${message["recipe-id"]}`;
      if (step.queue !== delivery.queue) throw invalid(`${what} belongs on queue '${step.queue}', not '${delivery.queue}'`);
      if (step.service !== undefined && step.service !== name) throw invalid(`${what} is for service ${step.service}, not ${name}`);
      const parameters = resolveReferences(step.parameters ?? {}, message.environment, what) as Record<string, Json>;
      const run = (tx: Tx) => runStep(handler, { message, recipe, step, parameters, delivery, tx });
      const outgoing = opts.ledger === undefined ? await run(undefined as Tx) : (await opts.ledger.once(ledgerKey(delivery), run)).value;
      for (const m of outgoing) await transport.publish(m.queue, { id: m.key, idempotencyKey: m.key, body: m.body, headers: m.headers });
    },
  };
}

interface StepInput<Tx> {
  readonly message: RecipeMessage;
  readonly recipe: Recipe;
  readonly step: RecipeStep;
  readonly parameters: Record<string, Json>;
  readonly delivery: Delivery;
  readonly tx: Tx;
}

/** Run the handler and build the messages its sends become. */
async function runStep<Tx>(handler: ServiceHandler<Tx>, s: StepInput<Tx>): Promise<Outgoing[]> {
  const { message, recipe, step, delivery } = s;
  const pointer = message["recipe-pointer"];
  const sends: { output: Json; channel: string | undefined; to: number[] }[] = [];
  const ctx: StepContext<Tx> = {
    recipeId: message["recipe-id"],
    recipe,
    pointer,
    path: message["recipe-path"],
    step,
    parameters: s.parameters,
    payload: message.payload,
    environment: message.environment,
    delivery,
    tx: s.tx,
    send(output, channel) {
      const bad = nonJsonAt(output, "output");
      if (bad) throw invalid(`step ${pointer}: send: ${bad.path} is ${bad.what}, which JSON cannot carry`);
      const to = route(step, pointer, channel);
      sends.push({ output, channel, to });
      return to.length;
    },
  };
  const result = await handler(ctx);
  const environment = { ...message.environment };
  const storeAs = s.parameters.store_result;
  if (typeof storeAs === "string" && storeAs !== "") environment[storeAs] = result === undefined ? null : result;
  const json = recipeToJson(recipe);
  return sends.flatMap(({ output, channel, to }, index) =>
    to.map((dest) => ({
      queue: recipe.steps[dest]!.queue,
      key: childKey(message["recipe-id"], delivery.idempotencyKey, pointer, channel, index, dest),
      headers: recipeHeaders(message["recipe-id"], dest),
      body: {
        "recipe-id": message["recipe-id"],
        recipe: json,
        "recipe-pointer": dest,
        "recipe-path": [...message["recipe-path"], pointer],
        environment,
        payload: output,
      },
    })),
  );
}

/** The steps a send goes to (see the module comment for the rules). */
function route(step: RecipeStep, pointer: number, channel: string | undefined): number[] {
  const out = step.output;
  if (out === undefined) return [];
  const named = typeof out === "object" && !Array.isArray(out);
  if (!named) return channel === undefined ? stepDestinations(step).map((d) => d.step) : [];
  if (channel === undefined) throw invalid(`step ${pointer} has named outputs (${Object.keys(out).join(", ")}): send(output, channel) needs a channel`);
  return stepDestinations(step)
    .filter((d) => d.channel === channel)
    .map((d) => d.step);
}

function invalid(message: string): EmflowError {
  return new EmflowError("ValidationError", message);
}

/** Services consuming their queues. */
export interface RunningServices {
  readonly consumers: readonly Consumer[];
  /** Stop taking messages and wait for the steps in progress. */
  stop(): Promise<void>;
}

/** Consume each service's queue on `transport`; two services on one queue are refused. */
export async function runServices(transport: WorkTransport, services: readonly Service[]): Promise<RunningServices> {
  const queues = new Map<string, string>();
  for (const s of services) {
    const other = queues.get(s.queue);
    if (other !== undefined) throw invalid(`services ${other} and ${s.name} both consume queue '${s.queue}'`);
    queues.set(s.queue, s.name);
  }
  const consumers: Consumer[] = [];
  try {
    for (const s of services) consumers.push(await transport.consume(s.queue, (d) => s.handle(d, transport), { prefetch: s.prefetch, retry: s.retry }));
  } catch (err) {
    await Promise.all(consumers.map((c) => c.cancel()));
    throw err;
  }
  return { consumers, stop: async () => void (await Promise.all(consumers.map((c) => c.cancel()))) };
}
