import { describe, expect, it } from "vitest";
import { isEmflowError } from "@emflow/core";
import { errorText, PUBLISHED, reduceMessage, type MessageStatus } from "./message-state.js";

const run = (limit: number, ...actions: Parameters<typeof reduceMessage>[1][]): MessageStatus => actions.reduce((m, a) => reduceMessage(m, a, limit), PUBLISHED);
const fail = (error: string, retryable = true) => ({ type: "fail" as const, error, retryable });

describe("message state machine", () => {
  it("acks a delivered message", () => {
    expect(run(5, { type: "deliver" }, { type: "ack" })).toEqual({ state: "acked", deliveryCount: 1, lastError: undefined });
  });

  it("retries a failure until the delivery limit, then dies with the last error", () => {
    const once = run(3, { type: "deliver" }, fail("e1"));
    expect(once).toEqual({ state: "ready", deliveryCount: 1, lastError: "e1" });
    expect(run(3, { type: "deliver" }, fail("e1"), { type: "deliver" }, fail("e2"), { type: "deliver" }, fail("e3"))).toEqual({ state: "dead", deliveryCount: 3, lastError: "e3" });
  });

  it("dies at once when the failure is not retryable", () => {
    expect(run(5, { type: "deliver" }, fail("bad input", false))).toEqual({ state: "dead", deliveryCount: 1, lastError: "bad input" });
  });

  it("counts a lost delivery, and a loss on the last delivery is death with both reasons", () => {
    expect(run(2, { type: "deliver" }, { type: "release", reason: "lease expired" })).toMatchObject({ state: "ready", deliveryCount: 1 });
    const dead = run(2, { type: "deliver" }, fail("oom"), { type: "deliver" }, { type: "release", reason: "lease expired" });
    expect(dead).toEqual({ state: "dead", deliveryCount: 2, lastError: "lease expired on delivery 2 of 2 (last error: oom)" });
  });

  it("reinjects a dead message with a fresh count", () => {
    const back = reduceMessage(run(1, { type: "deliver" }, fail("x")), { type: "reinject" }, 1);
    expect(back).toEqual({ state: "ready", deliveryCount: 0, lastError: "x" });
    expect(reduceMessage(back, { type: "deliver" }, 1)).toMatchObject({ state: "in_flight", deliveryCount: 1 });
  });

  it("refuses impossible transitions", () => {
    for (const [m, a] of [
      [PUBLISHED, { type: "ack" }],
      [run(5, { type: "deliver" }), { type: "deliver" }],
      [run(5, { type: "deliver" }, { type: "ack" }), fail("late")],
      [PUBLISHED, { type: "reinject" }],
    ] as const) {
      let err: unknown;
      try {
        reduceMessage(m, a, 5);
      } catch (e) {
        err = e;
      }
      expect(isEmflowError(err, "TransportError"), `${m.state} + ${a.type}`).toBe(true);
    }
  });

  it("writes errors as one line with their name", () => {
    expect(errorText(new RangeError("too big"))).toBe("RangeError: too big");
    expect(errorText("plain")).toBe("plain");
  });
});
