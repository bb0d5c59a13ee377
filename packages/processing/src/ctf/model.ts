/**
 * The contrast transfer function in CTFFIND4's convention:
 *   CTF(k, θ) = −sin χ(k, θ),
 *   χ = π λ k² Δf(θ) − (π/2) Cs λ³ k⁴ + φ + atan(A / √(1 − A²)),
 *   Δf(θ) = ½ [Δf_U + Δf_V + (Δf_U − Δf_V) cos 2(θ − θ_ast)],
 * with k in Å⁻¹, defocus positive for underfocus, θ the angle of the frequency vector from the +x
 * (column) axis towards +y (row index), θ_ast the angle from +x to the U (major) axis, φ the
 * additional phase shift (phase plate) and A the amplitude contrast. At k = 0 the CTF is −A, so
 * dense (positive-potential) objects come out dark.
 */

/** CTF parameters as stored with a result (Å, degrees, kV, mm). */
export interface CtfParameters {
  /** Defocus along the U (major) axis, Å, positive = underfocus. */
  defocus_u: number;
  /** Defocus along the V (minor) axis, Å. */
  defocus_v: number;
  /** Angle from the x axis to the U axis, degrees. */
  astigmatism_angle: number;
  /** Accelerating voltage, kV. */
  voltage: number;
  /** Spherical aberration, mm. */
  cs: number;
  /** Amplitude contrast fraction (0–1). */
  amplitude_contrast: number;
  /** Additional phase shift, degrees (0 without a phase plate). */
  phase_shift: number;
}

/** Relativistic electron wavelength in Å for an accelerating voltage in kV. */
export function electronWavelength(kv: number): number {
  const v = kv * 1000;
  return 12.2642598 / Math.sqrt(v * (1 + 0.978476e-6 * v));
}

/** Constants of χ, precomputed once per parameter set. */
export interface CtfTerms {
  /** π λ (Å). */
  readonly w1: number;
  /** (π/2) Cs λ³ (Å³). */
  readonly w2: number;
  /** Mean defocus and half astigmatism, Å. */
  readonly mean: number;
  readonly half: number;
  /** Astigmatism angle in radians. */
  readonly angle: number;
  /** φ + atan(A/√(1−A²)), radians. */
  readonly offset: number;
}

/** Precompute the χ constants for `p`. */
export function ctfTerms(p: CtfParameters): CtfTerms {
  const lambda = electronWavelength(p.voltage);
  const a = Math.min(0.999, Math.max(0, p.amplitude_contrast));
  return {
    w1: Math.PI * lambda,
    w2: (Math.PI / 2) * p.cs * 1e7 * lambda ** 3,
    mean: (p.defocus_u + p.defocus_v) / 2,
    half: (p.defocus_u - p.defocus_v) / 2,
    angle: (p.astigmatism_angle * Math.PI) / 180,
    offset: (p.phase_shift * Math.PI) / 180 + Math.atan(a / Math.sqrt(1 - a * a)),
  };
}

/** Phase aberration χ at frequency (fx, fy) in Å⁻¹. */
export function ctfChi(t: CtfTerms, fx: number, fy: number): number {
  const k2 = fx * fx + fy * fy;
  if (k2 === 0) return t.offset;
  const theta = Math.atan2(fy, fx);
  const df = t.mean + t.half * Math.cos(2 * (theta - t.angle));
  return t.w1 * k2 * df - t.w2 * k2 * k2 + t.offset;
}

/** CTF value (−sin χ) at frequency (fx, fy) in Å⁻¹. */
export function ctfValue(t: CtfTerms, fx: number, fy: number): number {
  return -Math.sin(ctfChi(t, fx, fy));
}
