/** A located maximum: position in pixels (sub-pixel) and the interpolated height. */
export interface Peak {
  x: number;
  y: number;
  value: number;
}

/** Parabola through (−1, a), (0, b), (1, c): offset of its vertex and its height. */
function vertex(a: number, b: number, c: number): { d: number; v: number } {
  const den = a - 2 * b + c;
  if (!(den < 0)) return { d: 0, v: b };
  const d = Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / den));
  return { d, v: b - 0.25 * (a - c) * d };
}

/**
 * Sub-pixel peak of a periodic `w` × `h` map near integer maximum (ix, iy): separate parabolic
 * fits along x and y through the 3 × 3 neighbourhood (wrapping at the edges).
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
  const r = Math.max(1, Math.floor(radius));
  const r2 = radius * radius;
  let best = -Infinity;
  let bx = Math.round(cx);
  let by = Math.round(cy);
  const x0 = Math.round(cx);
  const y0 = Math.round(cy);
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
  const refined = refinePeak(map, w, h, ((bx % w) + w) % w, ((by % h) + h) % h);
  return { x: bx + (refined.x - (((bx % w) + w) % w)), y: by + (refined.y - (((by % h) + h) % h)), value: refined.value };
}
