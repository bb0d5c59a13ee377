/**
 * A session's status in the USC service's vocabulary, computed from counts.
 * Pure, so every rule is tested without a server. See docs in index.ts for
 * where the counts come from (disk for unregistered data-root sessions, the
 * store's processing summary otherwise).
 */
import { z } from "zod";

/** The USC service's session states (its "unknown" initial state is never reported). */
export const UscState = z.enum([
  "incomplete_or_empty",
  "needs_processing",
  "processing_start",
  "processing",
  "processing_complete",
  "processing_failure",
]);
export type UscState = z.infer<typeof UscState>;

/** The counts a status is computed from. */
export interface StatusCounts {
  /** Movies known: raw files on disk (data-root sessions) or micrographs with a movie (agent sessions). */
  readonly raw: number;
  /** Movies with every processing step done (or, unregistered, with an output on disk). */
  readonly processed: number;
  /** Micrographs with a failed step. */
  readonly failedMicrographs: number;
  /** Failed jobs: failed steps summed over micrographs and steps. */
  readonly failedJobs: number;
  /** Micrographs with at least one step queued or run. */
  readonly started: number;
  /** Steps queued or running. */
  readonly inFlight: number;
  /** The session's processing switch is on. */
  readonly running: boolean;
}

/** The status numbers (snake_case, as USC clients read them). */
export interface StatusNumbers {
  readonly state: UscState;
  readonly raw_files: number;
  readonly processed_files: number;
  readonly failed_jobs: number;
  readonly percent_done_total: number;
  readonly percent_current_cycle: number;
}

const percent = (part: number, whole: number): number => (whole <= 0 ? 0 : Math.min(100, Math.round((100 * part) / whole)));

/**
 * - incomplete_or_empty: no movies yet.
 * - processing_complete: every movie processed (whether or not processing is on).
 * - processing_start: switched on, nothing queued or run yet.
 * - processing_failure: switched on, nothing in flight, and every movie not processed has failed.
 * - processing: switched on otherwise (work in flight, or new movies about to be queued).
 * - needs_processing: switched off (never started, or stopped) with movies left.
 *
 * percent_done_total = processed / raw; percent_current_cycle = started micrographs that
 * settled (processed or failed) / started: emflow queues continuously, so the "cycle" is
 * all work queued so far rather than the USC pipeline's batches of files.
 */
export function uscStatus(c: StatusCounts): StatusNumbers {
  const numbers = {
    raw_files: c.raw,
    processed_files: c.processed,
    failed_jobs: c.failedJobs,
    percent_done_total: percent(c.processed, c.raw),
    percent_current_cycle: percent(c.processed + c.failedMicrographs, c.started),
  };
  return { state: stateOf(c), ...numbers };
}

function stateOf(c: StatusCounts): UscState {
  if (c.raw === 0) return "incomplete_or_empty";
  if (c.processed >= c.raw) return "processing_complete";
  if (!c.running) return "needs_processing";
  if (c.inFlight > 0) return "processing";
  if (c.started === 0) return "processing_start";
  if (c.failedMicrographs > 0 && c.processed + c.failedMicrographs >= c.raw) return "processing_failure";
  return "processing";
}
