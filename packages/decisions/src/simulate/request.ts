/** What a caller asks the simulator for (CLI flags, an HTTP body): validated at that edge. */
import { z } from "zod";
import { PolicyName } from "../policy/types.js";

/** A simulation request: one policy (default ucb) or all (`compare`), the seed, the budget and the synthetic grid's size. */
export const SimulationRequest = z
  .object({
    policy: PolicyName.optional(),
    seed: z.number().int().default(1),
    hours: z.number().positive().max(24 * 30).default(24),
    /** Squares of the synthetic grid (not with a scenario file). */
    squares: z.number().int().min(4).max(5000).optional(),
    compare: z.boolean().default(false),
  })
  .strict()
  .refine((r) => !(r.compare && r.policy !== undefined), { message: "compare runs every policy; leave out the policy", path: ["policy"] });
export type SimulationRequest = z.infer<typeof SimulationRequest>;
