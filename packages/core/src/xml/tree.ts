/**
 * A light tree of an XML document keyed by local names (namespace prefixes
 * dropped). EPU writes WCF DataContract XML: namespaces only disambiguate, so
 * local names are enough and much faster. Built on tokenizer.ts, which checks
 * well-formedness, because half-written files are the common case live.
 */
import { decodeEntities, leafText, tokenize } from "./tokenizer.js";

export { decodeEntities } from "./tokenizer.js";

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

// Shared by all leaves until their first child arrives: most elements are leaves.
const NO_CHILDREN: XmlNode[] = [];

// Most elements are never asked for their attributes, so they stay a range of the source until then.
class Element implements XmlNode {
  children: XmlNode[] = NO_CHILDREN;
  text = "";
  private parsed: Record<string, string> | undefined | null = null;
  constructor(
    readonly name: string,
    private readonly src: string | undefined,
    private readonly rawStart: number,
    private readonly rawEnd: number,
  ) {}

  get attrs(): Readonly<Record<string, string>> | undefined {
    if (this.parsed === null) {
      this.parsed = this.src === undefined ? undefined : parseAttrs(this.src.slice(this.rawStart, this.rawEnd));
    }
    return this.parsed;
  }
}

const ATTR_RE = /([^\s=/>]+)\s*=\s*("([^"]*)"|'([^']*)')/g;

function parseAttrs(raw: string): Record<string, string> | undefined {
  let attrs: Record<string, string> | undefined;
  ATTR_RE.lastIndex = 0;
  for (let m = ATTR_RE.exec(raw); m !== null; m = ATTR_RE.exec(raw)) {
    const qname = m[1]!;
    if (qname === "xmlns" || qname.startsWith("xmlns:")) continue;
    const colon = qname.indexOf(":");
    (attrs ??= {})[colon === -1 ? qname : qname.slice(colon + 1)] = decodeEntities(m[3] ?? m[4] ?? "");
  }
  return attrs;
}

/**
 * Parse `src` into a tree. Throws XmlSyntaxError (with the line) for empty,
 * binary, truncated or mismatched input. `file` is only used in messages.
 */
export function parseXml(src: string, file?: string): XmlDocument {
  const ids = new Map<string, XmlNode>();
  const stack: Element[] = [];
  let root: Element | undefined;
  tokenize(
    src,
    {
      open(name, _tagStart, nameEnd, attrEnd, _selfClosing, idStart, idEnd) {
        const node = new Element(name, attrEnd - nameEnd > 1 ? src : undefined, nameEnd, attrEnd);
        if (idStart !== -1) ids.set(src.slice(idStart, idEnd), node);
        const parent = stack[stack.length - 1];
        if (parent === undefined) root = node;
        else if (parent.children === NO_CHILDREN) parent.children = [node];
        else parent.children.push(node);
        stack.push(node);
      },
      close(textStart, textEnd, mixed) {
        const node = stack.pop()!;
        if (node.children === NO_CHILDREN && (textEnd > textStart || mixed !== undefined)) node.text = leafText(src, textStart, textEnd, mixed);
      },
    },
    file,
  );
  return { root: root!, ids };
}
