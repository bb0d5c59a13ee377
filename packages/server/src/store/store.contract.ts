/**
 * The Store contract: one suite every adapter runs (pglite.test.ts always,
 * postgres.test.ts when DATABASE_URL is set). One store per run; each test
 * works in its own session, so tests never see each other's rows.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isEmflowError, type IngestItem } from "@emflow/core";
import { batchOf, epuDirExampleBatch, epumocks, epumocksBatch, exampleMicrograph, uniqueSession } from "../testing/fixtures.js";
import { synthBatches, synthIds, synthItems } from "../testing/synth-batch.js";
import type { Page } from "../model/entities.js";
import { runProcessingContract } from "./processing.contract.js";
import { runInstructionContract } from "./instructions.contract.js";
import type { Store } from "./store.js";

/** What an adapter test hands the contract: a fresh store and how to dispose of it. */
export interface ContractStore {
  readonly store: Store;
  readonly dispose: () => Promise<void>;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

/** Visit every page of a list, returning all items. */
async function allPages<T>(fetch: (cursor?: string) => Promise<Page<T>>): Promise<{ items: T[]; pages: number; totals: number[] }> {
  const items: T[] = [];
  const totals: number[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await fetch(cursor);
    items.push(...page.items);
    totals.push(page.total);
    pages++;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return { items, pages, totals };
}

/** Run the shared Store contract against `make`. */
export function runStoreContract(name: string, make: () => Promise<ContractStore>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      ({ store, dispose } = await make());
    });
    afterAll(async () => dispose?.());

    it("ingests the epumocks session with real values and counts", async () => {
      const m = epumocks();
      const batch = epumocksBatch(uniqueSession("mocks"));
      const result = await store.ingest(batch);
      const squares = new Set([...m.sample.squares, ...m.atlas.squares].map((s) => s.gridSquareId)).size;
      expect(result).toMatchObject({ batchId: batch.batchId, duplicate: false, updated: 0 });
      expect(result.created).toBe(1 + 1 + 1 + 35 + squares + 570);
      expect(await store.summary(result.acquisitionId)).toMatchObject({
        grids: 1,
        atlasTiles: 35,
        gridSquares: squares,
        foilHoles: 570,
        micrographs: 0,
      });

      const [grid] = (await store.listGrids({ acquisitionId: result.acquisitionId })).items;
      expect(grid).toMatchObject({ naturalId: m.gridId, slot: 3, holeSizeUm: m.sample.grid.holeSizeUm, squareCount: 222 });
      const square = (await store.listGridSquares({ gridId: grid!.id, naturalId: m.gridSquareId })).items[0]!;
      // Fields from the atlas and from the square's own .dm are merged into one row.
      const onAtlas = m.atlas.squares.find((s) => s.gridSquareId === m.gridSquareId)!.data;
      expect(square).toMatchObject({ ...onAtlas, ...m.square.square });
      const hole = m.square.foilHoles[0]!;
      const served = (await store.listFoilHoles({ gridSquareId: square.id, naturalId: hole.foilHoleId })).items[0]!;
      expect(served.stageXUm).toBe(hole.data.stageXUm);
      expect(served).toMatchObject({ ...hole.data, naturalId: hole.foilHoleId, gridSquareId: square.id, gridId: grid!.id });
      expect(await store.getFoilHole(served.id)).toEqual(served);

      const atlas = await store.getAtlas(grid!.id);
      expect(atlas).toMatchObject({ atlasId: "3436163", tileCount: 35, gridId: grid!.id });
      expect(atlas!.tiles).toHaveLength(35);
      expect(atlas!.tiles[0]).toMatchObject({ naturalId: m.atlas.tiles[0]!.tileId, ...m.atlas.tiles[0]!.data });
    });

    it("stores micrographs with every parsed field and ISO times", async () => {
      const result = await store.ingest(epuDirExampleBatch(uniqueSession("example")));
      const parsed = exampleMicrograph(0);
      const page = await store.listMicrographs({ acquisitionId: result.acquisitionId, naturalId: parsed.name });
      expect(page.total).toBe(1);
      const mic = page.items[0]!;
      expect(mic).toMatchObject({ ...parsed.micrograph, naturalId: parsed.name });
      expect(mic.acquiredAt).toBe("2025-01-08T15:49:18.115Z");
      const hole = await store.getFoilHole(mic.foilHoleId);
      const square = await store.getGridSquare(mic.gridSquareId);
      expect([hole?.naturalId, square?.naturalId]).toEqual(["9015883", "8999138"]);
      expect(await store.getMicrograph(mic.id)).toEqual(mic);
      expect((await store.summary(result.acquisitionId))?.micrographs).toBe(4);
    });

    it("re-ingesting the same data creates and updates nothing, and logs no events", async () => {
      const session = uniqueSession("replay");
      const first = await store.ingest(epuDirExampleBatch(session));
      const before = await store.summary(first.acquisitionId);
      const seq = await store.lastSeq();
      const again = await store.ingest(epuDirExampleBatch(session));
      expect(again).toMatchObject({ duplicate: false, created: 0, updated: 0, acquisitionId: first.acquisitionId });
      expect(await store.summary(first.acquisitionId)).toEqual(before);
      expect(await store.changesSince(seq, { acquisitionId: first.acquisitionId })).toEqual([]);
    });

    it("a replayed batchId is a duplicate and applies nothing, even with other items", async () => {
      const session = uniqueSession("dup");
      const batch = batchOf(session, [{ kind: "acquisition", data: {} }, { kind: "grid", gridId: "1", data: { slot: 1 } }]);
      const first = await store.ingest(batch);
      const replay = await store.ingest({ ...batch, items: [...batch.items, { kind: "grid", gridId: "2", data: {} }] });
      expect(replay).toEqual({ batchId: batch.batchId, acquisitionId: first.acquisitionId, duplicate: true, created: 0, updated: 0, events: [] });
      expect((await store.summary(first.acquisitionId))?.grids).toBe(1);
    });

    it("concurrent sends of one batch apply it once", async () => {
      const batch = synthBatches(uniqueSession("race"), synthItems({ squares: 3, holesPerSquare: 5, micrographsPerHole: 2 }))[0]!;
      const results = await Promise.all([store.ingest(batch), store.ingest(batch), store.ingest(batch)]);
      expect(results.map((r) => r.duplicate).sort()).toEqual([false, true, true]);
      expect((await store.summary(results[0]!.acquisitionId))?.micrographs).toBe(30);
    });

    it("a partial update merges: absent fields keep their values", async () => {
      const session = uniqueSession("merge");
      const m = epumocks();
      const hole = m.square.foilHoles[1]!;
      const base: IngestItem[] = [
        { kind: "acquisition", data: {} },
        { kind: "grid", gridId: m.gridId, data: {} },
        { kind: "gridSquare", gridId: m.gridId, gridSquareId: m.gridSquareId, data: m.square.square },
        { kind: "foilHole", gridId: m.gridId, gridSquareId: m.gridSquareId, foilHoleId: hole.foilHoleId, data: hole.data },
      ];
      const first = await store.ingest(batchOf(session, base));
      const seq = await store.lastSeq();
      const update = await store.ingest(
        batchOf(session, [{ kind: "foilHole", gridId: m.gridId, gridSquareId: m.gridSquareId, foilHoleId: hole.foilHoleId, data: { state: "Skipped" } }]),
      );
      expect(update).toMatchObject({ created: 0, updated: 1 });
      const [grid] = (await store.listGrids({ acquisitionId: first.acquisitionId })).items;
      const [square] = (await store.listGridSquares({ gridId: grid!.id })).items;
      const [served] = (await store.listFoilHoles({ gridSquareId: square!.id })).items;
      expect(served).toMatchObject({ ...hole.data, state: "Skipped" });
      expect(served!.stageXUm).toBe(hole.data.stageXUm);
      expect(Date.parse(served!.updatedAt)).toBeGreaterThanOrEqual(Date.parse(served!.createdAt));
      const events = await store.changesSince(seq, { acquisitionId: first.acquisitionId });
      expect(events).toEqual([expect.objectContaining({ kind: "foilHole", id: served!.id, op: "updated" })]);
    });

    it("rejects a batch with an unknown parent and writes nothing", async () => {
      const session = uniqueSession("orphan");
      const ok = await store.ingest(batchOf(session, [{ kind: "acquisition", data: {} }, { kind: "grid", gridId: "77", data: {} }]));
      const seq = await store.lastSeq();
      const bad = batchOf(session, [
        { kind: "grid", gridId: "78", data: { slot: 2 } },
        { kind: "gridSquare", gridId: "77", gridSquareId: "100", data: { state: "Selected" } },
        { kind: "foilHole", gridId: "77", gridSquareId: "999", foilHoleId: "5", data: {} },
      ]);
      const err = await rejection(store.ingest(bad));
      expect(isEmflowError(err, "ConflictError")).toBe(true);
      expect(err.message).toContain("grid square 999 of grid 77");
      expect(await store.summary(ok.acquisitionId)).toMatchObject({ grids: 1, gridSquares: 0, foilHoles: 0 });
      expect(await store.changesSince(seq, { acquisitionId: ok.acquisitionId })).toEqual([]);
      // The failed batch was not recorded: once its parent exists, the same batchId applies.
      await store.ingest(batchOf(session, [{ kind: "gridSquare", gridId: "77", gridSquareId: "999", data: {} }]));
      expect(await store.ingest(bad)).toMatchObject({ duplicate: false, created: 3 });
    });

    it("names every kind of missing parent", async () => {
      const session = uniqueSession("parents");
      await store.ingest(batchOf(session, [{ kind: "acquisition", data: {} }, { kind: "grid", gridId: "1", data: {} }]));
      const cases: Array<[IngestItem, string]> = [
        [{ kind: "gridSquare", gridId: "2", gridSquareId: "3", data: {} }, "grid 2"],
        [{ kind: "atlas", gridId: "2", data: {} }, "grid 2"],
        [{ kind: "atlasTile", gridId: "1", tileId: "4", data: {} }, "atlas of grid 1"],
        [{ kind: "micrograph", gridId: "1", gridSquareId: "3", foilHoleId: "6", name: "FoilHole_6_Data_1_1_20250101_000000", data: {} }, "foil hole 6 of grid 1"],
      ];
      for (const [item, missing] of cases) {
        const err = await rejection(store.ingest(batchOf(session, [item])));
        expect(isEmflowError(err, "ConflictError"), err.message).toBe(true);
        expect(err.message).toContain(missing);
      }
      const unknown = await rejection(store.ingest(batchOf(uniqueSession("nobody"), [{ kind: "grid", gridId: "1", data: {} }])));
      expect(isEmflowError(unknown, "ConflictError")).toBe(true);
      expect(unknown.message).toMatch(/unknown session .* send its acquisition first/);
    });

    it("pages visit every row exactly once, with a stable total", async () => {
      const m = epumocks();
      const { acquisitionId } = await store.ingest(epumocksBatch(uniqueSession("pages")));
      const [grid] = (await store.listGrids({ acquisitionId })).items;
      const square = (await store.listGridSquares({ gridId: grid!.id, naturalId: m.gridSquareId })).items[0]!;
      const holes = await allPages((cursor) => store.listFoilHoles({ gridSquareId: square.id, limit: 57, ...(cursor ? { cursor } : {}) }));
      expect(holes.pages).toBe(10);
      expect(new Set(holes.totals)).toEqual(new Set([570]));
      expect(new Set(holes.items.map((h) => h.id)).size).toBe(570);
      expect(holes.items.map((h) => h.naturalId)).toEqual(m.square.foilHoles.map((h) => h.foilHoleId));
      const squares = await allPages((cursor) => store.listGridSquares({ gridId: grid!.id, limit: 1000, ...(cursor ? { cursor } : {}) }));
      expect(squares.pages).toBe(1);
      expect(squares.items).toHaveLength(squares.totals[0]!);
    });

    it("filters grid squares, foil holes, micrographs and acquisitions", async () => {
      const session = uniqueSession("Filters");
      const shape = { squares: 4, holesPerSquare: 6, micrographsPerHole: 3 };
      let acquisitionId = "";
      for (const b of synthBatches(session, synthItems(shape), 40)) acquisitionId = (await store.ingest(b)).acquisitionId;
      const [grid] = (await store.listGrids({ acquisitionId })).items;
      const gridId = grid!.id;
      expect((await store.listGridSquares({ gridId, state: "Completed" })).total).toBe(2);
      expect((await store.listGridSquares({ gridId, selected: false })).items.map((s) => s.naturalId)).toEqual([synthIds.square(0, 1), synthIds.square(0, 3)]);
      const sq2 = (await store.listGridSquares({ gridId, naturalId: synthIds.square(0, 2) })).items[0]!;
      expect((await store.listFoilHoles({ gridSquareId: sq2.id, nearGridBar: true })).total).toBe(2);
      expect((await store.listFoilHoles({ gridSquareId: sq2.id, state: "Queued" })).total).toBe(6);
      expect((await store.listFoilHoles({ gridSquareId: sq2.id, state: "Completed" })).total).toBe(0);
      const hole = (await store.listFoilHoles({ gridSquareId: sq2.id, naturalId: synthIds.hole(0, 2, 4) })).items[0]!;
      expect(hole.stageXUm).toBe(2 * 50.5 + 4 * 0.125);

      expect((await store.listMicrographs({ acquisitionId })).total).toBe(72);
      expect((await store.listMicrographs({ gridId })).total).toBe(72);
      expect((await store.listMicrographs({ gridSquareId: sq2.id })).total).toBe(18);
      expect((await store.listMicrographs({ foilHoleId: hole.id })).total).toBe(3);
      const name = synthIds.micrograph(0, 2, 4, 1);
      expect((await store.listMicrographs({ acquisitionId, naturalId: name })).items.map((x) => x.foilHoleId)).toEqual([hole.id]);
      // Shots are 1 s apart from 15:00:00: [10 s, 20 s) holds shots 10..19.
      const window = await store.listMicrographs({ acquisitionId, acquiredFrom: "2025-01-08T15:00:10Z", acquiredTo: "2025-01-08T15:00:20Z" });
      expect(window.total).toBe(10);

      expect((await store.listAcquisitions({ name: session.name.toUpperCase() })).items.map((a) => a.id)).toEqual([acquisitionId]);
      expect((await store.listAcquisitions({ name: session.name, epuId: "1" })).total).toBe(0);
    });

    it("unknown and malformed ids read as absent, not as errors", async () => {
      const unknown = randomUUID();
      for (const id of [unknown, "not-a-uuid", "1"]) {
        expect(await store.getAcquisition(id)).toBeUndefined();
        expect(await store.getGrid(id)).toBeUndefined();
        expect(await store.getAtlas(id)).toBeUndefined();
        expect(await store.getGridSquare(id)).toBeUndefined();
        expect(await store.getFoilHole(id)).toBeUndefined();
        expect(await store.getMicrograph(id)).toBeUndefined();
        expect(await store.summary(id)).toBeUndefined();
        expect(await store.listFoilHoles({ gridSquareId: id })).toEqual({ items: [], total: 0, nextCursor: null });
        expect((await store.listMicrographs({ gridId: id })).total).toBe(0);
      }
    });

    it("rejects bad cursors and limits with a ValidationError", async () => {
      for (const q of [{ cursor: "garbage" }, { cursor: Buffer.from('{"s":"x"}').toString("base64url") }, { limit: 0 }, { limit: 1001 }]) {
        const err = await rejection(store.listAcquisitions(q));
        expect(isEmflowError(err, "ValidationError"), JSON.stringify(q)).toBe(true);
      }
    });

    it("logs change events in order, parents first, filterable by acquisition", async () => {
      const seq = await store.lastSeq();
      const a = await store.ingest(epuDirExampleBatch(uniqueSession("events-a")));
      const b = await store.ingest(synthBatches(uniqueSession("events-b"), synthItems({ squares: 1, holesPerSquare: 1, micrographsPerHole: 1 }))[0]!);
      const all = await store.changesSince(seq);
      expect(all.map((e) => e.seq)).toEqual([...all.map((e) => e.seq)].sort((x, y) => x - y));
      expect(all.length).toBe(a.created + b.created);
      const mine = await store.changesSince(seq, { acquisitionId: a.acquisitionId });
      expect(mine).toHaveLength(a.created);
      expect(mine.every((e) => e.op === "created" && e.acquisitionId === a.acquisitionId)).toBe(true);
      expect([...new Set(mine.map((e) => e.kind))]).toEqual(["acquisition", "grid", "gridSquare", "foilHole", "micrograph"]);
      expect(mine[0]).toMatchObject({ kind: "acquisition", id: a.acquisitionId });
      expect(await store.changesSince(seq, { limit: 3 })).toEqual(all.slice(0, 3));
      expect(await store.lastSeq()).toBe(all[all.length - 1]!.seq);
    });

    it("applies a 5000-item batch in one go", async () => {
      const items = synthItems({ squares: 11, holesPerSquare: 49, micrographsPerHole: 9 }).slice(0, 5000);
      const [batch] = synthBatches(uniqueSession("big"), items);
      const result = await store.ingest(batch!);
      expect(result.created).toBe(5000);
      expect((await store.summary(result.acquisitionId))?.micrographs).toBe(items.filter((i) => i.kind === "micrograph").length);
    });
    runProcessingContract(() => store);
    runInstructionContract(() => store);
  });
}
