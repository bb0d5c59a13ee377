/**
 * Transform sizes PFFFT accepts. PFFFT factors lengths into 2, 3 and 5 only, and its SIMD build
 * works on groups of four floats, so a complex length must be a multiple of 16 and a real length a
 * multiple of 32 (with the quotient by 4 being 2,3,5-smooth). We enforce the SIMD rules in both
 * builds so a size that works on one machine works on every machine.
 */

function isSmooth235(n: number): boolean {
  if (!Number.isInteger(n) || n < 1) return false;
  for (const p of [2, 3, 5]) while (n % p === 0) n /= p;
  return n === 1;
}

/** True when `n` points can be transformed as complex data (multiple of 16, factors 2,3,5). */
export function isGoodComplexSize(n: number): boolean {
  return Number.isInteger(n) && n >= 16 && n % 16 === 0 && isSmooth235(n / 4);
}

/** True when `n` real points can be transformed (multiple of 32, factors 2,3,5). */
export function isGoodRealSize(n: number): boolean {
  return Number.isInteger(n) && n >= 32 && n % 32 === 0 && isSmooth235(n / 4);
}

/** True when a `width` × `height` real image can be transformed in 2D (width real, height complex). */
export function isGood2dSize(width: number, height: number): boolean {
  return isGoodRealSize(width) && isGoodComplexSize(height);
}

/** Smallest good size ≥ `n` (real: multiple of 32; complex: multiple of 16). */
export function nextGoodSize(n: number, kind: "real" | "complex" = "real"): number {
  const ok = kind === "real" ? isGoodRealSize : isGoodComplexSize;
  let m = Math.max(kind === "real" ? 32 : 16, Math.ceil(n));
  while (!ok(m)) m++;
  return m;
}

/** Largest good size ≤ `n`, or 0 when there is none (n below 32 or 16). */
export function goodSizeAtMost(n: number, kind: "real" | "complex" = "real"): number {
  const ok = kind === "real" ? isGoodRealSize : isGoodComplexSize;
  for (let m = Math.floor(n); m >= 16; m--) if (ok(m)) return m;
  return 0;
}
