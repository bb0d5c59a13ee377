/**
 * A small, fast, non-validating XML reader that builds a light tree keyed by
 * local names (namespace prefixes dropped). EPU writes WCF DataContract XML:
 * namespaces only disambiguate, so local names are enough and much faster.
 * It checks well-formedness (tags balanced and matched, one root, no binary,
 * nothing truncated) because half-written files are the common case live.
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

// Most elements are never asked for their attributes, so they are kept raw until then.
class Element implements XmlNode {
  readonly children: XmlNode[] = [];
  text = "";
  private parsed: Record<string, string> | undefined | null = null;
  constructor(
    readonly name: string,
    readonly raw: string | undefined,
  ) {}
  get attrs(): Readonly<Record<string, string>> | undefined {
    if (this.parsed === null) this.parsed = this.raw === undefined ? undefined : parseAttrs(this.raw);
    return this.parsed;
  }
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
  const stack: XmlNode[] = [];
  const qnames: string[] = [];
  const openedAt: number[] = [];
  let root: XmlNode | undefined;
  let pos = 0;
  const n = src.length;
  // A BOM is allowed before the prolog.
  if (src.charCodeAt(0) === 0xfeff) pos = 1;

  while (pos < n) {
    const lt = src.indexOf("<", pos);
    if (lt === -1) {
      if (stack.length > 0 || src.slice(pos).trim().length > 0) {
        const top = qnames[qnames.length - 1];
        if (top !== undefined) fail(`truncated: <${top}> opened at line ${lineAt(src, openedAt[openedAt.length - 1]!)} is never closed`, n);
        fail("text after the root element", pos);
      }
      break;
    }
    if (lt > pos) {
      const top = stack[stack.length - 1];
      if (top === undefined) {
        if (src.slice(pos, lt).trim().length > 0) fail("text outside the root element", pos);
      } else if (top.children.length === 0) {
        top.text += src.slice(pos, lt);
      }
    }
    const c1 = src.charCodeAt(lt + 1);
    if (c1 === QUESTION) {
      const end = src.indexOf("?>", lt + 2);
      if (end === -1) fail("truncated processing instruction", lt);
      pos = end + 2;
      continue;
    }
    if (c1 === BANG) {
      if (src.startsWith("<!--", lt)) {
        const end = src.indexOf("-->", lt + 4);
        if (end === -1) fail("truncated comment", lt);
        pos = end + 3;
        continue;
      }
      if (src.startsWith("<![CDATA[", lt)) {
        const end = src.indexOf("]]>", lt + 9);
        if (end === -1) fail("truncated CDATA section", lt);
        const top = stack[stack.length - 1];
        if (top === undefined) fail("CDATA outside the root element", lt);
        // CDATA is raw text; escape it so the entity decoding at the close tag restores it unchanged.
        top!.text += src.slice(lt + 9, end).replace(/&/g, "&amp;").replace(/</g, "&lt;");
        pos = end + 3;
        continue;
      }
      if (src.startsWith("<!DOCTYPE", lt)) fail("DOCTYPE declarations are not accepted", lt);
      fail("unexpected markup '<!'", lt);
    }
    const gt = src.indexOf(">", lt + 1);
    if (gt === -1) fail("truncated tag at end of file", lt);
    if (c1 === SLASH) {
      const qname = src.slice(lt + 2, gt).trim();
      const expected = qnames.pop();
      if (expected === undefined) fail(`closing tag </${qname}> without an opening tag`, lt);
      if (expected !== qname) fail(`mismatched closing tag </${qname}>, expected </${expected}>`, lt);
      const node = stack.pop()!;
      openedAt.pop();
      if (node.children.length > 0) node.text = "";
      else if (node.text.length > 0) node.text = decodeEntities(node.text.trim());
      if (stack.length === 0) root = node;
      pos = gt + 1;
      continue;
    }
    // Start tag, maybe self-closing. Find its end outside quoted attribute values.
    let nameEnd = lt + 1;
    while (nameEnd < n && !isNameEnd(src.charCodeAt(nameEnd))) nameEnd++;
    const qname = src.slice(lt + 1, nameEnd);
    if (qname.length === 0) fail("empty tag name", lt);
    let end = nameEnd;
    let quote = 0;
    for (; end < n; end++) {
      const c = src.charCodeAt(end);
      if (quote !== 0) {
        if (c === quote) quote = 0;
      } else if (c === 34 || c === 39) quote = c;
      else if (c === GT) break;
    }
    if (end >= n) fail("truncated tag at end of file", lt);
    const selfClosing = src.charCodeAt(end - 1) === SLASH;
    if (stack.length === 0 && root !== undefined) fail(`second root element <${qname}>`, lt);
    const rawAttrs = src.slice(nameEnd, selfClosing ? end - 1 : end);
    const node = new Element(localName(qname), rawAttrs.length > 1 ? rawAttrs : undefined);
    if (node.raw !== undefined) {
      const zid = zId(node.raw);
      if (zid !== undefined) ids.set(zid, node);
    }
    const parent = stack[stack.length - 1];
    if (parent !== undefined) {
      if (parent.children.length === 0) parent.text = "";
      parent.children.push(node);
    }
    if (selfClosing) {
      if (parent === undefined) root = node;
    } else {
      stack.push(node);
      qnames.push(qname);
      openedAt.push(lt);
    }
    pos = end + 1;
  }
  if (stack.length > 0) {
    fail(`truncated: <${qnames[qnames.length - 1]}> opened at line ${lineAt(src, openedAt[openedAt.length - 1]!)} is never closed`, n);
  }
  if (root === undefined) fail("no root element", 0);
  return { root: root!, ids };
}

function isNameEnd(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === GT || c === SLASH;
}

// DataContract object ids are written as z:Id="N" where z is bound to the serialization namespace.
// We accept any prefix for `Id` as long as it is prefixed (an unprefixed Id attribute is ordinary data).
function zId(inner: string): string | undefined {
  const at = inner.indexOf(":Id=");
  if (at === -1) return undefined;
  const q = inner.charAt(at + 4);
  const close = inner.indexOf(q, at + 5);
  return close === -1 ? undefined : inner.slice(at + 5, close);
}
