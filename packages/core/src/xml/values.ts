/** Typed readings of XML leaf text, shared by the tree (Dcs) and the path scanner (Leaves). */
import { EpuFormatError } from "../errors.js";

/** A finite number, undefined for absent/empty text; throws (naming `where`) for anything else. */
export function textToNumber(s: string | undefined, where: string, file: string | undefined): number | undefined {
  if (s === undefined || s.length === 0) return undefined;
  const v = Number(s);
  if (!Number.isFinite(v)) throw located(`${where}: '${s}' is not a number`, file);
  return v;
}

/** 'true'/'false' as a boolean, undefined for absent/empty text; throws for anything else. */
export function textToBool(s: string | undefined, where: string, file: string | undefined): boolean | undefined {
  if (s === undefined || s.length === 0) return undefined;
  if (s === "true") return true;
  if (s === "false") return false;
  throw located(`${where}: '${s}' is not a boolean`, file);
}

/** An EpuFormatError in `file` (when known). */
export function located(message: string, file: string | undefined): EpuFormatError {
  return new EpuFormatError(message, file === undefined ? {} : { file });
}
