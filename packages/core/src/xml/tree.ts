/**
 * A small, fast, non-validating XML reader that builds a light tree keyed by
 * local names (namespace prefixes dropped). EPU writes WCF DataContract XML:
 * namespaces only disambiguate, so local names are enough and much faster.
 * It checks well-formedness (tags balanced and matched, one root, no binary,
 * nothing truncated) because half-written files are the common case live.
 * Speed matters (tens of thousands of files per session), hence index
 * arithmetic on the source string and attributes parsed only on demand.
 */
import { XmlSyntaxError } from "../errors.js";

/** One element. `text` is the decoded character data of a leaf (empty for containers). */
export interface XmlNode {
  readonly name: string;
  /** Attributes by local name (xmlns declarations dropped); parsed on first access. */
  readonly attrs: Readonly<Record<string, string>> | undefined;
  readonly children: XmlNode[];
  text: string;
}

/** A parsed document plus the DataContract object table (`z:Id` → element). */
export interface XmlDocument {
  readonly root: XmlNode;
  readonly ids: ReadonlyMap<string, XmlNode>;
}

const SLASH = 47;
const GT = 62;
const QUESTION = 63;
const BANG = 33;
const COLON = 58;

// Shared by all leaves until their first child arrives: most elements are leaves.
const NO_CHILDREN: XmlNode[] = [];

// Most elements are never asked for their attributes, so they stay as a range of the source until then.
class Element implements XmlNode {
  children: XmlNode[] = NO_CHILDREN;
  text = "";
  private parsed: Record<string, string> | undefined | null = null;
  /** Set when the text had comments or CDATA in it: `text` then holds the decoded pieces so far. */
  mixed = false;
  /** Where the not yet appended part of a mixed text starts. */
  textPos: number;
  constructor(
    readonly name: string,
    /** End of the qualified name in the source (it starts at openPos + 1). */
    readonly nameEnd: number,
    /** The document text when the element has attributes, read lazily from rawStart..rawEnd. */
    private readonly src: string | undefined,
    private readonly rawStart: number,
    private readonly rawEnd: number,
    /** Offset of the start tag's '<' (for messages). */
    readonly openPos: number,
    /** Offset just after the start tag's '>'. */
    readonly start: number,
  ) {
    this.textPos = start;
  }

  /** The qualified name as written, e.g. `a:Key` (only needed for messages). */
  qname(src: string): string {
    return src.slice(this.openPos + 1, this.nameEnd);
  }

  get attrs(): Readonly<Record<string, string>> | undefined {
    if (this.parsed === null) {
      this.parsed = this.src === undefined ? undefined : parseAttrs(this.src.slice(this.rawStart, this.rawEnd));
    }
    return this.parsed;
  }
}

function lineAt(src: string, pos: number): number {
  let line = 1;
  for (let i = src.indexOf("\n"); i !== -1 && i < pos; i = src.indexOf("\n", i + 1)) line++;
  return line;
}

function localName(qname: string): string {
  const colon = qname.indexOf(":");
  return colon === -1 ? qname : qname.slice(colon + 1);
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

const ATTR_RE = /([^\s=/>]+)\s*=\s*("([^"]*)"|'([^']*)')/g;

function parseAttrs(raw: string): Record<string, string> | undefined {
  let attrs: Record<string, string> | undefined;
  ATTR_RE.lastIndex = 0;
  for (let m = ATTR_RE.exec(raw); m !== null; m = ATTR_RE.exec(raw)) {
    const qname = m[1]!;
    if (qname === "xmlns" || qname.startsWith("xmlns:")) continue;
    (attrs ??= {})[localName(qname)] = decodeEntities(m[3] ?? m[4] ?? "");
  }
  return attrs;
}

function isWs(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function closingName(src: string, lt: number): string {
  const gt = src.indexOf(">", lt);
  return src.slice(lt + 2, gt === -1 ? Math.min(src.length, lt + 60) : gt).trim();
}

/**
 * Parse `src` into a tree. Throws XmlSyntaxError (with the line) for empty,
 * binary, truncated or mismatched input. `file` is only used in messages.
 */
export function parseXml(src: string, file?: string): XmlDocument {
  const fail = (msg: string, pos: number): never => {
    throw new XmlSyntaxError(msg, { ...(file === undefined ? {} : { file }), line: lineAt(src, pos) });
  };
  if (src.trim().length === 0) fail("empty file (no XML content)", 0);
  const nul = src.indexOf("\u0000");
  if (nul !== -1) fail(`not an XML text file (binary data at byte ${nul})`, nul);

  const ids = new Map<string, XmlNode>();
  const stack: Element[] = [];
  let root: Element | undefined;
  const n = src.length;
  // A BOM is allowed before the prolog.
  let pos = src.charCodeAt(0) === 0xfeff ? 1 : 0;
  const unclosed = (): never => {
    const top = stack[stack.length - 1]!;
    return fail(`truncated: <${top.qname(src)}> opened at line ${lineAt(src, top.openPos)} is never closed`, n);
  };

  while (pos < n) {
    const lt = src.indexOf("<", pos);
    if (lt === -1) {
      if (stack.length > 0) unclosed();
      if (src.slice(pos).trim().length > 0) fail("text after the root element", pos);
      break;
    }
    const top = stack[stack.length - 1];
    if (top === undefined && lt > pos && src.slice(pos, lt).trim().length > 0) fail("text outside the root element", pos);
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
      if (top === undefined) {
        if (isCdata) fail("CDATA outside the root element", lt);
      } else if (top.children.length === 0) {
        // Slow path, rare in EPU files: text interrupted by a comment or CDATA (raw, not entity-decoded).
        top.text += decodeEntities(src.slice(top.textPos, lt)) + (isCdata ? src.slice(lt + 9, end) : "");
        top.mixed = true;
        top.textPos = end + 3;
      }
      pos = end + 3;
      continue;
    }

    if (c1 === SLASH) {
      if (top === undefined) fail(`closing tag </${closingName(src, lt)}> without an opening tag`, lt);
      const t = top!;
      const qlen = t.nameEnd - t.openPos - 1;
      const after = lt + 2 + qlen;
      const ac = src.charCodeAt(after);
      let same = after <= n && (ac === GT || ac === 32 || ac === 9 || ac === 10 || ac === 13);
      for (let k = 0; same && k < qlen; k++) same = src.charCodeAt(lt + 2 + k) === src.charCodeAt(t.openPos + 1 + k);
      if (!same) {
        if (src.indexOf(">", lt) === -1) fail("truncated tag at end of file", lt);
        fail(`mismatched closing tag </${closingName(src, lt)}>, expected </${t.qname(src)}>`, lt);
      }
      const gt = src.indexOf(">", after);
      if (gt === -1) fail("truncated tag at end of file", lt);
      if (top!.children.length > 0) top!.text = "";
      else if (top!.mixed) top!.text = (top!.text + decodeEntities(src.slice(top!.textPos, lt))).trim();
      else if (lt > top!.start) {
        let a = top!.start;
        let b = lt;
        while (a < b && isWs(src.charCodeAt(a))) a++;
        while (b > a && isWs(src.charCodeAt(b - 1))) b--;
        if (b > a) top!.text = decodeEntities(src.slice(a, b));
      }
      stack.pop();
      if (stack.length === 0) root = top;
      pos = gt + 1;
      continue;
    }

    // Start tag, maybe self-closing: one pass finds its end (a '>' outside quotes) and any z:Id.
    let i = lt + 1;
    let colon = -1;
    for (; i < n; i++) {
      const c = src.charCodeAt(i);
      if (c === COLON) colon = i;
      else if (c === 32 || c === 9 || c === 10 || c === 13 || c === GT || c === SLASH) break;
    }
    const nameEnd = i;
    if (nameEnd === lt + 1) fail("empty tag name", lt);
    let zid: string | undefined;
    for (; i < n; i++) {
      const c = src.charCodeAt(i);
      if (c === GT) {
        break;
      } else if (c === 34 || c === 39) {
        // Jump over the quoted value in one native search (xmlns URIs are long).
        const close = src.indexOf(c === 34 ? '"' : "'", i + 1);
        if (close === -1) fail("truncated tag at end of file", lt);
        i = close;
      } else if (c === 73 && src.charCodeAt(i - 1) === COLON && src.charCodeAt(i + 1) === 100 && src.charCodeAt(i + 2) === 61) {
        // A prefixed Id attribute (z:Id="N"): a DataContract object others may z:Ref.
        const close = src.indexOf(src.charAt(i + 3), i + 4);
        if (close !== -1) zid = src.slice(i + 4, close);
      }
    }
    if (i >= n) fail("truncated tag at end of file", lt);
    if (top === undefined && root !== undefined) fail(`second root element <${src.slice(lt + 1, nameEnd)}>`, lt);
    const selfClosing = src.charCodeAt(i - 1) === SLASH;
    const rawEnd = selfClosing ? i - 1 : i;
    const node = new Element(
      src.slice(colon === -1 ? lt + 1 : colon + 1, nameEnd),
      nameEnd,
      rawEnd - nameEnd > 1 ? src : undefined,
      nameEnd,
      rawEnd,
      lt,
      i + 1,
    );
    if (zid !== undefined) ids.set(zid, node);
    if (top !== undefined) {
      if (top.children === NO_CHILDREN) top.children = [node];
      else top.children.push(node);
    }
    if (selfClosing) {
      if (top === undefined) root = node;
    } else {
      stack.push(node);
    }
    pos = i + 1;
  }
  if (stack.length > 0) unclosed();
  if (root === undefined) fail("no root element", 0);
  return { root: root!, ids };
}
