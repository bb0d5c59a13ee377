/**
 * The micrograph quality rule: which processing figures make a micrograph "good", as data.
 * A micrograph is good when every check passes; the verdict names the checks that failed and
 * carries a smooth score in [0, 1] (0.5 on a limit) so dashboards can rank within a label.
 */
import { z } from "zod";
import type { MicrographMetrics } from "@emflow/core";

/**
 * Limits of the rule (all configurable). Defaults: CTF fit ≤ 5 Å, total motion ≤ 40 Å,
 * astigmatism ≤ 1000 Å, relative ice thickness (t/λ median) ≤ 0.25, at least 20 particles.
 */
export const QualityRule = z
  .object({
    maxCtfFitResolutionA: z.number().positive().default(5),
    maxTotalMotionA: z.number().positive().default(40),
    maxAstigmatismA: z.number().positive().default(1000),
    maxIceMedian: z.number().positive().default(0.25),
    minParticleCount: z.number().int().min(0).default(20),
    /** A micrograph without a CTF fit yet is "pending", never good or bad. */
    requireCtf: z.boolean().default(true),
  })
  .strict();
export type QualityRule = z.infer<typeof QualityRule>;

/** The rule with every default. */
export const DEFAULT_QUALITY_RULE: QualityRule = QualityRule.parse({});

/** Why a micrograph is not good: one code per failed check. */
export const QualityReason = z.enum(["ctf_resolution_too_low", "motion_too_high", "astigmatism_too_high", "ice_too_thick", "too_few_particles", "ctf_missing"]);
export type QualityReason = z.infer<typeof QualityReason>;

/** The verdict on one micrograph. */
export interface QualityVerdict {
  /** good: every check passed; bad: at least one failed; pending: no CTF fit yet. */
  readonly label: "good" | "bad" | "pending";
  /** Smooth score in [0, 1]: geometric mean of per-check logistic scores (0.5 on a limit). */
  readonly score: number;
  readonly reasons: readonly QualityReason[];
}

// Softness of each check's logistic score, as a fraction of its limit: a value 10% past a limit
// scores ~0.27 on that check, 10% inside ~0.73.
const SOFT = 0.1;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Score of "value ≤ limit" (or ≥ when `atLeast`), 0.5 exactly on the limit. */
function checkScore(value: number, limit: number, atLeast: boolean): number {
  const scale = Math.max(Math.abs(limit) * SOFT, 1e-9);
  return sigmoid((atLeast ? value - limit : limit - value) / scale);
}

/**
 * Judge one micrograph from its processing metrics. Checks whose metric is missing are skipped
 * (a session without picking still gets verdicts), except the CTF fit when `requireCtf`.
 */
export function judgeMicrograph(m: MicrographMetrics, rule: QualityRule = DEFAULT_QUALITY_RULE): QualityVerdict {
  const reasons: QualityReason[] = [];
  const scores: number[] = [];
  const check = (value: number | undefined, limit: number, atLeast: boolean, reason: QualityReason): void => {
    if (value === undefined || !Number.isFinite(value)) return;
    scores.push(checkScore(value, limit, atLeast));
    if (atLeast ? value < limit : value > limit) reasons.push(reason);
  };
  check(m.ctfFitResolutionA, rule.maxCtfFitResolutionA, false, "ctf_resolution_too_low");
  check(m.totalMotionA, rule.maxTotalMotionA, false, "motion_too_high");
  const astig = m.astigmatismA ?? (m.defocusUA !== undefined && m.defocusVA !== undefined ? Math.abs(m.defocusUA - m.defocusVA) : undefined);
  check(astig, rule.maxAstigmatismA, false, "astigmatism_too_high");
  check(m.iceMedian, rule.maxIceMedian, false, "ice_too_thick");
  if (rule.minParticleCount > 0) check(m.particleCount, rule.minParticleCount, true, "too_few_particles");
  const score = scores.length === 0 ? 0 : Math.exp(scores.reduce((s, x) => s + Math.log(Math.max(x, 1e-12)), 0) / scores.length);
  const ctfMissing = m.ctfFitResolutionA === undefined || !Number.isFinite(m.ctfFitResolutionA);
  if (ctfMissing && rule.requireCtf) return { label: reasons.length > 0 ? "bad" : "pending", score, reasons: reasons.length > 0 ? [...reasons, "ctf_missing"] : ["ctf_missing"] };
  return { label: reasons.length === 0 ? "good" : "bad", score, reasons };
}
