/** Policies by name, so the CLI and the server pick one from a string. */
import { EmflowError } from "@emflow/core";
import { epuPolicy } from "./epu.js";
import { greedyPolicy, type GreedyOptions } from "./greedy.js";
import { PolicyName, type Policy } from "./types.js";
import { ucbPolicy, type UcbOptions } from "./ucb.js";

/** Every policy name, the default first. */
export const POLICY_NAMES: readonly PolicyName[] = PolicyName.options;

/** A fresh policy instance by name (one per acquisition: instances cache). Throws on an unknown name. */
export function policyByName(name: string, options: { ucb?: UcbOptions; greedy?: GreedyOptions } = {}): Policy {
  const r = PolicyName.safeParse(name);
  if (!r.success) throw new EmflowError("ValidationError", `unknown policy "${name}" (one of: ${POLICY_NAMES.join(", ")})`);
  const n = r.data;
  switch (n) {
    case "epu":
      return epuPolicy();
    case "greedy":
      return greedyPolicy(options.greedy);
    case "ucb":
      return ucbPolicy(options.ucb);
  }
}
