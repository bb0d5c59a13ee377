/**
 * InstructionListener: follows the server's instruction stream for this agent
 * (SSE over fetch), applies each instruction once through a handler and acks
 * it. Drops and silent connections (no heartbeat within the deadline) end in a
 * reconnect with capped backoff and Last-Event-ID. At-least-once on the wire,
 * once on the microscope PC: the persisted ledger skips what was applied
 * before and acks it again.
 */
import type { Logger } from "pino";
import { Instruction, TransportError } from "@emflow/core";
import { abortableSleep, type Backoff } from "../client/sender.js";
import type { InstructionHandler } from "./file-handler.js";
import type { InstructionLedger } from "./ledger.js";
import { SseParser, type SseEvent } from "./sse-parser.js";

/** Injected timers for the heartbeat watchdog (fake ones in tests). */
export interface WatchdogTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of the listener. */
export interface InstructionListenerOptions {
  /** Server base URL, e.g. http://10.0.0.5:8080 */
  readonly server: string;
  readonly agentId: string;
  readonly token?: string;
  readonly ledger: InstructionLedger;
  readonly handler: InstructionHandler;
  /** Reconnect delays (default 500 ms doubling to 30 s). */
  readonly backoff?: Backoff;
  /** Reconnect when nothing arrives for this long (default: 3 × the heartbeat the server announces, else 45 s). */
  readonly heartbeatTimeoutMs?: number;
  /** Time limit of an ack request (default 10 s). */
  readonly ackTimeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly timers?: WatchdogTimers;
  readonly log?: Logger;
}

/** Counters for status lines and tests. */
export interface InstructionListenerStats {
  connected: boolean;
  connects: number;
  received: number;
  applied: number;
  /** Received again after being applied here: acked, not applied. */
  duplicates: number;
  expired: number;
  acked: number;
  ackFailures: number;
  handlerFailures: number;
  lastEventId: string | undefined;
  lastError: string | undefined;
}

const DEFAULT_TIMEOUT_MS = 45_000;

/** The loop described above; `run()` returns when the signal aborts. */
export class InstructionListener {
  readonly stats: InstructionListenerStats = {
    connected: false, connects: 0, received: 0, applied: 0, duplicates: 0, expired: 0, acked: 0, ackFailures: 0, handlerFailures: 0, lastEventId: undefined, lastError: undefined,
  };
  private chain: Promise<void> = Promise.resolve();
  // Set when a connection got a stream: the next reconnect starts from the shortest delay.
  private reached = false;
  private readonly streamUrl: string;

  constructor(private readonly opts: InstructionListenerOptions) {
    this.streamUrl = new URL(`/api/v1/agents/${encodeURIComponent(opts.agentId)}/instructions`, opts.server).toString();
    this.stats.lastEventId = opts.ledger.lastEventId;
  }

  /** Connect, apply, ack, reconnect, until `signal` aborts; then wait for the instruction being applied. */
  async run(signal: AbortSignal): Promise<void> {
    const sleep = this.opts.sleep ?? abortableSleep;
    const backoff = this.opts.backoff ?? { initialMs: 500, maxMs: 30_000 };
    let attempt = 0;
    while (!signal.aborted) {
      this.reached = false;
      try {
        await this.connectOnce(signal);
        if (!signal.aborted) this.opts.log?.info({ agentId: this.opts.agentId }, "instruction stream ended; reconnecting");
      } catch (err) {
        if (signal.aborted) break;
        this.stats.lastError = (err as Error).message;
        if (attempt === 0 || attempt % 10 === 0) this.opts.log?.warn({ agentId: this.opts.agentId, attempt: attempt + 1, err: (err as Error).message }, "instruction stream failed; reconnecting");
      }
      this.stats.connected = false;
      attempt = this.reached ? 1 : attempt + 1;
      const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt - 1, 20));
      await sleep(delay, signal).catch(() => undefined);
    }
    await this.chain;
  }

  /** One connection; resolves when the server ends the stream, rejects when it fails. */
  private async connectOnce(outer: AbortSignal): Promise<void> {
    const conn = new AbortController();
    const onAbort = (): void => conn.abort(outer.reason);
    outer.addEventListener("abort", onAbort, { once: true });
    const timers = this.opts.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
    let deadlineMs = this.opts.heartbeatTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    let watchdog: unknown;
    const arm = (): void => {
      if (watchdog !== undefined) timers.clearTimeout(watchdog);
      watchdog = timers.setTimeout(() => {
        this.opts.log?.warn({ agentId: this.opts.agentId, silentMs: deadlineMs }, "no heartbeat from the server; reconnecting");
        conn.abort(new TransportError(`no data from the server for ${deadlineMs} ms`));
      }, deadlineMs);
    };
    try {
      arm();
      const headers: Record<string, string> = { accept: "text/event-stream" };
      if (this.opts.token !== undefined) headers.authorization = `Bearer ${this.opts.token}`;
      const lastId = this.opts.ledger.lastEventId;
      if (lastId !== undefined) headers["last-event-id"] = lastId;
      const res = await (this.opts.fetch ?? fetch)(this.streamUrl, { headers, signal: conn.signal }).catch((err: unknown) => {
        throw new TransportError(`cannot reach ${this.opts.server}: ${causeOf(err)}`, { cause: err });
      });
      if (!res.ok || res.body === null) {
        const text = await res.text().catch(() => "");
        throw new TransportError(`instruction stream: server answered ${res.status}: ${messageOf(text)}`);
      }
      this.stats.connects++;
      this.reached = true;
      this.stats.connected = true;
      this.opts.log?.info({ agentId: this.opts.agentId, lastEventId: lastId }, "instruction stream connected");
      const parser = new SseParser({
        event: (e) => {
          if (e.event === "ready") deadlineMs = this.deadlineFrom(e.data);
          else if (e.event === "instruction") this.receive(e, outer);
        },
      });
      const reader = res.body.getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          arm();
          parser.push(value);
        }
      } catch (err) {
        if (outer.aborted) return;
        throw new TransportError(`instruction stream broke: ${causeOf(conn.signal.reason ?? err)}`, { cause: err });
      } finally {
        reader.releaseLock();
      }
    } finally {
      if (watchdog !== undefined) timers.clearTimeout(watchdog);
      outer.removeEventListener("abort", onAbort);
      conn.abort();
    }
  }

  private deadlineFrom(data: string): number {
    if (this.opts.heartbeatTimeoutMs !== undefined) return this.opts.heartbeatTimeoutMs;
    const hb = (safeJson(data) as { heartbeatMs?: unknown } | undefined)?.heartbeatMs;
    return typeof hb === "number" && hb > 0 ? 3 * hb : DEFAULT_TIMEOUT_MS;
  }

  private receive(e: SseEvent, signal: AbortSignal): void {
    this.stats.received++;
    if (e.id !== undefined) {
      this.opts.ledger.lastEventId = e.id;
      this.stats.lastEventId = e.id;
    }
    const parsed = Instruction.safeParse(safeJson(e.data));
    if (!parsed.success) {
      this.opts.log?.warn({ agentId: this.opts.agentId, eventId: e.id }, "ignored an instruction event the agent cannot read");
      return;
    }
    // One at a time, in the order received: a redelivery queued behind its first copy finds it in the ledger.
    this.chain = this.chain.then(() => this.apply(parsed.data, signal));
  }

  private async apply(i: Instruction, signal: AbortSignal): Promise<void> {
    const log = this.opts.log?.child({ instructionId: i.id, seq: i.seq, kind: i.kind, acquisitionId: i.acquisitionId });
    if (this.opts.ledger.has(i.id)) {
      this.stats.duplicates++;
      log?.info("instruction applied before; acknowledging again");
      await this.ack(i, log);
      return;
    }
    const now = (this.opts.now ?? Date.now)();
    if (Date.parse(i.expiresAt) <= now) {
      this.stats.expired++;
      log?.warn({ expiresAt: i.expiresAt }, "instruction expired before it could be applied; ignored");
      return;
    }
    try {
      await this.opts.handler(i, signal);
    } catch (err) {
      this.stats.handlerFailures++;
      this.stats.lastError = (err as Error).message;
      log?.error({ err }, "instruction handler failed; the server will send it again");
      return;
    }
    await this.opts.ledger.recordApplied(i.id, new Date(now));
    this.stats.applied++;
    log?.info("instruction applied");
    await this.ack(i, log);
  }

  private async ack(i: Instruction, log: Logger | undefined): Promise<void> {
    const url = new URL(`/api/v1/agents/${encodeURIComponent(this.opts.agentId)}/instructions/${i.id}/ack`, this.opts.server);
    const headers: Record<string, string> = {};
    if (this.opts.token !== undefined) headers.authorization = `Bearer ${this.opts.token}`;
    try {
      const res = await (this.opts.fetch ?? fetch)(url, { method: "POST", headers, signal: AbortSignal.timeout(this.opts.ackTimeoutMs ?? 10_000) });
      const text = await res.text().catch(() => "");
      if (!res.ok) throw new TransportError(`ack: server answered ${res.status}: ${messageOf(text)}`);
      await this.opts.ledger.recordAcked(i.id);
      this.stats.acked++;
    } catch (err) {
      // Not retried here: the server sends an unacked instruction again, and the ledger turns that into an ack.
      this.stats.ackFailures++;
      this.stats.lastError = (err as Error).message;
      log?.warn({ err: (err as Error).message }, "ack failed; expecting a redelivery");
    }
  }
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
}

function messageOf(text: string): string {
  return (safeJson(text) as { error?: { message?: string } } | undefined)?.error?.message ?? text.slice(0, 200);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
