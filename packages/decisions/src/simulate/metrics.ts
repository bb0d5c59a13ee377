/**
 * Processing metrics of a simulated exposure. The outcome (good or bad) is drawn first from the
 * hole's hidden probability; the metrics are then drawn to agree with it under the default
 * quality rule, with realistic spread, and with a failure that fits the hole's ice when known
 * (thick ice fails on ice and CTF, an empty hole on particles).
 */
import type { MicrographMetrics } from "@emflow/core";
import type { Prng } from "./prng.js";

// Inelastic mean free path used to turn ice thickness (nm) into the relative thickness t/λ.
const LAMBDA_NM = 350;

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** Metrics inside every default limit (CTF ≤ 5 Å, motion ≤ 40 Å, astigmatism ≤ 1000 Å, ice ≤ 0.25, ≥ 20 particles). */
function goodMetrics(rng: Prng, iceNm: number | undefined): MicrographMetrics {
  const defocus = rng.uniform(8000, 22000);
  const astig = clamp(Math.abs(rng.normal(0, 220)), 0, 950);
  return {
    totalMotionA: clamp(10 + Math.abs(rng.normal(0, 7)), 2, 39),
    earlyMotionA: clamp(4 + Math.abs(rng.normal(0, 3)), 0.5, 20),
    lateMotionA: clamp(3 + Math.abs(rng.normal(0, 2)), 0.5, 15),
    defocusUA: defocus + astig,
    defocusVA: defocus,
    astigmatismA: astig,
    ctfScore: rng.uniform(0.08, 0.3),
    ctfFitResolutionA: clamp(rng.normal(3.6, 0.5), 2.4, 4.95),
    particleCount: Math.round(clamp(rng.normal(160, 50), 25, 400)),
    iceMedian: clamp((iceNm ?? rng.uniform(15, 60)) / LAMBDA_NM + rng.normal(0, 0.01), 0.02, 0.24),
  };
}

type Failure = "ctf" | "motion" | "astigmatism" | "particles" | "ice";

/** Draw the metrics of one exposure whose outcome is `good` (hole ice thickness in nm when known). */
export function drawMetrics(good: boolean, rng: Prng, iceNm?: number): MicrographMetrics {
  const m = goodMetrics(rng, iceNm);
  if (good) return m;
  let failure: Failure;
  if (iceNm !== undefined && iceNm > 80) failure = "ice";
  else if (iceNm !== undefined && iceNm < 10) failure = "particles";
  else {
    const u = rng.next();
    failure = u < 0.5 ? "ctf" : u < 0.7 ? "particles" : u < 0.9 ? "motion" : "astigmatism";
  }
  switch (failure) {
    case "ice":
      return { ...m, iceMedian: clamp((iceNm ?? 120) / LAMBDA_NM, 0.26, 2), ctfFitResolutionA: rng.uniform(5.5, 12), ctfScore: rng.uniform(0.01, 0.06) };
    case "particles":
      return { ...m, particleCount: rng.int(20), iceMedian: clamp((iceNm ?? 5) / LAMBDA_NM, 0, 0.05) };
    case "ctf":
      return { ...m, ctfFitResolutionA: rng.uniform(5.2, 10), ctfScore: rng.uniform(0.01, 0.08) };
    case "motion":
      return { ...m, totalMotionA: rng.uniform(42, 120), lateMotionA: rng.uniform(10, 40) };
    case "astigmatism": {
      const a = rng.uniform(1100, 4000);
      return { ...m, astigmatismA: a, defocusUA: (m.defocusVA ?? 15000) + a };
    }
  }
}
