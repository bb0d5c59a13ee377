/** Parsers for numeric command-line flags, with one-line messages naming the flag. */
import { InvalidArgumentError } from "commander";

/** A positive (or, with allowZero, non-negative) number. */
export function positive(name: string, allowZero = false) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw new InvalidArgumentError(`${name} must be a ${allowZero ? "non-negative" : "positive"} number`);
    return n;
  };
}

/** A positive integer. */
export function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}
