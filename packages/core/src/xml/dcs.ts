/**
 * Accessors for WCF DataContract XML (what EPU writes): nil values, `z:Ref`
 * back-references to earlier `z:Id` objects, dictionaries serialised as
 * key/value pairs, and typed leaf values with located errors.
 */
import type { EpuFormatError } from "../errors.js";
import { located, textToBool, textToNumber } from "./values.js";
import type { XmlDocument, XmlNode } from "./tree.js";

/** A cursor over one document; all lookups go through it so `z:Ref` resolves. */
export class Dcs {
  constructor(
    readonly doc: XmlDocument,
    readonly file: string | undefined,
  ) {}

  get root(): XmlNode {
    return this.doc.root;
  }

  /** Follow a `z:Ref` to the element it points at (or return the node itself). */
  deref(node: XmlNode): XmlNode {
    const ref = node.attrs?.["Ref"];
    if (ref === undefined) return node;
    return this.doc.ids.get(ref) ?? node;
  }

  /** True when the element is `i:nil="true"` and not a reference to a real value. */
  isNil(node: XmlNode | undefined): boolean {
    if (node === undefined) return true;
    const target = this.deref(node);
    return target.attrs?.["nil"] === "true";
  }

  /** First child with the given local name, following references. */
  child(node: XmlNode | undefined, name: string): XmlNode | undefined {
    if (node === undefined) return undefined;
    const target = this.deref(node);
    for (const c of target.children) if (c.name === name) return c;
    return undefined;
  }

  /** All children with the given local name. */
  children(node: XmlNode | undefined, name: string): XmlNode[] {
    if (node === undefined) return [];
    return this.deref(node).children.filter((c) => c.name === name);
  }

  /** Walk a slash-separated path of local names from `node`. */
  at(node: XmlNode | undefined, path: string): XmlNode | undefined {
    let cur = node;
    for (const part of path.split("/")) {
      cur = this.child(cur, part);
      if (cur === undefined) return undefined;
    }
    return cur;
  }

  /** Text of a leaf, or undefined when absent or nil. */
  str(node: XmlNode | undefined, path?: string): string | undefined {
    const target = path === undefined ? node : this.at(node, path);
    if (target === undefined || this.isNil(target)) return undefined;
    return this.deref(target).text;
  }

  /** A finite number, or undefined when absent/nil/empty; throws on text that is not a number. */
  num(node: XmlNode | undefined, path?: string): number | undefined {
    return textToNumber(this.str(node, path), path ?? node?.name ?? "value", this.file);
  }

  /** Like num(), but the value must be present. */
  reqNum(node: XmlNode | undefined, path: string): number {
    const v = this.num(node, path);
    if (v === undefined) throw this.error(`missing number at ${path}`);
    return v;
  }

  /** Like str(), but the value must be present and non-empty. */
  reqStr(node: XmlNode | undefined, path: string): string {
    const v = this.str(node, path);
    if (v === undefined || v.length === 0) throw this.error(`missing value at ${path}`);
    return v;
  }

  /** 'true'/'false' as a boolean; undefined when absent. */
  bool(node: XmlNode | undefined, path?: string): boolean | undefined {
    return textToBool(this.str(node, path), path ?? node?.name ?? "value", this.file);
  }

  /**
   * Entries of a serialised dictionary: children named like `KeyValue...` with
   * `key`/`Key` and `value`/`Value` elements. Yields [key text, value node].
   */
  entries(container: XmlNode | undefined): Array<[string, XmlNode]> {
    if (container === undefined) return [];
    const out: Array<[string, XmlNode]> = [];
    for (const kv of this.deref(container).children) {
      if (!kv.name.startsWith("KeyValue")) continue;
      const k = this.child(kv, "key") ?? this.child(kv, "Key");
      const v = this.child(kv, "value") ?? this.child(kv, "Value");
      if (k === undefined || v === undefined) continue;
      out.push([this.deref(k).text, v]);
    }
    return out;
  }

  /** Non-nil items of a serialised list (`_items` with `_size`). */
  items(list: XmlNode | undefined, itemName: string): XmlNode[] {
    const items = this.child(list, "_items");
    return this.children(items, itemName).filter((n) => !this.isNil(n));
  }

  /** An EpuFormatError located in this document's file. */
  error(message: string): EpuFormatError {
    return located(message, this.file);
  }
}
