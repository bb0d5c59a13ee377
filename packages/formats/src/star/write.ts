/**
 * STAR writer in the layout RELION 3.1 itself writes (`# version 30001`,
 * `loop_`, `_rlnName #n`), so RELION's tools read our files. Values are quoted
 * only when needed; numbers keep full precision for integers and six decimals
 * (RELION's `%f`) or six significant digits in exponent form otherwise.
 */
import { FormatError } from "@emflow/core";
import { labelName } from "./model.js";
import { quoteValue } from "./tokenize.js";

/** A value to write: text is quoted as needed; numbers must be finite. */
export type StarValue = string | number;

/** A block of key-value items (RELION's "list" tables such as `data_general`). */
export interface StarPairsBlock {
  readonly name: string;
  readonly pairs: Readonly<Record<string, StarValue>> | readonly (readonly [string, StarValue])[];
}

/** A block holding one `loop_` table, given row by row. */
export interface StarLoopBlock {
  readonly name: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly StarValue[])[];
}

export type StarBlockSpec = StarPairsBlock | StarLoopBlock;

/** Options for {@link formatStar}. */
export interface FormatStarOptions {
  /** The `# version` comment before each block; RELION 3.1 writes 30001. Null leaves it out. */
  readonly version?: number | null;
  /** File name for error messages. */
  readonly file?: string;
}

/** Format a number the way RELION would read it back without loss at its own precision. */
export function formatStarNumber(x: number): string | undefined {
  if (!Number.isFinite(x)) return undefined;
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e9) return x.toFixed(6);
  return x.toExponential(6);
}

function formatValue(v: StarValue, where: () => string, file: string | undefined): string {
  const text = typeof v === "number" ? formatStarNumber(v) : quoteValue(v);
  if (text === undefined) {
    const what = typeof v === "number" ? `number ${v} is not finite` : `value ${JSON.stringify(v)} cannot be quoted in STAR`;
    throw new FormatError(`${where()}: ${what}`, file === undefined ? {} : { file });
  }
  return text;
}

function isLoop(b: StarBlockSpec): b is StarLoopBlock {
  return "columns" in b;
}

/** Write blocks as STAR text. Throws FormatError for values STAR cannot hold (NaN, a newline, bad row length). */
export function formatStar(blocks: readonly StarBlockSpec[], options: FormatStarOptions = {}): string {
  const version = options.version === undefined ? 30001 : options.version;
  const file = options.file;
  const out: string[] = [];
  for (const b of blocks) {
    out.push("");
    if (version !== null) out.push(`# version ${version}`, "");
    out.push(`data_${b.name}`, "");
    if (isLoop(b)) {
      out.push("loop_");
      b.columns.forEach((c, i) => out.push(`_${labelName(c)} #${i + 1}`));
      const n = b.columns.length;
      b.rows.forEach((row, r) => {
        if (row.length !== n) throw new FormatError(`data_${b.name}: row ${r + 1} has ${row.length} values for ${n} columns`, file === undefined ? {} : { file });
        const parts = new Array<string>(n);
        for (let c = 0; c < n; c++) {
          const v = row[c] as StarValue;
          const text = formatValue(v, () => `data_${b.name} row ${r + 1} _${labelName(b.columns[c] ?? "")}`, file);
          // Right-align numbers to RELION's width of 12 so the columns line up.
          parts[c] = typeof v === "number" ? text.padStart(12) : text;
        }
        out.push(parts.join(" "));
      });
    } else {
      const entries = Array.isArray(b.pairs) ? (b.pairs as readonly (readonly [string, StarValue])[]) : Object.entries(b.pairs);
      const width = Math.max(0, ...entries.map(([k]) => labelName(k).length + 1));
      for (const [k, v] of entries) {
        const key = `_${labelName(k)}`;
        out.push(`${key.padEnd(width)} ${formatValue(v, () => `data_${b.name} ${key}`, file)}`);
      }
    }
    out.push("");
  }
  return `${out.join("\n")}\n`;
}
