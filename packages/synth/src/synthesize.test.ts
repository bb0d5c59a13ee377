import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyEpuPath, isEmflowError, parseEpuFile, resolveWindowsPath } from "@emflow/core";
import type { ParsedAtlas, ParsedFoilHoleImage, ParsedGridSquareImage, ParsedGridSquareMetadata, ParsedMicrograph, ParsedSession } from "@emflow/core";
import { nodeSynthFs, virtualClock, type SynthFs } from "./io.js";
import { synthesizeSession, TRUTH_FILE, type SynthProgress, type SynthResult } from "./synthesize.js";

interface Logged {
  op: "mkdir" | "write" | "append" | "rename";
  path: string;
  from?: string;
  text?: string;
}

/** The real file system, logging every operation (and the text of .dm writes) in order. */
function recordingFs(root: string, log: Logged[]): SynthFs {
  const rel = (p: string): string => relative(root, p);
  return {
    mkdir: async (p) => {
      log.push({ op: "mkdir", path: rel(p) });
      await nodeSynthFs.mkdir(p);
    },
    writeFile: async (p, data) => {
      log.push({ op: "write", path: rel(p), ...(p.endsWith(".dm") && typeof data === "string" ? { text: data } : {}) });
      await nodeSynthFs.writeFile(p, data);
    },
    appendFile: async (p, data) => {
      log.push({ op: "append", path: rel(p) });
      await nodeSynthFs.appendFile(p, data);
    },
    rename: async (from, to) => {
      log.push({ op: "rename", path: rel(to), from: rel(from) });
      await nodeSynthFs.rename(from, to);
    },
  };
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const list = (d: string): string[] | undefined => {
  try {
    return readdirSync(d);
  } catch {
    return undefined;
  }
};

const OPTS = { squares: 3, holesPerSquare: 8, shotsPerHole: 3, extraTargetsPerSquare: 4, seed: 5, tmpRenameEvery: 5, metadataRewriteEvery: 3 };

describe("synthesizeSession", () => {
  let tmp: string;
  let r: SynthResult;
  const log: Logged[] = [];
  const progress: SynthProgress[] = [];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "emflow-synth-"));
    const dir = join(tmp, "cm12345-6");
    r = await synthesizeSession({ ...OPTS, dir, speed: 0, fs: recordingFs(dir, log), onProgress: (p) => progress.push(p) });
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const read = (p: string): string => readFileSync(join(r.dir, p), "utf8");
  const parse = <T>(sessionRel: string): T => parseEpuFile(sessionRel, read(join(r.sessionDir, sessionRel))) as T;

  it("returns and writes the ground truth", () => {
    expect(r.totals).toMatchObject({ squares: 3, foilHoles: 24, micrographs: 72 });
    expect(JSON.parse(read(TRUTH_FILE))).toEqual(JSON.parse(JSON.stringify({ ...r, dir: undefined, sessionPath: undefined, atlasFile: undefined })));
    expect(r.visit).toBe("cm12345-6");
    expect(r.sessionDir).toMatch(/^Supervisor_\d{8}_\d{6}_emflow-synth_EPU$/);
    expect(r.atlasPath).toMatch(/^atlas\/Supervisor_\d{8}_\d{6}_emflow-synth_Atlas\/Sample\d+\/Atlas\/Atlas\.dm$/);
  });

  it("writes exactly the files the truth counts, and no .tmp is left", () => {
    const files = walk(r.dir).filter((f) => !f.endsWith(TRUTH_FILE));
    expect(files).toHaveLength(r.totals.files);
    expect(files.reduce((n, f) => n + statSync(f).size, 0)).toBe(r.totals.bytes);
    expect(files.filter((f) => f.endsWith(".tmp"))).toEqual([]);
    const inSession = files.map((f) => relative(r.sessionPath, f)).filter((f) => !f.startsWith(".."));
    const kinds = inSession.map((f) => classifyEpuPath(f)?.kind ?? "other");
    const count = (k: string): number => kinds.filter((x) => x === k).length;
    expect(count("micrograph")).toBe(72);
    expect(count("movie")).toBe(72);
    expect(count("foilHoleImage")).toBe(24);
    expect(count("gridSquareImage")).toBe(3);
    expect(count("gridSquareMetadata")).toBe(3);
    expect(count("other")).toBe(0);
    const movie = files.find((f) => f.endsWith("_fractions.tiff"))!;
    expect(statSync(movie).size).toBe(4096);
    expect([...readFileSync(movie).subarray(0, 4)]).toEqual([0x49, 0x49, 42, 0]);
    const jpg = readFileSync(files.find((f) => f.endsWith(".jpg"))!);
    expect([jpg[0], jpg[1]]).toEqual([0xff, 0xd8]);
  });

  it("every XML and .dm file parses with core", () => {
    let parsed = 0;
    for (const f of walk(r.dir)) {
      if (f.endsWith("Atlas.dm")) {
        expect(parseEpuFile(relative(r.dir, f), readFileSync(f, "utf8")).kind).toBe("atlas");
        parsed++;
        continue;
      }
      const rel = relative(r.sessionPath, f);
      const info = classifyEpuPath(rel);
      if (info === undefined || info.kind === "preview" || info.kind === "movie") continue;
      expect(parseEpuFile(rel, readFileSync(f, "utf8")).kind).toBe(info.kind);
      parsed++;
    }
    expect(parsed).toBe(1 + 1 + 3 + 3 + 24 + 72);
  });

  it("EpuSession.dm gives back the session, grid, atlas path and squares", () => {
    const s = parse<ParsedSession>("EpuSession.dm");
    expect(s.epuId).toBe(r.session.epuId);
    expect(s.name).toBe(r.sessionDir);
    expect(s.acquisition).toMatchObject({ startedAt: r.session.startedAt, storageFolder: r.storageFolderWindowsPath, doseFractionsFormat: "Tiff Lzw Non-Gain normalized" });
    expect(s.acquisition.storageFolder).toBe(`Z:\\${r.visit}`);
    const grid = s.samples[0]!;
    expect(s.samples).toHaveLength(1);
    expect(grid.gridId).toBe(r.gridId);
    expect(grid.atlasWindowsPath).toBe(r.atlasWindowsPath);
    expect(grid.grid).toMatchObject({ endedAt: r.session.endedAt, squareCount: r.atlas.squareCount, geometry: "Square" });
    expect(grid.grid.holeSizeUm).toBeCloseTo(1.2, 9);
    expect(grid.grid.holeSpacingUm).toBeCloseTo(2.5, 9);
    const ids = new Set(grid.squares.map((q) => q.gridSquareId));
    for (const sq of r.squares) expect(ids.has(sq.id)).toBe(true);
    expect(grid.squares.find((q) => q.gridSquareId === r.squares[0]!.id)!.metadataFile).toBe(`Metadata\\GridSquare_${r.squares[0]!.id}.dm`);
  });

  it("the atlas resolves from the session through core's resolveWindowsPath, and lists every square", () => {
    expect(resolveWindowsPath(r.atlasWindowsPath, r.sessionPath, list)).toBe(r.atlasFile);
    const a = parseEpuFile("Atlas.dm", readFileSync(r.atlasFile, "utf8")) as ParsedAtlas;
    expect(a.atlas).toMatchObject({ atlasId: r.atlas.atlasId, tileCount: r.atlas.tileCount });
    expect(a.squares).toHaveLength(r.atlas.squareCount);
    for (const sq of r.squares) {
      const got = a.squares.find((q) => q.gridSquareId === sq.id)!.data;
      expect(got).toMatchObject({ atlasX: sq.atlas.x, atlasY: sq.atlas.y, atlasWidth: sq.atlas.width, atlasHeight: sq.atlas.height, tileId: sq.atlas.tileId });
      expect(got.physicalXUm).toBeCloseTo(sq.atlas.physicalXUm, 4);
      expect(got.physicalYUm).toBeCloseTo(sq.atlas.physicalYUm, 4);
      expect(got.physicalWidthUm).toBeCloseTo(sq.atlas.sizeUm, 4);
      // The atlas estimate of the stage position is within a few µm of the refined one.
      expect(Math.abs(got.physicalXUm! + sq.atlas.sizeUm / 2 - sq.stageUm.x)).toBeLessThan(3);
    }
  });

  it("grid-square .dm files hold every target location with positions, states and filter statistics", () => {
    for (const sq of r.squares) {
      const g = parse<ParsedGridSquareMetadata>(sq.metadataFile);
      expect(g.gridSquareId).toBe(sq.id);
      expect(g.square).toMatchObject({ state: "Completed", selected: true, unusable: false, holeCount: 12 });
      expect(g.square.stageXUm).toBeCloseTo(sq.stageUm.x, 5);
      expect(g.square.stageYUm).toBeCloseTo(sq.stageUm.y, 5);
      expect(g.square.stageZUm).toBeCloseTo(sq.stageUm.z, 5);
      expect(g.square.rotationDeg).toBeCloseTo(sq.rotationDeg, 6);
      expect(g.square.imagePath).toBe(`Z:\\${r.visit}\\${r.sessionDir}\\${sq.imageFile.replace(/\//g, "\\").replace(/\.xml$/, ".jpg")}`);
      const byId = new Map(g.foilHoles.map((h) => [h.foilHoleId, h.data]));
      for (const h of sq.holes) {
        const got = byId.get(h.id)!;
        expect(got).toMatchObject({ pixelX: h.pixelX, pixelY: h.pixelY, diameterPx: h.diameterPx, nearGridBar: h.nearGridBar, state: "Completed", selected: true });
        expect(got.stageXUm).toBeCloseTo(h.stageUm.x, 5);
        expect(got.stageYUm).toBeCloseTo(h.stageUm.y, 5);
        expect(got.intensityMean).toBeGreaterThan(0);
        expect(got.intensityStdDev).toBeGreaterThan(0);
      }
      for (const id of sq.unselectedHoleIds) expect(byId.get(id)).toMatchObject({ state: "Defined", selected: false });
    }
  });

  it("image XMLs give back square, hole and exposure values", () => {
    for (const sq of r.squares) {
      const gs = parse<ParsedGridSquareImage>(sq.imageFile);
      expect(gs.gridSquareId).toBe(sq.id);
      expect(gs.square).toMatchObject({ acquiredAt: sq.acquiredAt, magnification: 470, detector: "BioQuantum K3" });
      expect(gs.square.pixelSizeA).toBeCloseTo(415.6276, 3);
      for (const h of sq.holes) {
        const fh = parse<ParsedFoilHoleImage>(h.imageFile);
        expect(fh).toMatchObject({ gridSquareId: sq.id, foilHoleId: h.id });
        expect(fh.hole.foundDiameterUm).toBeGreaterThan(1.1);
        expect(fh.hole.foundDiameterUm).toBeLessThan(1.3);
        for (const s of h.shots) {
          const m = parse<ParsedMicrograph>(`${sq.imageFile.split("/").slice(0, 2).join("/")}/Data/${s.name}.xml`);
          expect(m).toMatchObject({ gridSquareId: sq.id, foilHoleId: h.id, name: s.name });
          expect(m.micrograph).toMatchObject({
            locationId: s.locationId,
            acquiredAt: s.acquiredAt,
            appliedDefocusA: s.defocusA,
            magnification: 165000,
            voltageKv: 300,
            frameCount: 50,
            exposureTimeS: 0.89,
            detectorModel: "BioQuantum K3",
            slitInserted: true,
          });
          expect(m.micrograph.pixelSizeA).toBeCloseTo(1.0559, 4);
          expect(m.micrograph.doseEA2).toBeGreaterThan(35);
          expect(m.micrograph.stageXUm).toBeCloseTo(s.stageUm.x, 5);
          expect(m.micrograph.stageYUm).toBeCloseTo(s.stageUm.y, 5);
        }
      }
    }
  });

  it("writes in EPU's order: atlas, session, then every file after its parents", () => {
    const firstWrite = new Map<string, number>();
    log.forEach((e, i) => {
      if (e.op !== "mkdir" && !firstWrite.has(e.path)) firstWrite.set(e.path, i);
    });
    const at = (p: string): number => firstWrite.get(join(r.sessionDir, p)) ?? Number.POSITIVE_INFINITY;
    const session = at("EpuSession.dm");
    expect(firstWrite.get(r.atlasPath)!).toBeLessThan(session);
    for (const sq of r.squares) {
      const gsJpg = at(sq.imageFile.replace(/\.xml$/, ".jpg"));
      const gsXml = at(sq.imageFile);
      const dm = at(sq.metadataFile);
      expect(session).toBeLessThan(gsJpg);
      expect(gsJpg).toBeLessThan(gsXml);
      expect(gsXml).toBeLessThan(dm);
      for (const h of sq.holes) {
        const fhJpg = at(h.imageFile.replace(/\.xml$/, ".jpg"));
        const fhXml = at(h.imageFile);
        expect(dm).toBeLessThan(fhJpg);
        expect(fhJpg).toBeLessThan(fhXml);
        for (const s of h.shots) {
          const data = `${sq.imageFile.split("/").slice(0, 2).join("/")}/Data/${s.name}`;
          const xml = Math.min(at(`${data}.xml`), at(`${data}.xml.tmp`));
          expect(fhXml).toBeLessThan(at(`${data}.jpg`));
          expect(at(`${data}.jpg`)).toBeLessThan(xml);
          expect(xml).toBeLessThan(at(`${data}_fractions.tiff`));
        }
      }
    }
    // Directories exist before anything is written into them.
    const made = new Set<string>();
    for (const e of log) {
      if (e.op === "mkdir") made.add(e.path);
      else expect(made.has(e.path.split("/").slice(0, -1).join("/"))).toBe(true);
    }
  });

  it("writes EpuSession.dm in two pieces (the first a truncated document) and rewrites it at the end", () => {
    const ops = log.filter((e) => e.path.endsWith("EpuSession.dm"));
    expect(ops.map((e) => e.op)).toEqual(["write", "append", "write"]);
    let err: unknown;
    try {
      parseEpuFile("EpuSession.dm", ops[0]!.text!);
    } catch (e) {
      err = e;
    }
    expect(isEmflowError(err, "XmlSyntaxError")).toBe(true);
    // The session is still open in the first version: no end time until the final rewrite.
    const last = parseEpuFile("EpuSession.dm", ops[2]!.text!) as ParsedSession;
    expect(last.samples[0]!.grid.endedAt).toBe(r.session.endedAt);
  });

  it("renames some micrograph XMLs from .xml.tmp, as EPU does", () => {
    const renames = log.filter((e) => e.op === "rename");
    expect(renames.length).toBe(Math.floor(72 / 5));
    for (const e of renames) {
      expect(e.from).toBe(`${e.path}.tmp`);
      expect(classifyEpuPath(relative(r.sessionDir, e.path))?.kind).toBe("micrograph");
    }
  });

  it("rewrites each square's .dm as holes complete, ending with every selected hole Completed", () => {
    for (const sq of r.squares) {
      const writes = log.filter((e) => e.path === join(r.sessionDir, sq.metadataFile));
      // First write, after holes 3 and 6, and the final one.
      expect(writes).toHaveLength(4);
      const states = writes.map((w) => {
        const g = parseEpuFile(sq.metadataFile, w.text!) as ParsedGridSquareMetadata;
        return { square: g.square.state, completed: g.foilHoles.filter((h) => h.data.state === "Completed").length };
      });
      expect(states).toEqual([
        { square: "Selected", completed: 0 },
        { square: "InProgress", completed: 3 },
        { square: "InProgress", completed: 6 },
        { square: "Completed", completed: 8 },
      ]);
    }
  });

  it("reports progress through every phase up to the total", () => {
    expect(progress.at(-1)).toMatchObject({ written: progress.length, total: progress.length, phase: "finish" });
    const phases = [...new Set(progress.map((p) => p.phase))];
    expect(phases).toEqual(["atlas", "session", "squares", "finish"]);
  });
});

describe("synthesizeSession determinism, pacing and abort", () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "emflow-synth-"));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const digest = (root: string): Record<string, string> =>
    Object.fromEntries(walk(root).map((f) => [relative(root, f), createHash("sha256").update(readFileSync(f)).digest("hex")]));

  it("the same seed gives byte-identical output; another seed does not", async () => {
    const small = { squares: 2, holesPerSquare: 4, shotsPerHole: 2, speed: 0 };
    await synthesizeSession({ ...small, dir: join(tmp, "a", "visit"), seed: 9 });
    await synthesizeSession({ ...small, dir: join(tmp, "b", "visit"), seed: 9 });
    await synthesizeSession({ ...small, dir: join(tmp, "c", "visit"), seed: 10 });
    const a = digest(join(tmp, "a", "visit"));
    expect(Object.keys(a).length).toBeGreaterThan(30);
    expect(digest(join(tmp, "b", "visit"))).toEqual(a);
    expect(Object.keys(digest(join(tmp, "c", "visit")))).not.toEqual(Object.keys(a));
  });

  it("paces writes by the simulated schedule divided by speed (virtual clock, no real waiting)", async () => {
    const opts = { squares: 1, holesPerSquare: 3, shotsPerHole: 2, seed: 3 };
    const c1 = virtualClock();
    const r1 = await synthesizeSession({ ...opts, dir: join(tmp, "p1", "visit"), speed: 1, clock: c1 });
    const duration = (Date.parse(r1.session.endedAt) - Date.parse(r1.session.startedAt)) / 1000;
    // session set-up + square set-up + 3 × (hole alignment + 2 exposures), roughly.
    expect(duration).toBeGreaterThan(0.8 * (30 + 60 + 3 * 27));
    expect(duration).toBeLessThan(1.2 * (30 + 60 + 3 * 27) + 15);
    expect(c1.now() / 1000).toBeCloseTo(duration + 1, 0);
    const c10 = virtualClock();
    await synthesizeSession({ ...opts, dir: join(tmp, "p10", "visit"), speed: 10, clock: c10 });
    expect(c10.now()).toBeCloseTo(c1.now() / 10, 0);
    const c0 = virtualClock();
    await synthesizeSession({ ...opts, dir: join(tmp, "p0", "visit"), speed: 0, clock: c0 });
    expect(c0.sleeps).toEqual([]);
  });

  it("stops promptly when aborted between writes", async () => {
    const ac = new AbortController();
    const log: Logged[] = [];
    const dir = join(tmp, "abort", "visit");
    const base = recordingFs(dir, log);
    let afterAbort = 0;
    const fs: SynthFs = {
      ...base,
      writeFile: async (p, d) => {
        if (ac.signal.aborted) afterAbort++;
        await base.writeFile(p, d);
        if (log.length === 40) ac.abort(new Error("operator stop"));
      },
    };
    await expect(synthesizeSession({ squares: 2, holesPerSquare: 5, shotsPerHole: 2, dir, speed: 0, fs, signal: ac.signal })).rejects.toThrow("operator stop");
    expect(afterAbort).toBe(0);
    expect(walk(dir).some((f) => f.endsWith(TRUTH_FILE))).toBe(false);
  });

  it("stops promptly when aborted during a real wait", async () => {
    const ac = new AbortController();
    const t0 = performance.now();
    setTimeout(() => ac.abort(), 50);
    await expect(synthesizeSession({ squares: 1, holesPerSquare: 2, shotsPerHole: 1, dir: join(tmp, "abort2", "visit"), speed: 1, signal: ac.signal })).rejects.toThrow(/abort/i);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it("rejects bad options with a tagged error", async () => {
    const err = await synthesizeSession({ squares: 0, dir: join(tmp, "bad", "visit") }).catch((e: unknown) => e);
    expect(isEmflowError(err, "ValidationError")).toBe(true);
    expect(String(err)).toMatch(/squares/);
    const err2 = await synthesizeSession({ dir: join(tmp, "bad2", "visit"), speed: -1 }).catch((e: unknown) => e);
    expect(isEmflowError(err2, "ValidationError")).toBe(true);
  });
});
