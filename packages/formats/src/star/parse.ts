/**
 * STAR parser (RELION 3.1+ flavour, general enough for crYOLO and CIF-like
 * files): `data_` blocks, key-value items, `loop_` tables, `#` comments,
 * quoted and empty values, `;` text fields. One pass over the lines; loop rows
 * go straight into column arrays.
 */
import { FormatError } from "@emflow/core";
import { StarBlock, StarDocument, StarTable, labelName, type StarPair } from "./model.js";
import { tokenizeLine } from "./tokenize.js";

/** Options for {@link parseStar}. */
export interface ParseStarOptions {
  /** File name for error messages. */
  readonly file?: string;
}

interface LoopBuilder {
  line: number;
  columns: string[];
  data: string[][];
  rowLines: number[];
  /** Values of a row that continues on the next line. */
  pending: string[];
  pendingLine: number;
  inHeader: boolean;
}

interface BlockBuilder {
  name: string;
  line: number;
  pairs: Map<string, StarPair>;
  loops: StarTable[];
  loop: LoopBuilder | undefined;
  /** A key whose value is still to come (on the next line, or a `;` text field). */
  pendingKey: { key: string; line: number } | undefined;
}

function startsWithKeyword(text: string, at: number, keyword: string): boolean {
  for (let k = 0; k < keyword.length; k++) {
    let c = text.charCodeAt(at + k);
    if (c >= 65 && c <= 90) c += 32; // keywords are case-insensitive
    if (c !== keyword.charCodeAt(k)) return false;
  }
  return true;
}

/** Parse STAR text into blocks. Throws FormatError with file and line on malformed input. */
export function parseStar(text: string, options: ParseStarOptions = {}): StarDocument {
  const file = options.file;
  const err = (line: number, message: string): never => {
    throw new FormatError(message, { ...(file === undefined ? {} : { file }), line });
  };
  const blocks: StarBlock[] = [];
  let block: BlockBuilder | undefined;
  const tokens: string[] = [];

  const closeLoop = (b: BlockBuilder) => {
    const l = b.loop;
    if (l === undefined) return;
    if (l.pending.length > 0) err(l.pendingLine, `data_${b.name}: incomplete row: ${l.pending.length} of ${l.columns.length} values`);
    if (l.columns.length === 0) err(l.line, `data_${b.name}: loop_ without column labels`);
    b.loops.push(new StarTable(file, b.name, l.line, l.columns, l.data, l.rowLines));
    b.loop = undefined;
  };
  const closeBlock = () => {
    if (block === undefined) return;
    closeLoop(block);
    if (block.pendingKey !== undefined) err(block.pendingKey.line, `data_${block.name}: no value for _${block.pendingKey.key}`);
    blocks.push(new StarBlock(file, block.name, block.line, block.pairs, block.loops));
    block = undefined;
  };
  const current = (lineNo: number): BlockBuilder => block ?? err(lineNo, "content before the first data_ block");
  const addValues = (b: BlockBuilder, values: readonly string[], lineNo: number) => {
    let i = 0;
    if (b.pendingKey !== undefined && values.length > 0) {
      b.pairs.set(b.pendingKey.key, { value: values[0] ?? "", line: b.pendingKey.line });
      b.pendingKey = undefined;
      i = 1;
    }
    if (i >= values.length) return;
    const l = b.loop ?? err(lineNo, `data_${b.name}: value '${values[i]}' outside a loop_ and without a label`);
    l.inHeader = false;
    const n = l.columns.length;
    if (l.pending.length === 0 && values.length - i === n) {
      // The common case: one whole row on one line.
      for (let c = 0; c < n; c++) l.data[c]?.push(values[i + c] ?? "");
      l.rowLines.push(lineNo);
      return;
    }
    // A row wrapped over several lines (allowed by STAR, never written by RELION).
    const count = values.length - i;
    if (l.pending.length > 0 && l.pending.length + count > n) {
      err(l.pendingLine, `data_${b.name}: row has ${l.pending.length} values, the loop has ${n} columns`);
    }
    if (count > n) err(lineNo, `data_${b.name}: row has ${count} values, the loop has ${n} columns`);
    if (l.pending.length === 0) l.pendingLine = lineNo;
    for (; i < values.length; i++) l.pending.push(values[i] ?? "");
    if (l.pending.length === n) {
      for (let c = 0; c < n; c++) l.data[c]?.push(l.pending[c] ?? "");
      l.rowLines.push(l.pendingLine);
      l.pending.length = 0;
    }
  };

  let pos = 0;
  let lineNo = 0;
  const len = text.length;
  while (pos < len) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = len;
    lineNo++;
    const lineStart = pos;
    pos = end + 1;
    let s = lineStart;
    let c = text.charCodeAt(s);
    while (s < end && (c === 32 || c === 9 || c === 13)) c = text.charCodeAt(++s);
    if (s >= end || c === 35 /* # */) continue;

    if (c === 59 /* ; */ && s === lineStart) {
      // A text field: everything up to a line that starts with ';' is one value.
      const startLine = lineNo;
      const lines: string[] = [text.slice(s + 1, end).replace(/\r$/, "")];
      for (;;) {
        if (pos >= len) err(startLine, "unterminated ; text field");
        let e = text.indexOf("\n", pos);
        if (e < 0) e = len;
        lineNo++;
        const l = text.slice(pos, e).replace(/\r$/, "");
        pos = e + 1;
        if (l.startsWith(";")) break;
        lines.push(l);
      }
      addValues(current(startLine), [lines.join("\n").replace(/^\n/, "")], startLine);
      continue;
    }

    if ((c | 0x20) === 100 /* d */ && startsWithKeyword(text, s, "data_")) {
      closeBlock();
      let e = s + 5;
      while (e < end && !/\s/.test(text[e] ?? " ")) e++;
      block = { name: text.slice(s + 5, e), line: lineNo, pairs: new Map(), loops: [], loop: undefined, pendingKey: undefined };
      continue;
    }
    if ((c | 0x20) === 108 /* l */ && startsWithKeyword(text, s, "loop_")) {
      const b = current(lineNo);
      if (b.pendingKey !== undefined) err(b.pendingKey.line, `data_${b.name}: no value for _${b.pendingKey.key}`);
      closeLoop(b);
      b.loop = { line: lineNo, columns: [], data: [], rowLines: [], pending: [], pendingLine: lineNo, inHeader: true };
      continue;
    }
    if ((c | 0x20) === 115 /* s */ && startsWithKeyword(text, s, "stop_")) {
      if (block !== undefined) closeLoop(block);
      continue;
    }
    if (startsWithKeyword(text, s, "save_") || startsWithKeyword(text, s, "global_")) {
      err(lineNo, `${text.slice(s, end).trim()}: save frames and global blocks are not supported`);
    }

    const b = current(lineNo);
    if (c === 95 /* _ */) {
      let e = s + 1;
      while (e < end) {
        const d = text.charCodeAt(e);
        if (d === 32 || d === 9 || d === 13) break;
        e++;
      }
      const label = labelName(text.slice(s, e));
      if (b.pendingKey !== undefined) err(b.pendingKey.line, `data_${b.name}: no value for _${b.pendingKey.key}`);
      if (b.loop !== undefined && b.loop.inHeader) {
        // `_rlnName #3`: the column number after the label is informational.
        if (b.loop.columns.includes(label)) err(lineNo, `data_${b.name}: column _${label} appears twice`);
        b.loop.columns.push(label);
        b.loop.data.push([]);
        continue;
      }
      closeLoop(b);
      tokens.length = 0;
      const problem = tokenizeLine(text, e, end, tokens);
      if (problem !== undefined) err(lineNo, `data_${b.name}: _${label}: ${problem}`);
      if (b.pairs.has(label)) err(lineNo, `data_${b.name}: item _${label} appears twice`);
      if (tokens.length === 0) b.pendingKey = { key: label, line: lineNo };
      else if (tokens.length === 1) b.pairs.set(label, { value: tokens[0] ?? "", line: lineNo });
      else err(lineNo, `data_${b.name}: _${label} has ${tokens.length} values (quote values that contain blanks)`);
      continue;
    }

    tokens.length = 0;
    const problem = tokenizeLine(text, s, end, tokens);
    if (problem !== undefined) err(lineNo, `data_${b.name}: ${problem}`);
    addValues(b, tokens, lineNo);
  }
  closeBlock();
  return new StarDocument(file, blocks);
}
