import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { IngestItem } from "@emflow/core";
import { Outbox } from "./outbox.js";

const S1 = { epuId: "1", name: "A" };
const S2 = { epuId: "2", name: "B" };
const sq = (id: string): IngestItem => ({ kind: "gridSquare", gridId: "9", gridSquareId: id, data: { selected: true } });

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), "emflow-outbox-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("Outbox", () => {
  it("appends durably, batches consecutive records of one session, and survives a reopen", async () => {
    const dir = tmp();
    const box = await Outbox.open(dir, { fsync: false });
    const seqs = await Promise.all([box.append(S1, [sq("1"), sq("2")]), box.append(S1, [sq("3")]), box.append(S2, [sq("4")])]);
    expect(seqs).toEqual([1, 2, 3]);
    const b = box.peek(100)!;
    expect(b).toMatchObject({ fromSeq: 1, toSeq: 2, session: S1 });
    expect(b.items.map((i) => (i.kind === "gridSquare" ? i.gridSquareId : ""))).toEqual(["1", "2", "3"]);
    await box.close();

    const again = await Outbox.open(dir, { fsync: false });
    expect(again.pendingRecords).toBe(3);
    expect(again.pendingItems).toBe(4);
    await again.ack(2);
    expect(again.peek(100)).toMatchObject({ fromSeq: 3, toSeq: 3, session: S2 });
    await again.close();

    const third = await Outbox.open(dir, { fsync: false });
    expect(third.pendingRecords).toBe(1);
    expect(await third.append(S1, [sq("5")])).toBe(4);
    await third.close();
  });

  it("respects the item limit but always returns at least one record", async () => {
    const box = await Outbox.open(tmp(), { fsync: false });
    await Promise.all([box.append(S1, [sq("1"), sq("2"), sq("3")]), box.append(S1, [sq("4")])]);
    expect(box.peek(2)).toMatchObject({ fromSeq: 1, toSeq: 1 });
    await box.close();
  });

  it("ignores a torn last line from a crash and keeps the rest", async () => {
    const dir = tmp();
    const box = await Outbox.open(dir, { fsync: false });
    await box.append(S1, [sq("1")]);
    await box.close();
    const seg = readdirSync(dir).find((f) => f.startsWith("seg-"))!;
    appendFileSync(path.join(dir, seg), '{"seq":2,"session":{"epuId":"1","na');
    const again = await Outbox.open(dir, { fsync: false });
    expect(again.pendingRecords).toBe(1);
    expect(await again.append(S1, [sq("2")])).toBe(2);
    await again.close();
  });

  it("deletes fully acknowledged segments and keeps dead letters with their reason", async () => {
    const dir = tmp();
    const box = await Outbox.open(dir, { fsync: false });
    await box.append(S1, [sq("1")]);
    await box.close();
    const again = await Outbox.open(dir, { fsync: false });
    await again.append(S1, [sq("2")]);
    const batch = again.peek(100)!;
    const file = await again.deadLetter(batch, "server answered 400: bad");
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ reason: "server answered 400: bad", batch: { fromSeq: 1, toSeq: 2 } });
    expect(await again.deadCount()).toBe(1);
    expect(again.pendingRecords).toBe(0);
    await again.close();
    // The first segment (all acknowledged) is gone; the current one is kept.
    expect(readdirSync(dir).filter((f) => f.startsWith("seg-")).length).toBe(1);
  });
});

describe("coalesce", async () => {
  const { coalesce } = await import("./outbox.js");
  it("merges repeats of one entity into its first place, later fields winning", () => {
    const mic = (data: Record<string, unknown>): IngestItem =>
      ({ kind: "micrograph", gridId: "9", gridSquareId: "1", foilHoleId: "2", name: "FoilHole_2_Data_3_4_20250101_000000", data }) as IngestItem;
    const hole: IngestItem = { kind: "foilHole", gridId: "9", gridSquareId: "1", foilHoleId: "5", data: { state: "Completed" } };
    const out = coalesce([mic({ previewFile: "a.jpg" }), hole, mic({ frameCount: 40, previewFile: "b.jpg" }), mic({ movieFile: "m.tiff" })]);
    expect(out).toHaveLength(2);
    expect(out[0]!.data).toEqual({ previewFile: "b.jpg", frameCount: 40, movieFile: "m.tiff" });
    expect(out[1]).toEqual(hole);
  });
});

describe("Outbox under load", () => {
  it("rolls segments while flushes overlap, loses nothing, and reopens with every unacked record", async () => {
    const dir = tmp();
    const box = await Outbox.open(dir, { fsync: true, segmentBytes: 2000, groupMs: 1 });
    const appends: Array<Promise<number>> = [];
    for (let i = 0; i < 300; i++) {
      appends.push(box.append(S1, [sq(String(i))]));
      if (i % 7 === 0) void box.flush(); // overlapping flushes...
      if (i % 30 === 29) await box.flush(); // ...and at least ten commits, so segments roll whatever the timing
    }
    const seqs = await Promise.all(appends);
    expect(seqs).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(readdirSync(dir).filter((f) => f.startsWith("seg-")).length).toBeGreaterThan(3);
    await box.ack(100);
    await box.close();
    const again = await Outbox.open(dir, { fsync: false });
    expect(again.pendingRecords).toBe(200);
    expect(again.peek(1000)).toMatchObject({ fromSeq: 101, toSeq: 300 });
    await again.close();
  });
});
