/**
 * emflow's unit set. EPU writes SI (metres, volts, radians, electrons per m²);
 * everything stored, sent or shown by emflow uses the units below, converted
 * once here at the edge.
 *
 * | quantity                         | unit      |
 * |----------------------------------|-----------|
 * | stage position, physical sizes   | µm        |
 * | pixel size, defocus              | Å (Å/px)  |
 * | dose                             | e⁻/Å²     |
 * | accelerating voltage             | kV        |
 * | angles (stage tilt, rotations)   | degrees   |
 * | exposure time, durations         | s         |
 * | energy-filter slit width         | eV        |
 * | image positions and sizes        | px        |
 * | times                            | ISO 8601, UTC |
 */

/** metres → micrometres */
export const mToUm = (m: number): number => m * 1e6;
/** metres → ångström */
export const mToA = (m: number): number => m * 1e10;
/** volts → kilovolts */
export const vToKv = (v: number): number => v / 1000;
/** radians → degrees */
export const radToDeg = (r: number): number => (r * 180) / Math.PI;
/** electrons per m² → electrons per Å² */
export const perM2ToPerA2 = (d: number): number => d * 1e-20;

/** Apply `f` to a possibly-missing value. */
export function mapOpt<T, U>(v: T | undefined, f: (x: T) => U): U | undefined {
  return v === undefined ? undefined : f(v);
}

/** Round to a fixed number of significant digits, to drop float noise from unit conversions. */
export function sig(x: number, digits = 12): number {
  return x === 0 ? 0 : Number(x.toPrecision(digits));
}

/**
 * Normalise an EPU timestamp ("2025-01-08T15:10:39.4849873+00:00", "...Z",
 * or with a local offset) to ISO 8601 UTC with millisecond precision.
 * Returns undefined for EPU's "no value" date 0001-01-01.
 */
export function isoUtc(s: string | undefined): string | undefined {
  if (s === undefined || s.length === 0 || s.startsWith("0001-01-01")) return undefined;
  const t = Date.parse(s);
  if (Number.isNaN(t)) return undefined;
  return new Date(t).toISOString();
}

/**
 * Parse EPU's file-name timestamp pair `YYYYMMDD_HHMMSS` (microscope-PC local
 * time, with no zone recorded) into an ISO string without offset.
 */
export function fileStamp(date: string, time: string): string {
  return `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${time.slice(0, 2)}:${time.slice(2, 4)}:${time.slice(4, 6)}`;
}
