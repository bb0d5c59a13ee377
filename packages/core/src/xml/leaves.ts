/**
 * Pick leaf values out of a document by path, without building a tree: the
 * fast way to read the tens of thousands of MicroscopeImage XML files of a
 * session (about 2× faster than tree + lookups). Same tokenizer, so the same
 * well-formedness checks and located errors as parseXml.
 *
 * Paths are local names below the root joined by '/'. A "dictionary" path
 * names a WCF serialised dictionary (children `KeyValue…` with `Key`/`Value`);
 * its entries are captured as `<path>[<key>]` (a leaf value) and
 * `<path>[<key>]/<sub/path>` (leaves inside a structured value); all of them, or only
 * the keys a plan lists for it.
 */
import type { EpuFormatError } from "../errors.js";
import { located, textToBool, textToNumber } from "./values.js";
import { leafText, tokenize } from "./tokenizer.js";

interface Node {
  readonly name: string;
  readonly next: Map<string, Node>;
  /** `next` by the FNV-1a hash of the name (the WebAssembly scanner's records carry it). */
  readonly byHash: Map<number, Node>;
  capture: string | null;
  dictionary: string | null;
  /** For a dictionary: the wanted keys and their capture paths (`<path>[<key>]`), or null for every key. */
  keys: Map<string, string> | null;
}

const node = (name: string): Node => ({ name, next: new Map(), byHash: new Map(), capture: null, dictionary: null, keys: null });

/** Whether the entry `key` of `dictionary` (a plan node) is captured. */
export function planWantsKey(dictionary: Node | null | undefined, key: string): boolean {
  return dictionary?.keys == null || dictionary.keys.has(key);
}

/** FNV-1a of an ASCII name, as scan.c computes it. */
export function nameHash(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h | 0;
}

/** A compiled set of wanted paths. Build once, reuse for every file. */
export class LeafPlan {
  readonly root: Node = node("");

  /** `keys`: for some dictionaries, the only entries to capture (reading fewer is faster). */
  constructor(paths: readonly string[], dictionaries: readonly string[] = [], keys: Readonly<Record<string, readonly string[]>> = {}) {
    for (const p of paths) this.at(p).capture = p;
    for (const d of dictionaries) {
      const n = this.at(d);
      n.dictionary = d;
      const wanted = keys[d];
      if (wanted !== undefined) n.keys = new Map(wanted.map((k) => [k, `${d}[${k}]`]));
    }
  }

  private at(path: string): Node {
    let n = this.root;
    for (const part of path.split("/")) {
      let next = n.next.get(part);
      if (next === undefined) {
        n.next.set(part, (next = node(part)));
        // A colliding pair of names would need a list; plans are a few dozen names, so refuse instead.
        if (n.byHash.has(nameHash(part))) throw new Error(`LeafPlan: hash collision on '${part}'`);
        n.byHash.set(nameHash(part), next);
      }
      n = next;
    }
    return n;
  }
}

/** The captured values of one document, with typed, located accessors. */
export class Leaves {
  constructor(
    /** Local name of the root element. */
    readonly root: string,
    private readonly values: ReadonlyMap<string, string>,
    private readonly file: string | undefined,
  ) {}

  /** Text at `path`, or undefined when absent, nil or empty. */
  str(path: string): string | undefined {
    return this.values.get(path);
  }

  /** A finite number, or undefined when absent; throws EpuFormatError for text that is not one. */
  num(path: string): number | undefined {
    return textToNumber(this.values.get(path), path, this.file);
  }

  /** 'true'/'false' as a boolean; undefined when absent. */
  bool(path: string): boolean | undefined {
    return textToBool(this.values.get(path), path, this.file);
  }

  /** An EpuFormatError located in this document's file. */
  error(message: string): EpuFormatError {
    return located(message, this.file);
  }
}

const NIL = /\bnil\s*=\s*["']true["']/;

/** Scan `src` for the leaves `plan` wants. Throws XmlSyntaxError for malformed input. */
export function scanLeaves(src: string, plan: LeafPlan, file?: string): Leaves {
  const values = new Map<string, string>();
  // Per open element: its plan node (null: not wanted), its dictionary-capture path (null: none),
  // whether it is nil, and for dictionary entries the key seen so far.
  const nodes: Array<Node | null> = [];
  const subs: Array<string | null> = [];
  const kinds: number[] = []; // 0 plain, 1 dictionary entry, 2 entry key, 3 captured (plan or dictionary value)
  const nils: boolean[] = [];
  const entryKeys: Array<string | undefined> = [];
  let rootName = "";
  tokenize(
    src,
    {
      open(name, _tagStart, nameEnd, attrEnd, _selfClosing) {
        const d = nodes.length;
        let n: Node | null = null;
        let sub: string | null = null;
        let kind = 0;
        if (d === 0) {
          rootName = name;
          n = plan.root;
        } else {
          const parent = nodes[d - 1]!;
          const parentSub = subs[d - 1]!;
          const parentKind = kinds[d - 1]!;
          if (parentSub !== null) {
            sub = `${parentSub}/${name}`;
            kind = 3;
          } else if (parentKind === 1) {
            if (name === "Key" || name === "key") kind = 2;
            else if (name === "Value" || name === "value") {
              const key = entryKeys[d - 1];
              if (key !== undefined) {
                sub = `${dictionaryPathOf(nodes, d - 2)}[${key}]`;
                kind = 3;
              }
            }
          } else if (parent !== null && parent.dictionary !== null) {
            if (name.startsWith("KeyValue")) kind = 1;
          } else if (parent !== null) {
            n = parent.next.get(name) ?? null;
            if (n !== null && n.capture !== null) kind = 3;
          }
        }
        nodes.push(n);
        subs.push(sub);
        kinds.push(kind);
        entryKeys.push(undefined);
        nils.push(kind >= 2 && attrEnd - nameEnd > 1 && NIL.test(src.slice(nameEnd, attrEnd)));
      },
      close(textStart, textEnd, mixed) {
        const n = nodes.pop()!;
        const sub = subs.pop()!;
        const kind = kinds.pop()!;
        const nil = nils.pop()!;
        entryKeys.pop();
        if (kind < 2 || nil || (textEnd === textStart && mixed === undefined)) return;
        const text = leafText(src, textStart, textEnd, mixed);
        if (text.length === 0) return;
        if (kind === 2) {
          if (planWantsKey(nodes[nodes.length - 2], text)) entryKeys[entryKeys.length - 1] = text;
        }
        else values.set(sub ?? n!.capture!, text);
      },
    },
    file,
  );
  return new Leaves(rootName, values, file);
}

function dictionaryPathOf(nodes: ReadonlyArray<Node | null>, d: number): string {
  return nodes[d]?.dictionary ?? "";
}
