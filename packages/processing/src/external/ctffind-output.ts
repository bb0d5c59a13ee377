/**
 * CTFFIND's output text files, next to the diagnostic image `<root>.mrc`:
 *
 * - `<root>.txt`: `#` header lines, then per micrograph: micrograph number,
 *   defocus 1 (Å), defocus 2 (Å), azimuth of astigmatism (°), additional phase
 *   shift (rad), cross correlation, spacing (Å) up to which CTF rings were fit;
 *   CTFFIND 5 adds tilt axis angle (°), tilt angle (°) and sample thickness (Å).
 * - `<root>_avrot.txt`: header, then 6 lines per micrograph: spatial frequency,
 *   rotational average of the spectrum assuming no astigmatism, rotational
 *   average, CTF fit, cross-correlation between spectrum and fit, and 2σ of the
 *   cross-correlation expected from noise. Frequencies are 1/Å in CTFFIND 4.1
 *   (1/pixels in 4.0, converted here with the header's pixel size).
 */
import { FormatError, type CtfResult } from "@emflow/core";

/** One row of `<root>.txt`, as CTFFIND wrote it. */
export interface CtffindRow {
  readonly micrograph: number;
  readonly defocus1: number;
  readonly defocus2: number;
  readonly azimuth: number;
  readonly phaseShiftRad: number;
  readonly crossCorrelation: number;
  readonly fitResolution: number;
  readonly tiltAxisAngle?: number;
  readonly tiltAngle?: number;
  readonly thickness?: number;
}

const where = (file: string | undefined, line?: number) => ({ ...(file === undefined ? {} : { file }), ...(line === undefined ? {} : { line }) });

/** Parse `<root>.txt`. Throws FormatError naming the line of a malformed row. */
export function parseCtffindOutput(text: string, file?: string): CtffindRow[] {
  const rows: CtffindRow[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line.length === 0 || line.startsWith("#")) return;
    const v = line.split(/\s+/).map(Number);
    if (v.length < 7 || v.slice(0, 6).some((x) => !Number.isFinite(x)) || Number.isNaN(v[6])) {
      throw new FormatError(`expected 7 or 10 numbers (micrograph, defocus 1, defocus 2, azimuth, phase shift, cross correlation, fit resolution), got '${line}'`, where(file, i + 1));
    }
    const [micrograph, defocus1, defocus2, azimuth, phaseShiftRad, crossCorrelation, fitResolution, tiltAxisAngle, tiltAngle, thickness] = v as number[];
    rows.push({
      micrograph: micrograph ?? 0,
      defocus1: defocus1 ?? 0,
      defocus2: defocus2 ?? 0,
      azimuth: azimuth ?? 0,
      phaseShiftRad: phaseShiftRad ?? 0,
      crossCorrelation: crossCorrelation ?? 0,
      fitResolution: fitResolution ?? 0,
      ...(v.length >= 10 ? { tiltAxisAngle, tiltAngle, thickness } : {}),
    });
  });
  if (rows.length === 0) throw new FormatError("no result rows in CTFFIND output", where(file));
  return rows;
}

/** Wrap an angle in degrees into (-90, 90]. */
function wrap90(deg: number): number {
  let a = deg % 180;
  if (a <= -90) a += 180;
  if (a > 90) a -= 180;
  return a;
}

/**
 * A CTFFIND row as our CTF result: U ≥ V (swapping the axes turns the azimuth
 * by 90°), phase shift in degrees. Throws FormatError when the fit resolution
 * is not finite (CTFFIND failed on this micrograph).
 */
export function ctfResultFromCtffind(row: CtffindRow, file?: string): CtfResult {
  if (!Number.isFinite(row.fitResolution) || !Number.isFinite(row.crossCorrelation)) {
    throw new FormatError(`micrograph ${row.micrograph}: CTFFIND reported no usable fit (fit resolution ${row.fitResolution})`, where(file));
  }
  const swap = row.defocus2 > row.defocus1;
  return {
    defocus_u: swap ? row.defocus2 : row.defocus1,
    defocus_v: swap ? row.defocus1 : row.defocus2,
    astigmatism_angle: wrap90(swap ? row.azimuth + 90 : row.azimuth),
    phase_shift: (row.phaseShiftRad * 180) / Math.PI,
    score: row.crossCorrelation,
    fit_resolution: row.fitResolution,
    ...(row.thickness === undefined || !Number.isFinite(row.thickness) ? {} : { thickness: row.thickness }),
    ...(row.tiltAngle === undefined || !Number.isFinite(row.tiltAngle) ? {} : { tilt_angle: row.tiltAngle, tilt_axis_angle: row.tiltAxisAngle }),
  };
}

/** The 1D profile of one micrograph from `_avrot.txt`. Frequencies in 1/Å. */
export interface CtfProfile {
  readonly spatial_frequency: number[];
  readonly rotational_average_no_astigmatism: number[];
  readonly rotational_average: number[];
  readonly ctf_fit: number[];
  readonly cross_correlation: number[];
  readonly noise_2sigma: number[];
}

/** Parse `<root>_avrot.txt`; returns one profile per micrograph. */
export function parseCtffindAvrot(text: string, file?: string): CtfProfile[] {
  const lines = text.split(/\r?\n/);
  let pixelSize: number | undefined;
  let perPixel = false;
  const data: { values: number[]; line: number }[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line.length === 0) return;
    if (line.startsWith("#")) {
      const m = /Pixel size:\s*([0-9.eE+-]+)/.exec(line);
      if (m !== null) pixelSize = Number(m[1]);
      if (/spatial frequency \(1\/pixels\)/.test(line)) perPixel = true;
      return;
    }
    const values = line.split(/\s+/).map(Number);
    if (values.some((x) => Number.isNaN(x))) throw new FormatError(`not a row of numbers: '${line.slice(0, 60)}'`, where(file, i + 1));
    data.push({ values, line: i + 1 });
  });
  if (data.length === 0 || data.length % 6 !== 0) {
    throw new FormatError(`expected 6 data lines per micrograph, found ${data.length}`, where(file));
  }
  if (perPixel && (pixelSize === undefined || !(pixelSize > 0))) throw new FormatError("frequencies in 1/pixels but no pixel size in the header", where(file));
  const profiles: CtfProfile[] = [];
  for (let m = 0; m < data.length; m += 6) {
    const block = data.slice(m, m + 6);
    const n = block[0]?.values.length ?? 0;
    const bad = block.find((b) => b.values.length !== n);
    if (bad !== undefined) throw new FormatError(`profile lines differ in length (${bad.values.length} vs ${n})`, where(file, bad.line));
    const [f, noAstig, avg, fit, cc, noise] = block.map((b) => b.values) as [number[], number[], number[], number[], number[], number[]];
    profiles.push({
      spatial_frequency: perPixel ? f.map((x) => x / (pixelSize ?? 1)) : f,
      rotational_average_no_astigmatism: noAstig,
      rotational_average: avg,
      ctf_fit: fit,
      cross_correlation: cc,
      noise_2sigma: noise,
    });
  }
  return profiles;
}
