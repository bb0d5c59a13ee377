/**
 * The XML tokenizer behind both readers (the tree in tree.ts and the path
 * scanner in leaves.ts): one pass of index arithmetic over the source,
 * checking well-formedness (balanced, matching tags; one root; no binary;
 * nothing truncated) and reporting elements to a handler.
 */
import { XmlSyntaxError } from "../errors.js";

/** Receives elements as they open and close. */
export interface TokenHandler {
  /**
   * An element opened. `nameEnd..attrEnd` is its raw attribute text (empty when none);
   * `idStart..idEnd` the value of a prefixed Id attribute (DataContract z:Id), or -1.
   */
  open(localName: string, tagStart: number, nameEnd: number, attrEnd: number, selfClosing: boolean, idStart: number, idEnd: number): void;
  /**
   * The innermost open element closed. Its character data is `src[textStart..textEnd]`
   * (entities still encoded), preceded by `mixed` when comments or CDATA interrupted it.
   */
  close(textStart: number, textEnd: number, mixed: string | undefined): void;
}

const SLASH = 47;
const GT = 62;
const QUESTION = 63;
const BANG = 33;
const COLON = 58;

/** 1-based line of offset `pos`. */
export function lineAt(src: string, pos: number): number {
  let line = 1;
  for (let i = src.indexOf("\n"); i !== -1 && i < pos; i = src.indexOf("\n", i + 1)) line++;
  return line;
}

const NAMED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** Decode the five XML entities and numeric character references. */
export function decodeEntities(s: string): string {
  if (s.indexOf("&") === -1) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, body: string) => {
    if (body.charCodeAt(0) === 35) {
      const code = body.charCodeAt(1) === 120 ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[body] ?? whole;
  });
}

function isWs(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** The trimmed, decoded text of a leaf as reported to `close`. */
export function leafText(src: string, start: number, end: number, mixed: string | undefined): string {
  if (mixed !== undefined) return (mixed + decodeEntities(src.slice(start, end))).trim();
  while (start < end && isWs(src.charCodeAt(start))) start++;
  while (end > start && isWs(src.charCodeAt(end - 1))) end--;
  return end > start ? decodeEntities(src.slice(start, end)) : "";
}

function closingName(src: string, lt: number): string {
  const gt = src.indexOf(">", lt);
  return src.slice(lt + 2, gt === -1 ? Math.min(src.length, lt + 60) : gt).trim();
}

/**
 * Tokenize `src`, calling `h` for every element. Throws XmlSyntaxError (with
 * the line) for empty, binary, truncated or mismatched input.
 */
export function tokenize(src: string, h: TokenHandler, file?: string): void {
  const fail = (msg: string, pos: number): never => {
    throw new XmlSyntaxError(msg, { ...(file === undefined ? {} : { file }), line: lineAt(src, pos) });
  };
  if (src.trim().length === 0) fail("empty file (no XML content)", 0);
  const nul = src.indexOf("\u0000");
  if (nul !== -1) fail(`not an XML text file (binary data at byte ${nul})`, nul);

  // Open elements as parallel int stacks: tag start ('<'), name end, text start, and a mixed-text side table.
  const tagStart: number[] = [];
  const qnames: string[] = [];
  // textStart < 0 marks an element that has children (its text is not reported).
  const textStart: number[] = [];
  const mixed = new Map<number, string>();
  let sawRoot = false;
  const n = src.length;
  let pos = src.charCodeAt(0) === 0xfeff ? 1 : 0; // a BOM is allowed
  const qname = (d: number): string => qnames[d]!;
  const unclosed = (): never => {
    const d = tagStart.length - 1;
    return fail(`truncated: <${qname(d)}> opened at line ${lineAt(src, tagStart[d]!)} is never closed`, n);
  };

  while (pos < n) {
    const lt = src.indexOf("<", pos);
    const depth = tagStart.length;
    if (lt === -1) {
      if (depth > 0) unclosed();
      if (src.slice(pos).trim().length > 0) fail("text after the root element", pos);
      break;
    }
    if (depth === 0 && lt > pos && src.slice(pos, lt).trim().length > 0) fail("text outside the root element", pos);
    if (lt + 1 >= n) fail("truncated tag at end of file", lt);
    const c1 = src.charCodeAt(lt + 1);

    if (c1 === QUESTION) {
      const end = src.indexOf("?>", lt + 2);
      if (end === -1) fail("truncated processing instruction", lt);
      pos = end + 2;
      continue;
    }

    if (c1 === BANG) {
      const isComment = src.startsWith("<!--", lt);
      const isCdata = !isComment && src.startsWith("<![CDATA[", lt);
      if (!isComment && !isCdata) {
        fail(src.startsWith("<!DOCTYPE", lt) ? "DOCTYPE declarations are not accepted" : "unexpected markup '<!'", lt);
      }
      const end = src.indexOf(isComment ? "-->" : "]]>", lt + 4);
      if (end === -1) fail(isComment ? "truncated comment" : "truncated CDATA section", lt);
      if (depth === 0) {
        if (isCdata) fail("CDATA outside the root element", lt);
      } else if (textStart[depth - 1]! >= 0) {
        // Rare in EPU files: text interrupted by a comment or CDATA (raw, not entity-decoded).
        const d = depth - 1;
        const piece = decodeEntities(src.slice(textStart[d]!, lt)) + (isCdata ? src.slice(lt + 9, end) : "");
        mixed.set(d, (mixed.get(d) ?? "") + piece);
        textStart[d] = end + 3;
      }
      pos = end + 3;
      continue;
    }

    if (c1 === SLASH) {
      if (depth === 0) fail(`closing tag </${closingName(src, lt)}> without an opening tag`, lt);
      const d = depth - 1;
      const q = qnames[d]!;
      const after = lt + 2 + q.length;
      const ac = src.charCodeAt(after);
      // startsWith is a native compare, several times faster than comparing char by char here.
      if (!((ac === GT || isWs(ac)) && src.startsWith(q, lt + 2))) {
        if (src.indexOf(">", lt) === -1) fail("truncated tag at end of file", lt);
        fail(`mismatched closing tag </${closingName(src, lt)}>, expected </${qname(d)}>`, lt);
      }
      const gt = src.indexOf(">", after);
      if (gt === -1) fail("truncated tag at end of file", lt);
      const m = mixed.size > 0 ? mixed.get(d) : undefined;
      if (m !== undefined) mixed.delete(d);
      const ts = textStart[d]!;
      if (ts < 0) h.close(0, 0, undefined);
      else h.close(ts, lt, m);
      tagStart.pop();
      qnames.pop();
      textStart.pop();
      pos = gt + 1;
      continue;
    }

    // Start tag, maybe self-closing: find its end (a '>' outside quotes) in one pass.
    let i = lt + 1;
    let colon = -1;
    for (; i < n; i++) {
      const c = src.charCodeAt(i);
      if (c === COLON) colon = i;
      else if (c === 32 || c === 9 || c === 10 || c === 13 || c === GT || c === SLASH) break;
    }
    const nameEnd = i;
    if (nameEnd === lt + 1) fail("empty tag name", lt);
    let idStart = -1;
    let idEnd = -1;
    for (; i < n; i++) {
      const c = src.charCodeAt(i);
      if (c === GT) break;
      if (c === 34 || c === 39) {
        // Jump over the quoted value in one native search (xmlns URIs are long).
        const close = src.indexOf(c === 34 ? '"' : "'", i + 1);
        if (close === -1) fail("truncated tag at end of file", lt);
        if (src.charCodeAt(i - 1) === 61 && src.charCodeAt(i - 2) === 100 && src.charCodeAt(i - 3) === 73 && src.charCodeAt(i - 4) === COLON) {
          idStart = i + 1; // ...:Id="value"
          idEnd = close;
        }
        i = close;
      }
    }
    if (i >= n) fail("truncated tag at end of file", lt);
    if (depth === 0 && sawRoot) fail(`second root element <${src.slice(lt + 1, nameEnd)}>`, lt);
    sawRoot = true;
    const selfClosing = src.charCodeAt(i - 1) === SLASH;
    if (depth > 0) textStart[depth - 1] = -1;
    const q = src.slice(lt + 1, nameEnd);
    h.open(colon === -1 ? q : q.slice(colon - lt), lt, nameEnd, selfClosing ? i - 1 : i, selfClosing, idStart, idEnd);
    if (selfClosing) {
      h.close(i + 1, i + 1, undefined);
    } else {
      tagStart.push(lt);
      qnames.push(q);
      textStart.push(i + 1);
    }
    pos = i + 1;
  }
  if (tagStart.length > 0) unclosed();
  if (!sawRoot) fail("no root element", 0);
}
