/**
 * Gain reference rotation and flipping in RELION's conventions (--gain_rot,
 * --gain_flip; the same as MotionCor2's -RotGain and -FlipGain), applied to
 * arrays in file row order (row 0 = the first row stored):
 *
 * - rotate 1: 90° clockwise as relion_display shows it (row 0 at the top):
 *   out[x][h-1-y] = in[y][x], so the result is h wide and w high.
 *   rotate 2: 180°; rotate 3: 270° clockwise (out[w-1-x][y] = in[y][x]).
 * - flip, applied after the rotation: 1 upside down (rows reversed),
 *   2 left to right (columns reversed).
 *
 * RELION reads TIFFs flipped along y. To reproduce a RELION setting for a TIFF
 * gain or movie exactly, read both with flipY (see readGain, openTiff).
 */

/** A gain reference: width × height multiplicative factors (corrected = raw × gain), row-major. */
export interface GainReference {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
  /** Where it was read from (for error messages). */
  readonly file?: string;
}

export interface GainTransform {
  /** Quarter turns clockwise (RELION --gain_rot). */
  readonly rotate?: 0 | 1 | 2 | 3;
  /** 0 none, 1 upside down, 2 left to right (RELION --gain_flip), after the rotation. */
  readonly flip?: 0 | 1 | 2;
}

/** The gain rotated, then flipped; a new array unless both are 0. */
export function transformGain(gain: GainReference, t: GainTransform): GainReference {
  const rotate = t.rotate ?? 0;
  const flip = t.flip ?? 0;
  if (![0, 1, 2, 3].includes(rotate)) throw new RangeError(`gain rotation must be 0, 1, 2 or 3, not ${rotate}`);
  if (![0, 1, 2].includes(flip)) throw new RangeError(`gain flip must be 0, 1 or 2, not ${flip}`);
  if (rotate === 0 && flip === 0) return gain;
  const { width: w, height: h, data } = gain;
  const ow = rotate % 2 === 1 ? h : w;
  const oh = rotate % 2 === 1 ? w : h;
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Where in[y][x] lands after the rotation…
      let ox = x;
      let oy = y;
      if (rotate === 1) [ox, oy] = [h - 1 - y, x];
      else if (rotate === 2) [ox, oy] = [w - 1 - x, h - 1 - y];
      else if (rotate === 3) [ox, oy] = [y, w - 1 - x];
      // …and after the flip.
      if (flip === 1) oy = oh - 1 - oy;
      else if (flip === 2) ox = ow - 1 - ox;
      out[oy * ow + ox] = data[y * w + x]!;
    }
  }
  return { ...gain, width: ow, height: oh, data: out };
}
