/** EPU-like natural ids: one increasing counter for everything, with small random gaps. */
import type { Rng } from "./prng.js";

/** Hands out 7-digit ids that increase in creation order, as EPU's do. */
export class EpuIdAllocator {
  private last: number;

  constructor(
    private readonly rng: Rng,
    start = 3_000_000 + rng.int(0, 5_000_000),
  ) {
    this.last = start;
  }

  /** The next id; EPU's counter is shared by many object kinds, so consecutive ids of one kind skip a few. */
  next(maxGap = 3): string {
    this.last += 1 + this.rng.int(0, maxGap - 1);
    return String(this.last);
  }
}
