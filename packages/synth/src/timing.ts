/**
 * How long EPU takes per step at speed 1, from typical Krios/K3 sessions:
 * the schedule derives every file time from these, and `speed` divides them.
 */
export const TIMING = {
  /** Atlas screening happened this long before the session. */
  atlasBeforeSessionS: 2.5 * 3600,
  /** From session creation to the first square (alignments, template set-up). */
  sessionSetupS: 30,
  /** Stage move, eucentric height, square image and hole finding. */
  squareSetupS: 60,
  /** Move to the hole, hole image, centring (EPU's "hole alignment"). */
  holeAlignS: 15,
  /** One exposure including image-shift settle and readout. */
  exposureS: 6,
  /** Relative jitter applied to each duration. */
  jitter: 0.08,
} as const;
