/**
 * Text formatting the way EPU's .NET DataContractSerializer writes values:
 * doubles in round-trip form with .NET's switch to `E-05` style exponents,
 * single-precision floats, and DateTimeOffset values with 100 ns ticks.
 */

const TICKS_PER_MS = 10_000;

function placeDigits(sign: string, digits: string, exp: number): string {
  // digits = d0 d1 d2 ... meaning d0.d1d2... × 10^exp; write without an exponent.
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return sign + digits + "0".repeat(exp + 1 - digits.length);
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

function netFormat(x: number, shortest: string, maxFixedExp: number): string {
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(shortest);
  if (m === null) return String(x);
  const [, sign = "", lead = "", rest = "", expText = "0"] = m;
  const exp = Number(expText);
  const digits = lead + rest;
  // .NET "R"/"G" formatting: fixed notation when -5 < exponent < precision, scientific otherwise.
  if (exp > -5 && exp < maxFixedExp) return placeDigits(sign, digits, exp);
  const mantissa = rest.length > 0 ? `${lead}.${rest}` : lead;
  const e = Math.abs(exp).toString().padStart(2, "0");
  return `${sign}${mantissa}E${exp < 0 ? "-" : "+"}${e}`;
}

/** Mantissa digits as .NET Framework's "R" picks them: 15 significant digits, or 17 when 15 do not round-trip. */
function roundTrip(x: number, short: number, long: number): [digits: string, precision: number] {
  const a = x.toExponential(short - 1);
  return Number(a) === x ? [a.replace(/\.?0+e/, "e"), short] : [x.toExponential(long - 1).replace(/\.?0+e/, "e"), long];
}

/** A double as .NET writes it: `-9.7152028E-05`, `0.00028714285714285712`, `1.44E+21`. */
export function netDouble(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
  if (x === 0) return "0";
  return netFormat(x, ...roundTrip(x, 15, 17));
}

/** A 32-bit float's value as .NET's "R" format prints it (7 digits, or 9 when 7 do not round-trip), as a number. */
export function toSingle(x: number): number {
  const f = Math.fround(x);
  const g7 = Number(f.toPrecision(7));
  return Math.fround(g7) === f ? g7 : Number(f.toPrecision(9));
}

/** A System.Single as .NET writes it: `772.894165`, `4.5767938E-05`. */
export function netFloat(x: number): string {
  const v = toSingle(x);
  if (v === 0) return "0";
  return netFormat(v, ...roundTrip(v, 7, 9));
}

const pad = (n: number, w = 2): string => String(n).padStart(w, "0");

/**
 * Simulated time: integer 100 ns ticks since the session start (a whole
 * millisecond in Unix time), so all formatted times are exact and reproducible.
 */
export class TimeBase {
  constructor(readonly startMs: number) {
    if (!Number.isInteger(startMs)) throw new RangeError("start time must be a whole millisecond");
  }

  /** Unix milliseconds of tick offset `t` (fraction dropped). */
  ms(t: number): number {
    return this.startMs + Math.floor(t / TICKS_PER_MS);
  }

  /** ISO 8601 UTC with milliseconds: what core's isoUtc() returns for this time. */
  iso(t: number): string {
    return new Date(this.ms(t)).toISOString();
  }

  /** DataContract DateTimeOffset text with 7-digit fraction, trailing zeros trimmed: `...T15:49:18.1158288+00:00`. */
  dateTime(t: number, zone: "offset" | "z" = "offset"): string {
    const ms = this.ms(t);
    const d = new Date(ms);
    const ticks = (ms - Math.floor(ms / 1000) * 1000) * TICKS_PER_MS + (t - Math.floor(t / TICKS_PER_MS) * TICKS_PER_MS);
    const frac = ticks === 0 ? "" : `.${pad(ticks, 7).replace(/0+$/, "")}`;
    const base = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    return base + frac + (zone === "z" ? "Z" : "+00:00");
  }

  /** EPU's file-name stamp `YYYYMMDD_HHMMSS` (the microscope PC's clock; here UTC). */
  fileStamp(t: number): string {
    const d = new Date(this.ms(t));
    return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}_${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
  }
}

/** Seconds → ticks. */
export const seconds = (s: number): number => Math.round(s * 1000 * TICKS_PER_MS);

/** Escape text for XML character data and attribute values. */
export function xmlText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
