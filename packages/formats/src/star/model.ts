/**
 * A parsed STAR file: data blocks holding key-value pairs and `loop_` tables.
 * Labels are kept without their leading underscore (`rlnMicrographName`), and
 * accessors accept either spelling. Every accessor that can fail throws a
 * FormatError naming the file, the block and the line.
 */
import { FormatError } from "@emflow/core";

/** Strip the leading underscore of a label, if any. */
export function labelName(label: string): string {
  return label.startsWith("_") ? label.slice(1) : label;
}

/** Parse a STAR number: RELION writes `%f`/`%e`; C and Python spell non-finite values `nan`, `inf`. */
export function parseStarNumber(text: string): number | undefined {
  if (text.length === 0) return undefined;
  const n = Number(text);
  if (!Number.isNaN(n)) return n;
  const t = text.toLowerCase();
  if (t === "nan" || t === "-nan") return Number.NaN;
  if (t === "inf" || t === "+inf" || t === "infinity") return Number.POSITIVE_INFINITY;
  if (t === "-inf" || t === "-infinity") return Number.NEGATIVE_INFINITY;
  return undefined;
}

/** Where something sits, for error messages. */
interface Place {
  readonly file: string | undefined;
  readonly block: string;
}

function fail(place: Place, line: number | undefined, message: string): never {
  throw new FormatError(`data_${place.block}: ${message}`, {
    ...(place.file === undefined ? {} : { file: place.file }),
    ...(line === undefined ? {} : { line }),
  });
}

/** One `loop_` table, stored column by column. */
export class StarTable {
  /** @param data column-major values: `data[column][row]`. @param rowLines 1-based line of each row. */
  constructor(
    readonly file: string | undefined,
    readonly block: string,
    /** 1-based line of the `loop_` keyword. */
    readonly line: number,
    readonly columns: readonly string[],
    private readonly data: readonly string[][],
    private readonly rowLines: readonly number[],
  ) {}

  get rowCount(): number {
    return this.rowLines.length;
  }

  /** 1-based source line of row `row` (0-based). */
  lineOf(row: number): number | undefined {
    return this.rowLines[row];
  }

  has(column: string): boolean {
    return this.columns.includes(labelName(column));
  }

  /** Index of `column`; throws naming the columns that exist. */
  index(column: string): number {
    const i = this.columns.indexOf(labelName(column));
    if (i < 0) fail(this, this.line, `no column _${labelName(column)} (columns: ${this.columns.map((c) => `_${c}`).join(" ")})`);
    return i;
  }

  /** All values of a column as text. */
  strings(column: string): readonly string[] {
    return this.data[this.index(column)] ?? [];
  }

  /** All values of a numeric column; throws at the first value that is not a number. */
  numbers(column: string): Float64Array {
    const name = labelName(column);
    const values = this.strings(name);
    const out = new Float64Array(values.length);
    for (let r = 0; r < values.length; r++) {
      const n = parseStarNumber(values[r] ?? "");
      if (n === undefined) fail(this, this.rowLines[r], `_${name}: '${values[r]}' is not a number`);
      out[r] = n;
    }
    return out;
  }

  /** All values of an integer column (e.g. rlnOpticsGroup); throws on fractions and text. */
  integers(column: string): Int32Array {
    const name = labelName(column);
    const numbers = this.numbers(name);
    const out = new Int32Array(numbers.length);
    for (let r = 0; r < numbers.length; r++) {
      const n = numbers[r] ?? Number.NaN;
      if (!Number.isInteger(n)) fail(this, this.rowLines[r], `_${name}: '${this.strings(name)[r]}' is not an integer`);
      out[r] = n;
    }
    return out;
  }

  /** Value of `column` in row `row` (0-based) as text. */
  value(row: number, column: string): string {
    const v = this.data[this.index(column)]?.[row];
    if (v === undefined) fail(this, this.line, `row ${row} out of range (${this.rowCount} rows)`);
    return v;
  }

  /** Value of `column` in row `row` as a number. */
  number(row: number, column: string): number {
    const text = this.value(row, column);
    const n = parseStarNumber(text);
    if (n === undefined) fail(this, this.rowLines[row], `_${labelName(column)}: '${text}' is not a number`);
    return n;
  }

  /** Row `row` as a label → text record. */
  row(row: number): Record<string, string> {
    const out: Record<string, string> = {};
    this.columns.forEach((c, i) => {
      out[c] = this.data[i]?.[row] ?? "";
    });
    return out;
  }

  /** Every row as a record (convenient for small tables; use columns for large ones). */
  rows(): Record<string, string>[] {
    return Array.from({ length: this.rowCount }, (_, r) => this.row(r));
  }
}

/** A key-value item of a data block. */
export interface StarPair {
  readonly value: string;
  readonly line: number;
}

/** One `data_<name>` block. */
export class StarBlock {
  constructor(
    readonly file: string | undefined,
    /** The name after `data_` (may be empty: RELION's coordinate files use a bare `data_`). */
    readonly name: string,
    /** 1-based line of the `data_` header. */
    readonly line: number,
    readonly pairs: ReadonlyMap<string, StarPair>,
    readonly loops: readonly StarTable[],
  ) {}

  get block(): string {
    return this.name;
  }

  /** The block's one table; throws if it has none (RELION blocks hold at most one). */
  get table(): StarTable {
    const t = this.loops[0];
    if (t === undefined) fail(this, this.line, "has no loop_ table");
    return t;
  }

  has(key: string): boolean {
    return this.pairs.has(labelName(key));
  }

  /** A key-value item as text; throws if absent. */
  string(key: string): string {
    const p = this.pairs.get(labelName(key));
    if (p === undefined) fail(this, this.line, `no item _${labelName(key)}`);
    return p.value;
  }

  /** A key-value item as a number; throws if absent or not numeric. */
  number(key: string): number {
    const name = labelName(key);
    const text = this.string(name);
    const n = parseStarNumber(text);
    if (n === undefined) fail(this, this.pairs.get(name)?.line, `_${name}: '${text}' is not a number`);
    return n;
  }

  /** A key-value item as text, or undefined when absent. */
  optionalString(key: string): string | undefined {
    return this.pairs.get(labelName(key))?.value;
  }

  /** A key-value item as a number, or undefined when absent; throws if present but not numeric. */
  optionalNumber(key: string): number | undefined {
    return this.has(key) ? this.number(key) : undefined;
  }
}

/** A whole STAR file. */
export class StarDocument {
  constructor(
    readonly file: string | undefined,
    readonly blocks: readonly StarBlock[],
  ) {}

  /** The block named `name` (without `data_`), or undefined. */
  find(name: string): StarBlock | undefined {
    return this.blocks.find((b) => b.name === name);
  }

  /** The block named `name`; throws naming the blocks that exist. */
  block(name: string): StarBlock {
    const b = this.find(name);
    if (b === undefined) {
      const names = this.blocks.map((x) => `data_${x.name}`).join(" ") || "none";
      throw new FormatError(`no data_${name} block (blocks: ${names})`, this.file === undefined ? {} : { file: this.file });
    }
    return b;
  }

  /** The table of block `name`. */
  table(name: string): StarTable {
    return this.block(name).table;
  }
}
