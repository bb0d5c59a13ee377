import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyEpuPath, parseEpuFile } from "@emflow/core";
import type { ParsedFoilHoleImage, ParsedGridSquareImage, ParsedGridSquareMetadata, ParsedMicrograph, ParsedSession } from "@emflow/core";
import { nodeSynthFs, virtualClock, type SynthClock, type SynthFs } from "./io.js";
import { planSession } from "./plan.js";
import type { NextSquareChooser } from "./steer.js";
import { synthesizeSession, TRUTH_FILE, type SynthResult } from "./synthesize.js";

interface Logged {
  op: "mkdir" | "write" | "append" | "rename";
  path: string;
  /** Clock time of the operation. */
  t: number;
}

/** The real file system, logging every operation in order with the clock's time. */
function recordingFs(root: string, log: Logged[], clock?: SynthClock): SynthFs {
  const add = (op: Logged["op"], p: string): void => {
    log.push({ op, path: relative(root, p), t: clock?.now() ?? 0 });
  };
  return {
    mkdir: async (p) => (add("mkdir", p), nodeSynthFs.mkdir(p)),
    writeFile: async (p, d) => (add("write", p), nodeSynthFs.writeFile(p, d)),
    appendFile: async (p, d) => (add("append", p), nodeSynthFs.appendFile(p, d)),
    rename: async (f, p) => (add("rename", p), nodeSynthFs.rename(f, p)),
  };
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const digest = (root: string): Record<string, string> =>
  Object.fromEntries(walk(root).map((f) => [relative(root, f), createHash("sha256").update(readFileSync(f)).digest("hex")]));

const OPTS = { squares: 4, holesPerSquare: 5, shotsPerHole: 2, extraTargetsPerSquare: 2, seed: 7, tmpRenameEvery: 4, metadataRewriteEvery: 2 };
const PLANNED = planSession(OPTS).squares.map((s) => s.atlas.id);
const last: NextSquareChooser = (remaining) => remaining.at(-1);
/** `YYYYMMDD_HHMMSS` at the end of a file base name → Unix ms. */
const stampMs = (base: string): number => {
  const m = /_(\d{4})(\d\d)(\d\d)_(\d\d)(\d\d)(\d\d)$/.exec(base)!;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
};

describe("synthesizeSession with nextSquare (steered order)", () => {
  let tmp: string;
  let r: SynthResult;
  const log: Logged[] = [];
  const calls: Array<{ remaining: string[]; done: string[] }> = [];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "emflow-steer-"));
    const dir = join(tmp, "rev", "visit");
    const nextSquare: NextSquareChooser = (remaining, done) => {
      calls.push({ remaining: [...remaining], done: [...done] });
      return remaining.at(-1);
    };
    r = await synthesizeSession({ ...OPTS, dir, speed: 0, fs: recordingFs(dir, log), nextSquare });
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const read = (p: string): string => readFileSync(join(r.sessionPath, p), "utf8");

  it("asks before each square with remaining in planned order and done in acquired order", () => {
    expect(PLANNED).toHaveLength(4);
    const rev = [...PLANNED].reverse();
    expect(calls).toEqual(rev.map((_, k) => ({ remaining: PLANNED.slice(0, 4 - k), done: rev.slice(0, k) })));
  });

  it("writes the squares in reverse planned order, and the truth lists them so", () => {
    const created = log.filter((e) => e.op === "write" && /Metadata\/GridSquare_\d+\.dm$/.test(e.path)).map((e) => /GridSquare_(\d+)\.dm$/.exec(e.path)![1]);
    expect([...new Set(created)]).toEqual([...PLANNED].reverse());
    expect(r.squares.map((s) => s.id)).toEqual([...PLANNED].reverse());
    expect(r.squares.map((s) => s.index)).toEqual([0, 1, 2, 3]);
    expect(JSON.parse(readFileSync(join(r.dir, TRUTH_FILE), "utf8"))).toEqual(JSON.parse(JSON.stringify({ ...r, dir: undefined, sessionPath: undefined, atlasFile: undefined })));
    for (const [k, sq] of r.squares.entries()) {
      const g = parseEpuFile(sq.metadataFile, read(sq.metadataFile)) as ParsedGridSquareMetadata;
      expect(g.square.state).toBe("Completed");
      expect(read(sq.metadataFile)).toContain(`<Order>${k}</Order>`);
    }
  });

  it("acquisition times in the image and exposure XMLs increase in the order written; names carry the new stamps", () => {
    const xmls = log.filter((e) => (e.op === "write" || e.op === "rename") && e.path.endsWith(".xml")).map((e) => relative(r.sessionDir, e.path));
    expect(xmls).toHaveLength(4 + 20 + 40);
    let prev = 0;
    for (const rel of xmls) {
      const parsed = parseEpuFile(rel, read(rel)) as ParsedGridSquareImage | ParsedFoilHoleImage | ParsedMicrograph;
      const at = Date.parse(("square" in parsed ? parsed.square.acquiredAt : "hole" in parsed ? parsed.hole.acquiredAt : parsed.micrograph.acquiredAt) ?? "");
      expect(at).toBeGreaterThan(prev);
      prev = at;
      // The file stamp is the time the image was started: 1-2.5 s before acquisitionDateTime.
      const lag = at - stampMs(rel.split("/").at(-1)!.replace(/\.xml$/, ""));
      expect(lag).toBeGreaterThanOrEqual(1000);
      expect(lag).toBeLessThan(3500);
    }
    const squares = r.squares.map((s) => Date.parse(s.acquiredAt));
    expect(squares).toEqual([...squares].sort((a, b) => a - b));
  });

  it("every file parses with core, and the session ends when planned", () => {
    let parsed = 0;
    for (const f of walk(r.sessionPath)) {
      const rel = relative(r.sessionPath, f);
      const info = classifyEpuPath(rel);
      if (info === undefined || info.kind === "preview" || info.kind === "movie") continue;
      expect(parseEpuFile(rel, readFileSync(f, "utf8")).kind).toBe(info.kind);
      parsed++;
    }
    expect(parsed).toBe(1 + 4 + 4 + 20 + 40);
    const s = parseEpuFile("EpuSession.dm", read("EpuSession.dm")) as ParsedSession;
    expect(s.samples[0]!.grid.endedAt).toBe(r.session.endedAt);
    const plan = planSession(OPTS);
    expect(r.session.endedAt).toBe(new Date(plan.startMs + plan.endAt / 10_000).toISOString());
    const micrographs = walk(r.sessionPath).filter((f) => classifyEpuPath(relative(r.sessionPath, f))?.kind === "micrograph");
    expect(micrographs.map((f) => f.split("/").at(-1)!.replace(/\.xml$/, "")).sort()).toEqual(r.squares.flatMap((s) => s.holes.flatMap((h) => h.shots.map((x) => x.name))).sort());
  });
});

describe("nextSquare: fallbacks, async choosers, pace and abort", () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "emflow-steer-"));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const run = (name: string, nextSquare?: NextSquareChooser) => synthesizeSession({ ...OPTS, dir: join(tmp, name, "visit"), speed: 0, ...(nextSquare ? { nextSquare } : {}) });

  it("a chooser answering undefined or an unknown id gives exactly the planned session", async () => {
    await run("plain");
    await run("undef", () => undefined);
    await run("unknown", () => "9999999");
    const plain = digest(join(tmp, "plain", "visit"));
    expect(digest(join(tmp, "undef", "visit"))).toEqual(plain);
    expect(digest(join(tmp, "unknown", "visit"))).toEqual(plain);
  });

  it("an async chooser that awaits a promise works like a synchronous one", async () => {
    await run("sync", last);
    await run("async", async (remaining) => {
      await new Promise((res) => setTimeout(res, 2));
      return remaining.at(-1);
    });
    const sync = digest(join(tmp, "sync", "visit"));
    expect(digest(join(tmp, "async", "visit"))).toEqual(sync);
    expect(sync).not.toEqual(digest(join(tmp, "plain", "visit")));
  });

  it("keeps the pace after a slow decision: no burst of catch-up writes", async () => {
    const timed = async (name: string, thinkMs: number): Promise<Logged[]> => {
      const clock = virtualClock();
      const log: Logged[] = [];
      const dir = join(tmp, name, "visit");
      const nextSquare: NextSquareChooser = async (remaining) => {
        await clock.sleep(thinkMs);
        return remaining.at(-1);
      };
      await synthesizeSession({ ...OPTS, squares: 2, dir, speed: 1, clock, fs: recordingFs(dir, log, clock), nextSquare });
      return log;
    };
    const quick = await timed("quick", 0);
    const slow = await timed("slow", 300_000);
    expect(slow.map((e) => e.path)).toEqual(quick.map((e) => e.path));
    const gaps = (l: Logged[]): number[] => l.slice(1).map((e, i) => e.t - l[i]!.t);
    const q = gaps(quick);
    const s = gaps(slow);
    // Only the gap across each decision grows (by the time spent beyond the square's set-up); every other gap is the same.
    const grown = s.map((g, i) => g - q[i]!).filter((d) => Math.abs(d) > 2);
    expect(grown).toHaveLength(2);
    for (const d of grown) expect(d).toBeGreaterThan(200_000);
  });

  it("aborts while waiting for a decision", async () => {
    const ac = new AbortController();
    const pending = synthesizeSession({
      ...OPTS,
      dir: join(tmp, "abort", "visit"),
      speed: 0,
      signal: ac.signal,
      nextSquare: () => {
        setTimeout(() => ac.abort(new Error("operator stop")), 5);
        return new Promise<string | undefined>(() => undefined);
      },
    });
    await expect(pending).rejects.toThrow("operator stop");
    expect(walk(join(tmp, "abort", "visit")).some((f) => f.endsWith(TRUTH_FILE))).toBe(false);
  });

  it("a throwing chooser rejects the session", async () => {
    await expect(
      run("throws", () => {
        throw new Error("no decision");
      }),
    ).rejects.toThrow("no decision");
  });
});
