/**
 * Splitting one STAR line into values. A hand-written scanner rather than a
 * regular expression per token: a 100k-row particle file is millions of tokens.
 */

const SPACE = 32;
const TAB = 9;
const CR = 13;
const HASH = 35;
const DQUOTE = 34;
const SQUOTE = 39;

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === CR;
}

/**
 * Append the values on `line[start, end)` to `out`. Values are separated by
 * blanks; `'...'` and `"..."` quote a value that holds blanks or is empty (a
 * quote closes only when followed by a blank or the end, as in STAR/CIF); an
 * unquoted `#` at the start of a value comments out the rest of the line.
 * Returns an error message instead of throwing so the caller can add the file and line.
 */
export function tokenizeLine(line: string, start: number, end: number, out: string[]): string | undefined {
  let i = start;
  while (i < end) {
    let c = line.charCodeAt(i);
    while (isBlank(c) && i < end) c = line.charCodeAt(++i);
    if (i >= end) break;
    if (c === HASH) break;
    if (c === DQUOTE || c === SQUOTE) {
      let j = i + 1;
      for (;;) {
        j = line.indexOf(c === DQUOTE ? '"' : "'", j);
        if (j < 0 || j >= end) return `unterminated ${String.fromCharCode(c)} quote`;
        if (j + 1 >= end || isBlank(line.charCodeAt(j + 1))) break;
        j++;
      }
      out.push(line.slice(i + 1, j));
      i = j + 1;
      continue;
    }
    let j = i + 1;
    while (j < end && !isBlank(line.charCodeAt(j))) j++;
    out.push(line.slice(i, j));
    i = j;
  }
  return undefined;
}

/** True when `value` must be quoted to be read back as one value. */
export function needsQuotes(value: string): boolean {
  if (value.length === 0) return true;
  const c = value.charCodeAt(0);
  if (c === HASH || c === DQUOTE || c === SQUOTE || c === 95 /* _ */ || c === 59 /* ; */ || c === 36 /* $ */) return true;
  for (let i = 0; i < value.length; i++) {
    const d = value.charCodeAt(i);
    if (d === SPACE || d === TAB || d === 10 || d === CR) return true;
  }
  const lower = value.toLowerCase();
  return lower.startsWith("data_") || lower.startsWith("save_") || lower === "loop_" || lower === "stop_" || lower === "global_";
}

/**
 * Quote `value` if needed. Returns undefined when no STAR quoting can hold it
 * (a newline, or both quote kinds each followed by a blank).
 */
export function quoteValue(value: string): string | undefined {
  if (!needsQuotes(value)) return value;
  if (value.includes("\n")) return undefined;
  const closes = (q: string) => new RegExp(`${q}[ \\t\\r]`).test(value);
  if (!closes('"')) return `"${value}"`;
  if (!closes("'")) return `'${value}'`;
  return undefined;
}
