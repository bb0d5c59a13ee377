/**
 * Accumulated motion the way RELION 3.1 reports it (rlnAccumMotionTotal /
 * Early / Late): the summed frame-to-frame displacement, split at the frame
 * where the accumulated dose passes a cutoff. RELION sums in pixels although
 * its label says Å; we multiply by the pixel size so the result is in Å.
 */

/** Options for {@link accumulatedMotion}. */
export interface AccumulatedMotionOptions {
  /** Å per pixel of the trajectory's pixels (the movie's). */
  readonly pixelSize: number;
  /** Electrons per Å² per frame. */
  readonly dosePerFrame: number;
  /** Electrons per Å² before the first frame. Default 0. */
  readonly preExposure?: number;
  /** Dose (e/Å²) separating early from late motion. RELION's default is 4. */
  readonly cutoffDose?: number;
  /** 1-based number of the trajectory's first frame. Default 1. */
  readonly firstFrame?: number;
}

/** Total, early and late accumulated motion in Å of a trajectory in pixels. */
export function accumulatedMotion(
  trajectory: readonly (readonly [number, number])[],
  opts: AccumulatedMotionOptions,
): { total_motion: number; early_motion: number; late_motion: number } {
  const cutoffFrame = ((opts.cutoffDose ?? 4) - (opts.preExposure ?? 0)) / opts.dosePerFrame;
  const first = opts.firstFrame ?? 1;
  let total = 0;
  let early = 0;
  let late = 0;
  for (let i = 1; i < trajectory.length; i++) {
    const [x0, y0] = trajectory[i - 1] as readonly [number, number];
    const [x1, y1] = trajectory[i] as readonly [number, number];
    const d = Math.hypot(x1 - x0, y1 - y0);
    total += d;
    // RELION attributes the step into frame f (1-based) to "early" when f <= cutoff frame.
    if (first + i <= cutoffFrame) early += d;
    else late += d;
  }
  return { total_motion: total * opts.pixelSize, early_motion: early * opts.pixelSize, late_motion: late * opts.pixelSize };
}
