/**
 * Apply one IngestBatch in one transaction: dedupe by batchId, resolve the
 * acquisition, then per kind (core's KIND_ORDER) check parents and upsert all
 * items in one statement. Any missing parent rolls the whole batch back.
 */
import { itemKey, KIND_ORDER, type IngestBatch, type IngestItem } from "@emflow/core";
import type { ChangeEvent } from "../model/entities.js";
import { ConflictError } from "../errors.js";
import { TABLES, toRecord } from "./columns.js";
import { KIND_SQL, UPSERT_ACQUISITION, type ChildKind } from "./ingest-sql.js";
import type { Row, SqlQueryable } from "./sql-client.js";
import type { IngestOutcome } from "./store.js";

// An arbitrary constant: the advisory-lock key that serialises ingests, so change_events.seq
// is assigned in commit order and an SSE client resuming from a seq never skips a late commit.
const INGEST_LOCK = 7_262_002;

/** One kind's share of a batch: records for the upsert, distinct parent keys for the check. */
interface KindStep {
  readonly kind: ChildKind;
  readonly records: Array<Record<string, unknown>>;
  readonly parents: Array<Record<string, string>>;
}

/** A batch grouped by kind, duplicates merged (later fields win), in KIND_ORDER. */
export interface BatchPlan {
  readonly acquisition: Record<string, unknown> | undefined;
  readonly steps: readonly KindStep[];
}

/** Group and merge a batch's items. Pure; exported for tests. */
export function planBatch(items: readonly IngestItem[]): BatchPlan {
  const merged = new Map<string, IngestItem>();
  for (const item of items) {
    const key = itemKey(item);
    const prev = merged.get(key);
    // The same entity twice in one statement would make ON CONFLICT touch a row twice, so merge here.
    merged.set(key, prev === undefined ? item : ({ ...item, data: { ...prev.data, ...item.data } } as IngestItem));
  }
  let acquisition: Record<string, unknown> | undefined;
  const byKind = new Map<ChildKind, KindStep>();
  for (const item of merged.values()) {
    if (item.kind === "acquisition") {
      acquisition = toRecord(TABLES.acquisition, item.data, {});
      continue;
    }
    let step = byKind.get(item.kind);
    if (step === undefined) byKind.set(item.kind, (step = { kind: item.kind, records: [], parents: [] }));
    const { keys, parent } = naturalKeys(item);
    step.records.push(toRecord(TABLES[item.kind], item.data, keys));
    if (parent !== undefined) step.parents.push(parent);
  }
  const steps = KIND_ORDER.flatMap((k) => (k === "acquisition" ? [] : byKind.has(k) ? [byKind.get(k)!] : []));
  return { acquisition, steps: steps.map((s) => ({ ...s, parents: distinct(s.parents) })) };
}

function naturalKeys(item: Exclude<IngestItem, { kind: "acquisition" }>): { keys: Record<string, string>; parent?: Record<string, string> } {
  switch (item.kind) {
    case "grid":
      return { keys: { natural_id: item.gridId } };
    case "atlas":
      return { keys: { grid_nid: item.gridId }, parent: { grid_nid: item.gridId } };
    case "atlasTile":
      return { keys: { grid_nid: item.gridId, natural_id: item.tileId }, parent: { grid_nid: item.gridId } };
    case "gridSquare":
      return { keys: { grid_nid: item.gridId, natural_id: item.gridSquareId }, parent: { grid_nid: item.gridId } };
    case "foilHole": {
      const parent = { grid_nid: item.gridId, square_nid: item.gridSquareId };
      return { keys: { ...parent, natural_id: item.foilHoleId }, parent };
    }
    case "micrograph": {
      const parent = { grid_nid: item.gridId, hole_nid: item.foilHoleId };
      return { keys: { ...parent, natural_id: item.name }, parent };
    }
  }
}

function distinct(keys: Array<Record<string, string>>): Array<Record<string, string>> {
  const seen = new Map<string, Record<string, string>>();
  for (const k of keys) seen.set(JSON.stringify(k), k);
  return [...seen.values()];
}

/** Run `batch` inside transaction `tx` (the caller opens it). */
export async function ingestInTransaction(tx: SqlQueryable, batch: IngestBatch): Promise<IngestOutcome> {
  const plan = planBatch(batch.items);
  await tx.query(`SELECT pg_advisory_xact_lock(${INGEST_LOCK})`);
  const fresh = await tx.query(
    "INSERT INTO ingest_batches (batch_id, agent_id, item_count) VALUES ($1, $2, $3) ON CONFLICT (batch_id) DO NOTHING RETURNING batch_id",
    [batch.batchId, batch.agentId ?? null, batch.items.length],
  );
  if (fresh.length === 0) {
    const [prior] = await tx.query<{ acquisition_id: string }>("SELECT acquisition_id FROM ingest_batches WHERE batch_id = $1", [batch.batchId]);
    return { batchId: batch.batchId, acquisitionId: prior?.acquisition_id ?? "", duplicate: true, created: 0, updated: 0, events: [] };
  }

  const events: ChangeEvent[] = [];
  const { epuId, name } = batch.session;
  if (plan.acquisition !== undefined) {
    events.push(...(await tx.query(UPSERT_ACQUISITION, [epuId, name, JSON.stringify([plan.acquisition])])).map(toEvent));
  }
  const [acq] = await tx.query<{ id: string }>("SELECT id FROM acquisitions WHERE epu_id = $1 AND name = $2", [epuId, name]);
  if (acq === undefined) {
    throw new ConflictError(`unknown session ${epuId} (${name}): send its acquisition first`);
  }

  for (const step of plan.steps) {
    const sql = KIND_SQL[step.kind];
    if (sql.missing !== undefined && step.parents.length > 0) {
      const missing = await tx.query<Record<string, string>>(sql.missing, [acq.id, JSON.stringify(step.parents)]);
      if (missing.length > 0) {
        const names = missing.map(sql.describe).join(", ");
        throw new ConflictError(`${step.kind} items refer to a parent that does not exist: ${names} (send it first or in the same batch)`);
      }
    }
    events.push(...(await tx.query(sql.upsert, [acq.id, JSON.stringify(step.records)])).map(toEvent));
  }

  const created = events.filter((e) => e.op === "created").length;
  const updated = events.length - created;
  await tx.query("UPDATE ingest_batches SET acquisition_id = $2, created = $3, updated = $4 WHERE batch_id = $1", [
    batch.batchId,
    acq.id,
    created,
    updated,
  ]);
  return { batchId: batch.batchId, acquisitionId: acq.id, duplicate: false, created, updated, events };
}

/** A change_events row → ChangeEvent. */
export function toEvent(row: Row): ChangeEvent {
  return {
    seq: Number(row.seq),
    kind: row.kind as ChangeEvent["kind"],
    id: row.entity_id as string,
    acquisitionId: row.acquisition_id as string,
    op: row.op as ChangeEvent["op"],
    at: row.at instanceof Date ? row.at.toISOString() : String(row.at),
  };
}
