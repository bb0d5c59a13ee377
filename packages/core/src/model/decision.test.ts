import { describe, expect, it } from "vitest";
import { decisionOpen, decisionTransition, DecisionState, type DecisionEvent } from "./decision.js";

const next = (s: DecisionState, e: DecisionEvent) => {
  const t = decisionTransition(s, e);
  return t.ok ? t.state : `no: ${t.reason}`;
};

describe("decision state machine", () => {
  it("an advised decision is accepted, then sent", () => {
    expect(next("proposed", "accept")).toBe("accepted");
    expect(next("accepted", "send")).toBe("sent");
  });

  it("auto mode sends a proposed decision directly; a newer one supersedes an unsent one", () => {
    expect(next("proposed", "send")).toBe("sent");
    expect(next("proposed", "supersede")).toBe("superseded");
    expect(next("accepted", "supersede")).toBe("superseded");
  });

  it("an operator can override anything still standing, including what was sent", () => {
    for (const s of ["proposed", "accepted", "sent"] as const) expect(next(s, "override")).toBe("overridden");
  });

  it("closed decisions refuse every event, with the reason", () => {
    for (const s of ["rejected", "overridden", "superseded"] as const) {
      for (const e of ["accept", "reject", "override", "send", "supersede"] as const) {
        expect(next(s, e)).toMatch(new RegExp(`^no: cannot ${e} a decision that is ${s}: it is closed`));
      }
    }
  });

  it("a sent decision cannot be accepted, rejected or sent again", () => {
    expect(next("sent", "accept")).toMatch(/only proposed/);
    expect(next("sent", "reject")).toMatch(/already sent/);
    expect(next("sent", "send")).toMatch(/already sent/);
    expect(next("accepted", "accept")).toMatch(/only proposed/);
  });

  it("only proposed and accepted decisions are open", () => {
    expect(DecisionState.options.filter(decisionOpen)).toEqual(["proposed", "accepted"]);
  });
});
