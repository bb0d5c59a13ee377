/** Registering data-root sessions in a real (PGlite) store, and keeping them in step. */
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IngestBatch, MicrographName } from "@emflow/core";
import { ChangeHub } from "../events/hub.js";
import type { ChangeEvent } from "../model/entities.js";
import { openTestStore } from "../testing/pglite-snapshot.js";
import type { Store } from "../store/store.js";
import { dataRootSessionKey, micrographName, parseDataRootName, registerMovies, registrationBatches } from "./register.js";
import { DataRootSync } from "./sync.js";

const ref = { project: "lab1", user: "alice", session: "s1" };

describe("data-root registration (pure)", () => {
  it("derives a stable session key that round-trips and never looks like an EPU name", () => {
    const key = dataRootSessionKey(ref);
    expect(key.name).toBe("usc:lab1/alice/s1");
    expect(key.epuId).toMatch(/^\d{1,16}$/);
    expect(dataRootSessionKey(ref)).toEqual(key);
    expect(dataRootSessionKey({ ...ref, session: "s2" }).epuId).not.toBe(key.epuId);
    expect(parseDataRootName(key.name)).toEqual(ref);
    expect(parseDataRootName("cm40593-1")).toBeUndefined();
  });

  it("names micrographs after their files, unique across directories and valid for EPU names", () => {
    expect(micrographName("FoilHole_1_Data_2_3_fractions.tiff")).toBe("FoilHole_1_Data_2_3_fractions.tiff");
    const a = micrographName("GridSquare_1/Data/X_fractions.tiff");
    const b = micrographName("GridSquare_2/Data/X_fractions.tiff");
    expect(a).toMatch(/^X_fractions\.tiff-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(micrographName("a b.tif")).not.toBe(micrographName("a_b.tif"));
    const long = micrographName(`${"d/".repeat(50)}${"n".repeat(300)}.eer`);
    expect(long.length).toBeLessThanOrEqual(200);
    for (const n of [a, b, long, micrographName("ü ß.mrc")]) expect(MicrographName.safeParse(n).success, n).toBe(true);
  });

  it("splits large sessions into valid batches, the hierarchy first", () => {
    const movies = Array.from({ length: 9001 }, (_, i) => `sq/m${i}.tif`);
    const batches = registrationBatches(ref, "/data/lab1/sessions/alice/s1", movies);
    expect(batches.map((b) => b.items.length)).toEqual([4004, 4000, 1001]);
    expect(batches[0]!.items.slice(0, 4).map((i) => i.kind)).toEqual(["acquisition", "grid", "gridSquare", "foilHole"]);
    for (const b of batches) expect(IngestBatch.safeParse(b).success).toBe(true);
    const first = batches[0]!.items[4]!;
    expect(first.kind === "micrograph" && first.data.movieFile).toBe("/data/lab1/sessions/alice/s1/raw/sq/m0.tif");
    expect(registrationBatches(ref, "/d", [])).toHaveLength(1);
  });
});

describe("data-root registration (store)", () => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore();
  });
  afterAll(() => store.close());

  it("registers once; registering again changes nothing", async () => {
    const r = { ...ref, session: "twice" };
    const first = await registerMovies(store, r, "/d/twice", ["a.tif", "sub/a.tif"]);
    expect(first[0]).toMatchObject({ duplicate: false, created: 6 }); // acquisition, grid, square, hole, 2 micrographs
    const again = await registerMovies(store, r, "/d/twice", ["a.tif", "sub/a.tif"]);
    expect(again[0]).toMatchObject({ acquisitionId: first[0]!.acquisitionId, created: 0, updated: 0 });
    expect((await store.listMicrographs({ acquisitionId: first[0]!.acquisitionId })).total).toBe(2);
  });

  it("syncs only new movies, one sync of a session at a time, publishing events and handing outcomes to processing", async () => {
    const hub = new ChangeHub();
    const published: ChangeEvent[] = [];
    hub.subscribe((e) => published.push(...e));
    const handed: number[] = [];
    let ingests = 0;
    const counted: Store = { ...store, ingest: (b) => ((ingests += 1), store.ingest(b)), listAcquisitions: (q) => store.listAcquisitions(q) };
    const processing = { onIngest: (o: { created: number }) => handed.push(o.created) } as never;
    const sync = new DataRootSync({ store: counted, hub, processing });
    const r = { ...ref, session: "live" };
    const dir = mkdtempSync(join(tmpdir(), "emflow-usc-sync-"));
    const old = new Date(Date.now() - 60_000);
    for (const m of ["m1.tif", "m2.tif", "m3.tif"]) {
      mkdirSync(join(dir, "raw"), { recursive: true });
      writeFileSync(join(dir, "raw", m), "");
      utimesSync(join(dir, "raw", m), old, old);
    }
    writeFileSync(join(dir, "raw", "m4.tif"), ""); // still being written
    const scan = (movies: string[]) => ({ dir, movies, processed: 0 });

    expect(await sync.acquisitionId(r)).toBeUndefined();
    const [one, two] = await Promise.all([sync.sync(r, scan(["m1.tif", "m2.tif"])), sync.sync(r, scan(["m1.tif", "m2.tif"]))]);
    expect(one.added).toBe(2);
    expect(two).toEqual({ acquisitionId: one.acquisitionId, added: 0, unsettled: 0 }); // waited for the first, then had nothing to do
    expect(ingests).toBe(1);
    expect(handed).toEqual([6]);
    expect(published.filter((e) => e.kind === "micrograph")).toHaveLength(2);

    expect(await sync.sync(r, scan(["m1.tif", "m2.tif", "m3.tif", "m4.tif", "gone.tif"]))).toEqual({ acquisitionId: one.acquisitionId, added: 1, unsettled: 2 });
    expect(handed).toEqual([6, 1]);
    expect((await store.listMicrographs({ acquisitionId: one.acquisitionId })).items.map((m) => m.movieFile)).toEqual(["m1.tif", "m2.tif", "m3.tif"].map((m) => join(dir, "raw", m)));
    expect(await sync.acquisitionId(r)).toBe(one.acquisitionId);
    // A fresh process finds the acquisition in the store.
    expect(await new DataRootSync({ store }).acquisitionId(r)).toBe(one.acquisitionId);
  });
});
