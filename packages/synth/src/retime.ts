/**
 * Moving a planned square in time, for steered acquisition: when the squares
 * are taken in another order than planned, each one is shifted so that it
 * starts where the previous one ended, and the names that embed EPU's file
 * stamp are rebuilt from the shifted times.
 */
import { seconds, type TimeBase } from "./format.js";
import type { ImagePlan, SquarePlan } from "./plan-types.js";

/** Gap between the end of one square and the start of the next, as the planner leaves it. */
export const SQUARE_GAP_TICKS = seconds(5);

function shiftImage(img: ImagePlan, delta: number, tb: TimeBase): void {
  const stamp = tb.fileStamp(img.stampAt);
  if (!img.base.endsWith(`_${stamp}`)) throw new Error(`image base ${img.base} does not end with its file stamp ${stamp}`);
  const prefix = img.base.slice(0, img.base.length - stamp.length);
  img.stampAt += delta;
  img.acquiredAt += delta;
  img.base = prefix + tb.fileStamp(img.stampAt);
}

/**
 * Shift every time of `sq` (square, holes, images, exposures) so that it starts at tick `startAt`,
 * rebuild the stamped file and micrograph names, and make it the `index`-th square acquired.
 * Mutates `sq`; a zero shift leaves it unchanged apart from `index`.
 */
export function retimeSquare(sq: SquarePlan, startAt: number, index: number, tb: TimeBase): void {
  sq.index = index;
  const delta = startAt - sq.startAt;
  if (delta === 0) return;
  sq.startAt += delta;
  sq.metadataAt += delta;
  sq.endAt += delta;
  shiftImage(sq.image, delta, tb);
  for (const hole of sq.holes) {
    if (!hole.selected) continue;
    hole.startAt += delta;
    hole.endAt += delta;
    if (hole.image !== undefined) shiftImage(hole.image, delta, tb);
    for (const shot of hole.shots) {
      shiftImage(shot.image, delta, tb);
      shot.name = shot.image.base;
    }
  }
}
