/** A located maximum: position in pixels (sub-pixel) and the interpolated height. */
export interface Peak {
  x: number;
  y: number;
  value: number;
}

/**
 * Vertex of the curve through (−1, a), (0, b), (1, c): a Gaussian (parabola through the logs) when
 * all three are positive, which is unbiased for the roughly Gaussian peaks of B-factor-filtered
 * correlations, otherwise a parabola.
 */
function vertex(a: number, b: number, c: number): { d: number; v: number } {
  if (a > 0 && b > 0 && c > 0 && b >= a && b >= c) {
    const la = Math.log(a);
    const lb = Math.log(b);
    const lc = Math.log(c);
    const den = la - 2 * lb + lc;
    if (den < 0) {
      const d = Math.max(-0.5, Math.min(0.5, (0.5 * (la - lc)) / den));
      return { d, v: Math.exp(lb - 0.25 * (la - lc) * d) };
    }
  }
  const den = a - 2 * b + c;
  if (!(den < 0)) return { d: 0, v: b };
  const d = Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / den));
  return { d, v: b - 0.25 * (a - c) * d };
}

/**
 * Sub-pixel peak of a periodic `w` × `h` map near integer maximum (ix, iy): separate 3-point
 * Gaussian (or parabolic) fits along x and y (wrapping at the edges).
 */
export function refinePeak(map: Float32Array, w: number, h: number, ix: number, iy: number): Peak {
  const at = (x: number, y: number): number => map[((y + h) % h) * w + ((x + w) % w)]!;
  const c = at(ix, iy);
  const px = vertex(at(ix - 1, iy), c, at(ix + 1, iy));
  const py = vertex(at(ix, iy - 1), c, at(ix, iy + 1));
  return { x: ix + px.d, y: iy + py.d, value: Math.max(px.v, py.v) };
}

/**
 * Largest value of a periodic map within `radius` pixels of (cx, cy) (integer position, wrapped),
 * refined to sub-pixel. Positions are returned unwrapped around (cx, cy), so a peak just left of
 * the origin comes back as x ≈ −1, not w − 1.
 */
export function findPeak(map: Float32Array, w: number, h: number, radius: number, cx = 0, cy = 0): Peak {
  // A radius past half the map would visit the same pixel twice under two unwrapped names.
  const r = Math.max(1, Math.min(Math.floor(radius), Math.floor((Math.min(w, h) - 1) / 2)));
  const r2 = radius * radius;
  const x0 = Math.round(cx);
  const y0 = Math.round(cy);
  let best = -Infinity;
  let bx = x0;
  let by = y0;
  for (let dy = -r; dy <= r; dy++) {
    const y = (((y0 + dy) % h) + h) % h;
    for (let dx = -r; dx <= r; dx++) {
      if (dx * dx + dy * dy > r2 && r2 >= 1) continue;
      const x = (((x0 + dx) % w) + w) % w;
      const v = map[y * w + x]!;
      if (v > best) {
        best = v;
        bx = x0 + dx;
        by = y0 + dy;
      }
    }
  }
  const wx = ((bx % w) + w) % w;
  const wy = ((by % h) + h) % h;
  const refined = refinePeak(map, w, h, wx, wy);
  return { x: bx + (refined.x - wx), y: by + (refined.y - wy), value: refined.value };
}
