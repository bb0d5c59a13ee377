/**
 * Orphan parking. An item whose parent entity has not been seen yet waits
 * here, keyed by the parent it needs, and is released the moment that parent
 * is emitted, at every level (grid → square → hole → micrograph). Nothing is
 * dropped: an orphan whose parent's own file never comes (a missing .dm, a
 * hole imaged only via image shift) is eventually promoted by creating the
 * parent from the ids the child's path carries.
 */
import { itemKey, parentKey, type IngestItem } from "@emflow/core";

interface Parked {
  readonly item: IngestItem;
  readonly since: number;
}

/** Items waiting for their parents, by parent key. */
export class OrphanPark {
  private readonly byParent = new Map<string, Parked[]>();
  private count = 0;

  /** Number of parked items. */
  get size(): number {
    return this.count;
  }

  /** Park `item` until `parent` is known. */
  park(parent: string, item: IngestItem, now: number): void {
    const list = this.byParent.get(parent);
    const entry = { item, since: now };
    if (list === undefined) this.byParent.set(parent, [entry]);
    else list.push(entry);
    this.count++;
  }

  /** Remove and return everything that was waiting for `parent`, in arrival order. */
  release(parent: string): IngestItem[] {
    const list = this.byParent.get(parent);
    if (list === undefined) return [];
    this.byParent.delete(parent);
    this.count -= list.length;
    return list.map((p) => p.item);
  }

  /** The oldest item waiting for `parent`, left in place. */
  first(parent: string): IngestItem | undefined {
    return this.byParent.get(parent)?.[0]?.item;
  }

  /** Parent keys with at least one item parked since before `cutoff` (all when cutoff is Infinity). */
  overdue(cutoff: number): string[] {
    const out: string[] = [];
    for (const [parent, list] of this.byParent) if (list.some((p) => p.since <= cutoff)) out.push(parent);
    return out;
  }

  /** A few parked items, for status displays. */
  sample(limit = 5): Array<{ key: string; waitingFor: string }> {
    const out: Array<{ key: string; waitingFor: string }> = [];
    for (const [parent, list] of this.byParent) {
      for (const p of list) {
        if (out.length >= limit) return out;
        out.push({ key: itemKey(p.item), waitingFor: parent });
      }
    }
    return out;
  }
}

/**
 * The parent an orphan implies: a foil hole for a micrograph, a grid square for
 * a foil hole (their ids are in the child's path). Grids, atlases and the
 * acquisition cannot be implied; they come only from EpuSession.dm / Atlas.dm.
 */
export function impliedParent(item: IngestItem): IngestItem | undefined {
  switch (item.kind) {
    case "micrograph":
      return { kind: "foilHole", gridId: item.gridId, gridSquareId: item.gridSquareId, foilHoleId: item.foilHoleId, data: {} };
    case "foilHole":
      return { kind: "gridSquare", gridId: item.gridId, gridSquareId: item.gridSquareId, data: {} };
    default:
      return undefined;
  }
}

export { parentKey };
