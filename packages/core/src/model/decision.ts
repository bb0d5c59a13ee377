/**
 * Acquisition decisions as the server stores them: the per-session mode, and
 * the life of one decision (proposed → accepted | rejected | overridden |
 * superseded, and → sent once it reached the microscope) as an explicit
 * state machine, so the API, the engine and the dashboard agree on it.
 */
import { z } from "zod";

/** off: no decisions; advise: computed and shown, sent once an operator accepts; auto: sent when made. */
export const DecisionMode = z.enum(["off", "advise", "auto"]);
export type DecisionMode = z.infer<typeof DecisionMode>;

/** Where decisions go: the Smart EPU Decision Service, the agent's instruction channel, or nowhere (shown only). */
export const DecisionLink = z.enum(["none", "athena", "agent"]);
export type DecisionLink = z.infer<typeof DecisionLink>;

export const DecisionState = z.enum(["proposed", "accepted", "rejected", "overridden", "sent", "superseded"]);
export type DecisionState = z.infer<typeof DecisionState>;

/** What happens to a decision: an operator's action, the engine's send, or a newer decision replacing it. */
export type DecisionEvent = "accept" | "reject" | "override" | "send" | "supersede";

/** States no event leaves, except `override` of a sent decision (the microscope is told something else). */
const FINAL: ReadonlySet<DecisionState> = new Set(["rejected", "overridden", "superseded"]);

/**
 * The decision state machine: the state after `event`, or the reason it is not allowed
 * (an operator acting on a decision that is no longer open gets that reason as a 409).
 */
export function decisionTransition(state: DecisionState, event: DecisionEvent): { ok: true; state: DecisionState } | { ok: false; reason: string } {
  const no = (why: string) => ({ ok: false as const, reason: `cannot ${event} a decision that is ${state}: ${why}` });
  if (FINAL.has(state)) return no("it is closed");
  switch (event) {
    case "accept":
      return state === "proposed" ? { ok: true, state: "accepted" } : no("only proposed decisions can be accepted");
    case "reject":
      return state === "proposed" || state === "accepted" ? { ok: true, state: "rejected" } : no("it was already sent");
    case "override":
      return { ok: true, state: "overridden" };
    case "send":
      return state === "proposed" || state === "accepted" ? { ok: true, state: "sent" } : no("it was already sent");
    case "supersede":
      return state === "proposed" || state === "accepted" ? { ok: true, state: "superseded" } : no("it was already sent");
  }
}

/** Whether a decision still waits for an operator or the link (shown in the decision queue). */
export function decisionOpen(state: DecisionState): boolean {
  return state === "proposed" || state === "accepted";
}
