/** The USC states and percentages from counts. */
import { describe, expect, it } from "vitest";
import { uscStatus, type StatusCounts } from "./status.js";

const base: StatusCounts = { raw: 10, processed: 0, failedMicrographs: 0, failedJobs: 0, started: 0, inFlight: 0, running: false };
const at = (c: Partial<StatusCounts>) => uscStatus({ ...base, ...c });

describe("uscStatus", () => {
  it("maps the lifecycle onto the USC states", () => {
    expect(at({ raw: 0 }).state).toBe("incomplete_or_empty");
    expect(at({}).state).toBe("needs_processing");
    expect(at({ running: true }).state).toBe("processing_start");
    expect(at({ running: true, started: 4, inFlight: 4 }).state).toBe("processing");
    expect(at({ running: true, started: 10, processed: 8, failedMicrographs: 2, failedJobs: 3 }).state).toBe("processing_failure");
    // Failures but movies not yet queued (new arrivals): still processing.
    expect(at({ running: true, started: 8, processed: 6, failedMicrographs: 2 }).state).toBe("processing");
    expect(at({ processed: 10, started: 10 }).state).toBe("processing_complete");
    expect(at({ running: true, processed: 10, started: 10 }).state).toBe("processing_complete");
    // Stopped half way.
    expect(at({ started: 5, processed: 3, inFlight: 2 }).state).toBe("needs_processing");
  });

  it("computes rounded, capped percentages", () => {
    expect(at({ processed: 1, raw: 3, started: 2, failedMicrographs: 0, running: true, inFlight: 1 })).toEqual({
      state: "processing",
      raw_files: 3,
      processed_files: 1,
      failed_jobs: 0,
      percent_done_total: 33,
      percent_current_cycle: 50,
    });
    expect(at({ raw: 2, processed: 3 }).percent_done_total).toBe(100);
    expect(at({ raw: 0 }).percent_done_total).toBe(0);
  });
});
