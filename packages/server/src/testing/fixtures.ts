/**
 * Ingest batches built with core's parsers from the real EPU files in
 * shared/testdata/epu, translated the way the agent does (natural ids,
 * parents first), so store and HTTP tests assert values EPU really wrote.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseEpuFile, type IngestBatch, type IngestItem, type SessionKey } from "@emflow/core";

/** Absolute path of shared/testdata/epu. */
export const EPU_TESTDATA = fileURLToPath(new URL("../../../../../shared/testdata/epu/", import.meta.url));

function parse(relPath: string, file: string) {
  return parseEpuFile(relPath, readFileSync(EPU_TESTDATA + file, "utf8"));
}

/** A batch with a fresh batchId. */
export function batchOf(session: SessionKey, items: IngestItem[]): IngestBatch {
  return { batchId: randomUUID(), agentId: "test-agent", session, items };
}

/** A session key unique to one test, so tests sharing a database never see each other's rows. */
export function uniqueSession(prefix = "test"): SessionKey {
  return { epuId: String(1_000_000 + Math.floor(Math.random() * 8_000_000)), name: `${prefix}_${randomUUID().slice(0, 8)}` };
}

const ATLAS = "epumocks/Atlas/Supervisor_20240404_093820_Pete_Miriam_HexAuFoil/Sample4/Atlas/Atlas.dm";

/** Parsed epumocks files: session nt32457-6, its atlas (35 tiles, 222 squares) and grid square 4590776 (570 holes). */
export function epumocks() {
  const session = parse("EpuSession.dm", "epumocks/EPU_session/EpuSession.dm");
  const atlas = parse("Atlas/Atlas.dm", ATLAS);
  const square = parse("Metadata/GridSquare_4590776.dm", "epumocks/GridSquare_4590776.dm");
  if (session.kind !== "session" || atlas.kind !== "atlas" || square.kind !== "gridSquareMetadata") throw new Error("unexpected parse");
  const sample = session.samples[0];
  if (sample === undefined) throw new Error("epumocks session has no sample");
  return { session, sample, atlas, square, gridId: sample.gridId, gridSquareId: square.gridSquareId };
}

/**
 * The whole epumocks session as one batch (~1050 items): acquisition, grid,
 * atlas, tiles, the session's and the atlas's squares (the same squares twice:
 * merged), square 4590776's metadata and its 570 foil holes.
 */
export function epumocksBatch(session?: SessionKey): IngestBatch {
  const m = epumocks();
  const gridId = m.gridId;
  const key = session ?? { epuId: m.session.epuId, name: m.session.name };
  const items: IngestItem[] = [
    { kind: "acquisition", data: { ...m.session.acquisition, directory: "/data/nt32457-6" } },
    { kind: "grid", gridId, data: m.sample.grid },
    { kind: "atlas", gridId, data: m.atlas.atlas },
    ...m.atlas.tiles.map((t): IngestItem => ({ kind: "atlasTile", gridId, tileId: t.tileId, data: t.data })),
    ...m.sample.squares.map((s): IngestItem => ({ kind: "gridSquare", gridId, gridSquareId: s.gridSquareId, data: {} })),
    ...m.atlas.squares.map((s): IngestItem => ({ kind: "gridSquare", gridId, gridSquareId: s.gridSquareId, data: s.data })),
    { kind: "gridSquare", gridId, gridSquareId: m.gridSquareId, data: m.square.square },
    ...m.square.foilHoles.map(
      (h): IngestItem => ({ kind: "foilHole", gridId, gridSquareId: m.gridSquareId, foilHoleId: h.foilHoleId, data: h.data }),
    ),
  ];
  return batchOf(key, items);
}

const DIR = "epu-dir-example/";
const EXAMPLE_FILES = [
  "Images-Disc1/GridSquare_8999138/GridSquare_20250108_151151.xml",
  "Images-Disc1/GridSquare_8999186/GridSquare_20250108_152955.xml",
  "Images-Disc1/GridSquare_8999138/FoilHoles/FoilHole_9015889_20250108_154715.xml",
  "Images-Disc1/GridSquare_8999138/FoilHoles/FoilHole_9015889_20250108_154725.xml",
  "Images-Disc1/GridSquare_8999186/FoilHoles/FoilHole_9028276_20250109_061712.xml",
  "Images-Disc1/GridSquare_8999186/FoilHoles/FoilHole_9028276_20250109_061722.xml",
  "Images-Disc1/GridSquare_8999138/Data/FoilHole_9015883_Data_9017347_6_20250108_154915.xml",
  "Images-Disc1/GridSquare_8999138/Data/FoilHole_9015883_Data_9017354_6_20250108_154918.xml",
  "Images-Disc1/GridSquare_8999186/Data/FoilHole_9028219_Data_9017347_50_20250109_062621.xml",
  "Images-Disc1/GridSquare_8999186/Data/FoilHole_9028219_Data_9017354_50_20250109_062624.xml",
];

/**
 * Session cm40593-1 (epu-dir-example) as one batch: 228 squares, 2 square
 * images, 2 imaged holes, and 4 micrographs whose holes (9015883, 9028219)
 * are known only from the micrographs' names, as the agent sends them.
 */
export function epuDirExampleBatch(session?: SessionKey): IngestBatch {
  const s = parse("EpuSession.dm", `${DIR}EpuSession.dm`);
  if (s.kind !== "session") throw new Error("unexpected parse");
  const sample = s.samples[0]!;
  const gridId = sample.gridId;
  const items: IngestItem[] = [
    { kind: "acquisition", data: s.acquisition },
    { kind: "grid", gridId, data: sample.grid },
    ...sample.squares.map((q): IngestItem => ({ kind: "gridSquare", gridId, gridSquareId: q.gridSquareId, data: {} })),
  ];
  for (const file of EXAMPLE_FILES) {
    const p = parse(file, DIR + file);
    if (p.kind === "gridSquareImage") items.push({ kind: "gridSquare", gridId, gridSquareId: p.gridSquareId, data: p.square });
    if (p.kind === "foilHoleImage") {
      items.push({ kind: "foilHole", gridId, gridSquareId: p.gridSquareId, foilHoleId: p.foilHoleId, data: p.hole });
    }
    if (p.kind === "micrograph") {
      items.push({ kind: "foilHole", gridId, gridSquareId: p.gridSquareId, foilHoleId: p.foilHoleId, data: {} });
      items.push({ kind: "micrograph", gridId, gridSquareId: p.gridSquareId, foilHoleId: p.foilHoleId, name: p.name, data: p.micrograph });
    }
  }
  return batchOf(session ?? { epuId: s.epuId, name: s.name }, items);
}

/** Parse one epu-dir-example micrograph (to compare served values with). */
export function exampleMicrograph(index = 0) {
  const file = EXAMPLE_FILES.filter((f) => f.includes("/Data/"))[index]!;
  const p = parse(file, DIR + file);
  if (p.kind !== "micrograph") throw new Error("unexpected parse");
  return p;
}
