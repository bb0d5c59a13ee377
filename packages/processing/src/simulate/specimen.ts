import type { Rng } from "./rng.js";

/**
 * Random particle centres (px) at least `spacing` px apart and `margin` px from the edges, by
 * dart throwing (stops after many failed darts when the area is full).
 */
export function placeParticles(rng: Rng, width: number, height: number, count: number, spacing: number, margin: number): [number, number][] {
  const out: [number, number][] = [];
  const cell = spacing;
  const gw = Math.max(1, Math.ceil(width / cell));
  const gh = Math.max(1, Math.ceil(height / cell));
  const grid = new Int32Array(gw * gh).fill(-1);
  let failures = 0;
  while (out.length < count && failures < 2000) {
    const x = margin + rng.uniform() * Math.max(0, width - 2 * margin);
    const y = margin + rng.uniform() * Math.max(0, height - 2 * margin);
    const gx = Math.min(gw - 1, Math.floor(x / cell));
    const gy = Math.min(gh - 1, Math.floor(y / cell));
    let free = true;
    for (let j = Math.max(0, gy - 1); j <= Math.min(gh - 1, gy + 1) && free; j++) {
      for (let i = Math.max(0, gx - 1); i <= Math.min(gw - 1, gx + 1); i++) {
        const k = grid[j * gw + i]!;
        if (k >= 0 && Math.hypot(out[k]![0] - x, out[k]![1] - y) < spacing) {
          free = false;
          break;
        }
      }
    }
    if (!free) {
      failures++;
      continue;
    }
    failures = 0;
    grid[gy * gw + gx] = out.length;
    out.push([x, y]);
  }
  return out;
}

/**
 * Add `contrast` × projected density of each particle to `image`: a projected sphere of radius
 * r (√(1 − ρ²/r²), 70 %) plus four Gaussian blobs inside it (30 %), peak ≈ 1 before scaling.
 */
export function renderParticles(rng: Rng, image: Float32Array, width: number, height: number, centres: readonly [number, number][], radius: number, contrast: number): void {
  const r2 = radius * radius;
  const sigma = 0.22 * radius;
  const inv2s2 = 1 / (2 * sigma * sigma);
  for (const [cx, cy] of centres) {
    const blobs: [number, number, number][] = [];
    for (let b = 0; b < 4; b++) {
      const a = 2 * Math.PI * rng.uniform();
      const d = 0.55 * radius * Math.sqrt(rng.uniform());
      blobs.push([cx + d * Math.cos(a), cy + d * Math.sin(a), 0.5 + 0.5 * rng.uniform()]);
    }
    const x0 = Math.max(0, Math.floor(cx - radius));
    const x1 = Math.min(width - 1, Math.ceil(cx + radius));
    const y0 = Math.max(0, Math.floor(cy - radius));
    const y1 = Math.min(height - 1, Math.ceil(cy + radius));
    for (let y = y0; y <= y1; y++) {
      const dy = y - cy;
      for (let x = x0; x <= x1; x++) {
        const dx = x - cx;
        const q = 1 - (dx * dx + dy * dy) / r2;
        if (q <= 0) continue;
        let blob = 0;
        for (const [bx, by, amp] of blobs) blob += amp * Math.exp(-((x - bx) ** 2 + (y - by) ** 2) * inv2s2);
        image[y * width + x]! += contrast * (0.7 * Math.sqrt(q) + 0.3 * Math.min(1, blob));
      }
    }
  }
}

/** Add white Gaussian texture of standard deviation `sigma` (amorphous ice) to `image`. */
export function addTexture(rng: Rng, image: Float32Array, sigma: number): void {
  if (sigma === 0) return;
  for (let i = 0; i < image.length; i++) image[i]! += sigma * rng.normal();
}
