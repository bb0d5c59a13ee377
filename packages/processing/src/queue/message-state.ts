/**
 * The life of a message, as one reducer both adapters follow:
 *
 *   ready ──deliver──▶ in_flight ──ack──▶ acked
 *     ▲                  │  │
 *     │  fail (retry) /  │  │ fail (limit reached or not retryable) /
 *     └─ release ────────┘  └─ release on the last delivery ──▶ dead ──reinject──▶ ready
 *
 * `release` is a delivery that ended without an answer: the consumer closed,
 * crashed, or its lease ran out. It counts as a delivery, so a message that
 * kills its consumer every time still ends in the dead-letter queue.
 */
import { isEmflowError, TransportError } from "@emflow/core";

/** Where a message is. `acked` is final (the adapters delete it). */
export type MessageState = "ready" | "in_flight" | "acked" | "dead";

/** What can happen to a message. */
export type MessageAction =
  | { readonly type: "deliver" }
  | { readonly type: "ack" }
  | { readonly type: "fail"; readonly error: string; readonly retryable: boolean }
  | { readonly type: "release"; readonly reason: string }
  | { readonly type: "reinject" };

/** The part of a message the state machine decides on. */
export interface MessageStatus {
  readonly state: MessageState;
  /** Deliveries so far (1 while the first delivery is in flight). */
  readonly deliveryCount: number;
  readonly lastError: string | undefined;
}

/** A message just published. */
export const PUBLISHED: MessageStatus = { state: "ready", deliveryCount: 0, lastError: undefined };

/** Apply `action` to a message whose queue allows `deliveryLimit` deliveries; throws on an impossible transition. */
export function reduceMessage(m: MessageStatus, action: MessageAction, deliveryLimit: number): MessageStatus {
  switch (`${m.state}:${action.type}`) {
    case "ready:deliver":
      return { ...m, state: "in_flight", deliveryCount: m.deliveryCount + 1 };
    case "in_flight:ack":
      return { ...m, state: "acked" };
    case "in_flight:fail": {
      const a = action as Extract<MessageAction, { type: "fail" }>;
      const again = a.retryable && m.deliveryCount < deliveryLimit;
      return { ...m, state: again ? "ready" : "dead", lastError: a.error };
    }
    case "in_flight:release": {
      const a = action as Extract<MessageAction, { type: "release" }>;
      if (m.deliveryCount < deliveryLimit) return { ...m, state: "ready" };
      return { ...m, state: "dead", lastError: `${a.reason} on delivery ${m.deliveryCount} of ${deliveryLimit}${m.lastError === undefined ? "" : ` (last error: ${m.lastError})`}` };
    }
    case "dead:reinject":
      return { ...m, state: "ready", deliveryCount: 0 };
    default:
      throw new TransportError(`a message in state ${m.state} cannot ${action.type}`);
  }
}

/** One line for a handler's failure, as stored with the message. */
export function errorText(err: unknown): string {
  // Tagged errors name their file (and line): keep that, it is what an operator needs first.
  if (isEmflowError(err)) return `${err.name}: ${err.toLine()}`;
  if (err instanceof Error) return err.message === "" ? err.name : `${err.name}: ${err.message}`;
  return String(err);
}
