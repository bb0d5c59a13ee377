/**
 * Radiation damage model of Grant & Grigorieff (2015, eLife 4:e06980): the critical exposure
 * Ne(k) = 0.245 k^−1.665 + 2.81 e⁻/Å² (k in Å⁻¹, measured at 300 kV) is the exposure at which the
 * power of a Fourier component has dropped to 1/e: amplitudes decay as exp(−N / (2 Ne(k))) after
 * exposure N. At 200 kV the critical exposure is scaled by 0.8 (as Unblur and MotionCor2 do).
 */

/** Critical exposure Ne(k) in e⁻/Å² for spatial frequency `k` (Å⁻¹) at `voltage` kV. */
export function criticalExposure(k: number, voltage = 300): number {
  const ne = k > 0 ? 0.245 * Math.pow(k, -1.665) + 2.81 : Number.POSITIVE_INFINITY;
  return ne * voltageScale(voltage);
}

/** 1 at 300 kV, 0.8 at 200 kV, linear in between and clamped outside. */
function voltageScale(voltage: number): number {
  return Math.min(1, Math.max(0.8, 0.8 + ((voltage - 200) / 100) * 0.2));
}

/** Relative amplitude left at frequency `k` (Å⁻¹) after exposure `n` (e⁻/Å²): exp(−n / (2 Ne(k))). */
export function damageAttenuation(k: number, n: number, voltage = 300): number {
  return Math.exp(-n / (2 * criticalExposure(k, voltage)));
}

/** Exposure at the middle of frame `i` (0-based), e⁻/Å², the value damage and weights use. */
export function frameExposure(i: number, dosePerFrame: number, preExposure = 0): number {
  return preExposure + (i + 0.5) * dosePerFrame;
}
