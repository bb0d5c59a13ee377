/**
 * The agent's memory of what it already sent, per entity: a rewritten file
 * (EPU rewrites GridSquare .dm and EpuSession.dm as the session grows) is
 * re-parsed in full, and only the fields that changed go out again.
 */
import type { IngestItem } from "@emflow/core";

type Fields = Record<string, unknown>;

/**
 * Last-sent field values by item key. With `keysOnly` (one-shot parses, where a
 * model builder merges everything anyway) only the keys are kept and every
 * item passes through unchanged: no copies, no comparisons.
 */
export class SentState {
  private readonly fields = new Map<string, Fields | null>();

  constructor(private readonly keysOnly = false) {}

  /** Keys of every entity sent so far. */
  has(key: string): boolean {
    return this.fields.has(key);
  }

  get size(): number {
    return this.fields.size;
  }

  /**
   * The part of `item` that is new: the whole item for an unseen entity, the
   * changed fields for a known one, or undefined when nothing changed.
   * Records the result as sent.
   */
  diff(key: string, item: IngestItem): IngestItem | undefined {
    const data = item.data as Fields;
    const prev = this.fields.get(key);
    if (prev === undefined) {
      this.fields.set(key, this.keysOnly ? null : { ...data });
      return item;
    }
    if (prev === null) return item;
    let changed: Fields | undefined;
    for (const [k, v] of Object.entries(data)) {
      if (v === undefined || prev[k] === v) continue;
      (changed ??= {})[k] = v;
      prev[k] = v;
    }
    return changed === undefined ? undefined : ({ ...item, data: changed } as IngestItem);
  }
}
