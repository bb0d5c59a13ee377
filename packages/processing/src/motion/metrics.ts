/**
 * Accumulated motion in Å from a trajectory in px: total over all frames, early over the first
 * `earlyFrames` frames (the path from frame 0 to frame earlyFrames − 1), late for the rest.
 * RELION's convention for "early" is the first few e⁻/Å²; we use the frames that end within
 * `earlyExposure` e⁻/Å² (at least 2, so there is one step), or a fixed count without a dose.
 */
export function motionFigures(trajectory: readonly (readonly [number, number])[], pixelSize: number, earlyFrames: number): { total: number; early: number; late: number } {
  let total = 0;
  let early = 0;
  for (let i = 1; i < trajectory.length; i++) {
    const step = Math.hypot(trajectory[i]![0] - trajectory[i - 1]![0], trajectory[i]![1] - trajectory[i - 1]![1]) * pixelSize;
    total += step;
    if (i < earlyFrames) early += step;
  }
  return { total, early, late: total - early };
}

/** Frames counted as early: those whose exposure ends within `earlyExposure` (at least 2). */
export function earlyFrameCount(frameCount: number, dosePerFrame: number | undefined, earlyExposure: number, preExposure: number, fallback: number): number {
  if (dosePerFrame === undefined) return Math.min(frameCount, Math.max(2, fallback));
  const n = Math.floor((earlyExposure - preExposure) / dosePerFrame + 1e-9);
  return Math.min(frameCount, Math.max(2, n));
}
