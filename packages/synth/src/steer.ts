/**
 * Steered acquisition: before each grid square, ask a chooser which square to
 * take next (as a microscope driven by emflow's decisions would), move that
 * square in time to start where the previous one ended, and write it. The
 * session's square list ends up in the order actually acquired.
 */
import type { TimeBase } from "./format.js";
import { closingOp, openingOps, squareOps, type OperationOptions, type SynthAssets } from "./operations.js";
import type { SessionPlan, SquarePlan } from "./plan-types.js";
import { retimeSquare, SQUARE_GAP_TICKS } from "./retime.js";
import type { OpWriter } from "./writer.js";

/**
 * Picks the next grid square: `remaining` are the EPU grid-square ids not yet acquired, in planned
 * order; `done` those acquired, in acquisition order. Returning one of `remaining` takes it next;
 * `undefined` or any other value takes the first of `remaining`.
 */
export type NextSquareChooser = (remaining: readonly string[], done: readonly string[]) => string | undefined | Promise<string | undefined>;

export interface SteerContext {
  plan: SessionPlan;
  tb: TimeBase;
  assets: SynthAssets;
  ops: OperationOptions;
  writer: OpWriter;
  now: () => number;
  signal?: AbortSignal | undefined;
}

/** Settle with the chooser's answer, or reject with the abort reason as soon as `signal` fires. */
function askChooser(choose: NextSquareChooser, remaining: readonly string[], done: readonly string[], signal: AbortSignal | undefined): Promise<string | undefined> {
  const answer = new Promise<string | undefined>((resolve) => resolve(choose(remaining, done)));
  if (signal === undefined) return answer;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    answer.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

/**
 * Write the whole session, asking `choose` for each square when it is due to start (after the
 * previous square's final .dm). Reorders `plan.squares` in place to the acquired order, renumbers
 * their `index`, and sets `plan.endAt`, so the final EpuSession.dm and the truth follow it.
 */
export async function writeSteeredSession(ctx: SteerContext, choose: NextSquareChooser): Promise<void> {
  const { plan, tb, assets, writer, signal } = ctx;
  for (const op of openingOps(plan, tb, assets)) await writer.run(op);
  const remaining: SquarePlan[] = [...plan.squares];
  const done: SquarePlan[] = [];
  const counter = { shots: 0 };
  let t = remaining[0]?.startAt ?? plan.endAt;
  while (remaining.length > 0) {
    signal?.throwIfAborted();
    await writer.waitUntil(t);
    const asked = ctx.now();
    const id = await askChooser(
      choose,
      remaining.map((s) => s.atlas.id),
      done.map((s) => s.atlas.id),
      signal,
    );
    signal?.throwIfAborted();
    const k = Math.max(0, typeof id === "string" ? remaining.findIndex((s) => s.atlas.id === id) : -1);
    const [sq] = remaining.splice(k, 1) as [SquarePlan];
    retimeSquare(sq, t, done.length, tb);
    done.push(sq);
    let first = true;
    for (const op of squareOps(plan, tb, sq, assets, ctx.ops, counter)) {
      if (first) writer.absorbDelay(op.at, asked);
      first = false;
      await writer.run(op);
    }
    t = sq.endAt + SQUARE_GAP_TICKS;
  }
  plan.squares.splice(0, plan.squares.length, ...done);
  plan.endAt = t;
  await writer.run(closingOp(plan, tb));
}
