import { describe, expect, it } from "vitest";
import { itemKey, type IngestItem, type SessionKey } from "@emflow/core";
import { readEpuTestFile } from "../../../core/src/testing/testdata.js";
import { MemoryFiles } from "../testing/memory-files.js";
import { SessionPipeline } from "./pipeline.js";

const DIR = "/visit/session";
const SESSION = readEpuTestFile("epumocks/EPU_session/EpuSession.dm");
const DM = readEpuTestFile("epumocks/GridSquare_4590776.dm");
const GS_XML = readEpuTestFile("epumocks/EPU_session/Images-Disc1/GridSquare_4590776/GridSquare_20240406_102420.xml");
const FH_XML = readEpuTestFile("epu-dir-example/Images-Disc1/GridSquare_8999138/FoilHoles/FoilHole_9015889_20250108_154725.xml");
const MIC_XML = readEpuTestFile("epu-dir-example/Images-Disc1/GridSquare_8999138/Data/FoilHole_9015883_Data_9017354_6_20250108_154918.xml");

// Real file contents placed at the paths of one grid square of the epumocks session (hole 5665438 is in its .dm).
const P = {
  session: "EpuSession.dm",
  dm: "Metadata/GridSquare_4590776.dm",
  gs: "Images-Disc1/GridSquare_4590776/GridSquare_20240406_102420.xml",
  fh: "Images-Disc1/GridSquare_4590776/FoilHoles/FoilHole_5665438_20240406_102451.xml",
  mic: "Images-Disc1/GridSquare_4590776/Data/FoilHole_5665438_Data_4601896_4601898_20240406_102527.xml",
  movie: "Images-Disc1/GridSquare_4590776/Data/FoilHole_5665438_Data_4601896_4601898_20240406_102527_fractions.tiff",
};

function setup() {
  const disk = new MemoryFiles();
  disk.write(`${DIR}/${P.session}`, SESSION);
  disk.write(`${DIR}/${P.dm}`, DM);
  disk.write(`${DIR}/${P.gs}`, GS_XML);
  disk.write(`${DIR}/${P.fh}`, FH_XML);
  disk.write(`${DIR}/${P.mic}`, MIC_XML);
  disk.write(`${DIR}/${P.movie}`, "");
  const sent: IngestItem[] = [];
  const sessions: SessionKey[] = [];
  const pipeline = new SessionPipeline({
    sessionDir: DIR,
    files: disk,
    sink: (s, items) => {
      sessions.push(s);
      sent.push(...items);
    },
  });
  return { disk, sent, pipeline, sessions };
}

const keys = (items: IngestItem[]) => items.map(itemKey);

describe("orphans are parked at every level and applied when their parent arrives", () => {
  it("files arriving before EpuSession.dm wait for it, then go out parents first", async () => {
    const { pipeline, sent } = setup();
    for (const f of [P.movie, P.mic, P.fh, P.gs, P.dm]) expect(await pipeline.process(f)).toBe("waiting");
    expect(sent).toEqual([]);
    expect(pipeline.stats().waitingForSession).toBe(5);
    expect(await pipeline.process(P.session)).toBe("sent");
    expect(pipeline.stats()).toMatchObject({ waitingForSession: 0, parked: 0, errors: 0 });
    const k = keys(sent);
    expect(k[0]).toBe("acquisition");
    expect(k.indexOf("grid:4600930")).toBe(1);
    const square = k.indexOf("gridSquare:4600930:4590776");
    const hole = k.indexOf("foilHole:4600930:5665438");
    const mic = k.indexOf("micrograph:4600930:FoilHole_5665438_Data_4601896_4601898_20240406_102527");
    expect(square).toBeGreaterThan(1);
    expect(hole).toBeGreaterThan(square);
    expect(mic).toBeGreaterThan(hole);
    expect(new Set(keys(sent.filter((i) => i.kind === "foilHole"))).size).toBe(570);
  });

  it("a micrograph waits for its foil hole until the grid square .dm defines it", async () => {
    const { pipeline, sent } = setup();
    await pipeline.process(P.session);
    const before = sent.length;
    expect(await pipeline.process(P.mic)).toBe("sent");
    expect(await pipeline.process(P.movie)).toBe("sent");
    expect(sent.length).toBe(before); // parked: hole 5665438 not known yet
    expect(pipeline.stats().parked).toBe(2);
    expect(pipeline.parkedSample(1)[0]).toEqual({
      key: "micrograph:4600930:FoilHole_5665438_Data_4601896_4601898_20240406_102527",
      waitingFor: "foilHole:4600930:5665438",
    });
    await pipeline.process(P.dm);
    expect(pipeline.stats().parked).toBe(0);
    const k = keys(sent.slice(before));
    const hole = k.indexOf("foilHole:4600930:5665438");
    const mics = k.flatMap((key, i) => (key.startsWith("micrograph:") ? [i] : []));
    expect(mics).toHaveLength(2); // the XML and then the movie's update
    expect(Math.min(...mics)).toBeGreaterThan(hole);
    // The hole came from the .dm with its real stage position, not as an empty stand-in.
    const h = sent.find((i) => itemKey(i) === "foilHole:4600930:5665438");
    expect(h?.data).toMatchObject({ pixelX: 1396, pixelY: 972 });
    expect(await pipeline.promoteOrphans()).toBe(0);
  });

  it("an orphan whose parent file never comes is promoted with an implied parent, never dropped", async () => {
    const { pipeline, sent } = setup();
    await pipeline.process(P.session);
    await pipeline.process(P.mic);
    expect(await pipeline.promoteOrphans(Infinity)).toBe(1);
    const k = keys(sent);
    expect(k.indexOf("foilHole:4600930:5665438")).toBeLessThan(k.indexOf("micrograph:4600930:FoilHole_5665438_Data_4601896_4601898_20240406_102527"));
    expect(sent.find((i) => itemKey(i) === "foilHole:4600930:5665438")?.data).toEqual({});
    // When the .dm finally arrives, the hole is completed in place, not duplicated.
    await pipeline.process(P.dm);
    const holes = sent.filter((i) => itemKey(i) === "foilHole:4600930:5665438");
    expect(holes).toHaveLength(2);
    expect(holes[1]!.data).toMatchObject({ pixelX: 1396 });
  });

  it("a rewritten .dm sends only what changed", async () => {
    const { pipeline, sent, disk } = setup();
    await pipeline.process(P.session);
    await pipeline.process(P.dm);
    const before = sent.length;
    // EPU completes one hole: its State flips in the rewritten file.
    const at = DM.indexOf("<State>Defined</State>");
    disk.write(`${DIR}/${P.dm}`, DM.slice(0, at) + "<State>Completed</State>" + DM.slice(at + "<State>Defined</State>".length));
    await pipeline.process(P.dm);
    const changed = sent.slice(before);
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ kind: "foilHole", data: { state: "Completed" } });
    expect(Object.keys(changed[0]!.data)).toEqual(["state"]);
    // And an identical rewrite sends nothing.
    await pipeline.process(P.dm);
    expect(sent.length).toBe(before + 1);
  });

  it("a truncated file is reported incomplete, and parsed once complete", async () => {
    const { pipeline, sent, disk } = setup();
    await pipeline.process(P.session);
    disk.write(`${DIR}/${P.gs}`, GS_XML.slice(0, 5000));
    expect(await pipeline.process(P.gs)).toBe("incomplete");
    expect(pipeline.errors.get(P.gs)).toMatch(/truncated/);
    disk.write(`${DIR}/${P.gs}`, GS_XML);
    const before = sent.length;
    expect(await pipeline.process(P.gs)).toBe("sent");
    expect(pipeline.errors.has(P.gs)).toBe(false);
    expect(sent.slice(before)[0]).toMatchObject({ kind: "gridSquare", gridSquareId: "4590776", data: { magnification: 470 } });
  });
});

describe("orphans at the grid-square level", () => {
  it("a foil-hole image for a square the session does not list waits for that square's own file", async () => {
    const { pipeline, sent, disk } = setup();
    await pipeline.process(P.session);
    // A square EPU never listed in EpuSession.dm (e.g. added after the session file was written).
    const fh = "Images-Disc1/GridSquare_9999999/FoilHoles/FoilHole_5665438_20240406_102451.xml";
    const gs = "Images-Disc1/GridSquare_9999999/GridSquare_20240406_102420.xml";
    disk.write(`${DIR}/${fh}`, FH_XML);
    disk.write(`${DIR}/${gs}`, GS_XML);
    const before = sent.length;
    expect(await pipeline.process(fh)).toBe("sent");
    expect(sent.length).toBe(before);
    expect(pipeline.parkedSample(1)[0]).toEqual({ key: "foilHole:4600930:5665438", waitingFor: "gridSquare:4600930:9999999" });
    expect(await pipeline.process(gs)).toBe("sent");
    expect(keys(sent.slice(before))).toEqual(["gridSquare:4600930:9999999", "foilHole:4600930:5665438"]);
    expect(pipeline.stats().parked).toBe(0);
  });
});
