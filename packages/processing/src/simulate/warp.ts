/**
 * Crop and warp in one pass: output pixel (x, y) of a `width` × `height` image takes `src` (a larger
 * `srcWidth` × `srcHeight` image whose pixel (x + offset, y + offset) is the same place) at
 * (x, y) − D(x, y), with Catmull–Rom (Keys a = −0.5) cubic interpolation. D is the quadratic
 * displacement field with basis coefficients `cx`, `cy` (see DeformationTruth).
 */
export function warpQuadratic(
  src: Float32Array,
  srcWidth: number,
  srcHeight: number,
  offset: number,
  width: number,
  height: number,
  cx: readonly number[],
  cy: readonly number[],
  out: Float32Array,
): void {
  const [ax0, ax1, ax2, ax3, ax4] = cx as [number, number, number, number, number];
  const [ay0, ay1, ay2, ay3, ay4] = cy as [number, number, number, number, number];
  const wx = new Float64Array(4);
  const wy = new Float64Array(4);
  for (let y = 0; y < height; y++) {
    const yh = (2 * y - (height - 1)) / height;
    // D(x̂) = c0 + c1 x̂ + c2 x̂² along this row, per axis.
    const px0 = ax1 * yh + ax3 * (yh * yh - 1 / 3) - ax2 / 3;
    const px1 = ax0 + ax4 * yh;
    const py0 = ay1 * yh + ay3 * (yh * yh - 1 / 3) - ay2 / 3;
    const py1 = ay0 + ay4 * yh;
    for (let x = 0; x < width; x++) {
      const xh = (2 * x - (width - 1)) / width;
      const sx = x + offset - (px0 + px1 * xh + ax2 * xh * xh);
      const sy = y + offset - (py0 + py1 * xh + ay2 * xh * xh);
      const ix = Math.floor(sx);
      const iy = Math.floor(sy);
      keys(sx - ix, wx);
      keys(sy - iy, wy);
      let v = 0;
      for (let j = 0; j < 4; j++) {
        const row = Math.min(srcHeight - 1, Math.max(0, iy - 1 + j)) * srcWidth;
        let s = 0;
        for (let i = 0; i < 4; i++) s += wx[i]! * src[row + Math.min(srcWidth - 1, Math.max(0, ix - 1 + i))]!;
        v += wy[j]! * s;
      }
      out[y * width + x] = v;
    }
  }
}

/** Catmull–Rom weights for the four samples around fraction t ∈ [0, 1). */
function keys(t: number, w: Float64Array): void {
  const t2 = t * t;
  const t3 = t2 * t;
  w[0] = 0.5 * (-t3 + 2 * t2 - t);
  w[1] = 0.5 * (3 * t3 - 5 * t2 + 2);
  w[2] = 0.5 * (-3 * t3 + 4 * t2 + t);
  w[3] = 0.5 * (t3 - t2);
}
