/**
 * The server's port to live processing: what the HTTP layer needs to start,
 * stop and resume a session's processing, to hand it new micrographs, and to
 * show the work queues. The implementation (processing/live.ts) runs the
 * recipe on a work transport; a server without it answers 503.
 */
import type { IngestOutcome } from "../store/store.js";

/** Backlog of one work queue. */
export interface QueueBacklog {
  readonly queue: string;
  readonly ready: number;
  readonly inFlight: number;
  readonly dead: number;
}

/** A message in a dead-letter queue. */
export interface DeadLetterInfo {
  readonly id: string;
  readonly queue: string;
  readonly error: string;
  readonly deliveries: number;
  readonly micrographId?: string;
  readonly step?: string;
  readonly at?: string;
}

/** Start parameters a session's files may lack (see docs/PROCESSING.md). */
export interface StartParams {
  readonly apix?: number;
  readonly kv?: number;
  readonly cs?: number;
  readonly ac?: number;
  readonly dosePerFrame?: number;
  readonly diameter?: number;
  readonly superResolution?: boolean;
}

export interface ProcessingControl {
  /** Which transport carries the work ("sql" embedded or "amqp"). */
  readonly transport: string;
  /** Turn processing on for a session (merging params) and queue every micrograph not yet done. */
  start(acquisitionId: string, params?: StartParams): Promise<{ queued: number }>;
  /** Turn it off: nothing new is queued; work already queued finishes. */
  stop(acquisitionId: string): Promise<void>;
  /** Turn it back on with the stored params; finished micrographs are never queued again. */
  resume(acquisitionId: string): Promise<{ queued: number }>;
  /** Called after every ingest: queue the new micrographs of running sessions. */
  onIngest(outcome: IngestOutcome): void;
  backlog(): Promise<QueueBacklog[]>;
  deadLetters(queue?: string): Promise<DeadLetterInfo[]>;
  /** Put dead letters (all, or these ids) back on their queues; returns how many. */
  reinject(ids?: readonly string[]): Promise<number>;
  close(): Promise<void>;
}
