import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRecording } from "./read-recording.js";
import { replayRecording, type ReplayResult } from "./replay.js";
import type { Recording } from "./schema.js";

const EPU = fileURLToPath(new URL("../../../../../shared/testdata/epu/", import.meta.url));
const REAL = join(EPU, "epu-dir-example");
const ARCHIVE = join(EPU, "recordings/epu-dir-example.recording.tar.gz");

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
const sha = (p: string): string => createHash("sha256").update(readFileSync(p)).digest("hex");

describe("replaying the real epu-dir-example recording", () => {
  let tmp: string;
  let rec: Recording;
  let result: ReplayResult;
  let progress = 0;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "emflow-replay-"));
    rec = await readRecording(ARCHIVE);
    result = await replayRecording(rec, tmp, { speed: 0, onProgress: () => progress++ });
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("reads the archive: 81 events of epuplayer 2.0", () => {
    expect(rec.metadata).toMatchObject({ version: "2.0", total_events: 81, platform: "linux" });
    expect(rec.events).toHaveLength(81);
    const types = new Set(rec.events.map((e) => e.event_type));
    expect(types).toEqual(new Set(["created", "modified", "appended", "moved"]));
    expect(rec.chunks.size).toBe(0);
  });

  it("applies every event without issues or hash mismatches", () => {
    expect(result).toMatchObject({ total: 81, applied: 81, issues: [], mismatches: [] });
    expect(result.placeholders).toBe(11);
    expect(progress).toBe(81);
  });

  it("recreates every XML and EpuSession.dm byte for byte", () => {
    const real = walk(REAL).map((f) => relative(REAL, f)).sort();
    const replayed = walk(tmp).map((f) => relative(tmp, f)).sort();
    expect(replayed).toEqual(real);
    const text = real.filter((f) => !f.endsWith(".jpg"));
    expect(text).toHaveLength(11);
    for (const f of text) expect(sha(join(tmp, f)), f).toBe(sha(join(REAL, f)));
    // EpuSession.dm was written in two pieces (created with 73270 bytes, then appended).
    expect(readFileSync(join(tmp, "EpuSession.dm")).equals(readFileSync(join(REAL, "EpuSession.dm")))).toBe(true);
  });

  it("recreates JPEGs as zero-filled placeholders of the recorded size", () => {
    const jpgs = walk(REAL).filter((f) => f.endsWith(".jpg"));
    expect(jpgs).toHaveLength(11);
    for (const f of jpgs) {
      const mine = readFileSync(join(tmp, relative(REAL, f)));
      expect(mine.length).toBe(statSync(f).size);
      expect(mine.every((b) => b === 0)).toBe(true);
    }
  });

  it("moved the .xml.tmp into place and kept the Metadata directory", () => {
    expect(walk(tmp).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    const moved = "Images-Disc1/GridSquare_8999138/Data/FoilHole_9015883_Data_9017354_6_20250108_154918.xml";
    expect(sha(join(tmp, moved))).toBe(sha(join(REAL, moved)));
    expect(statSync(join(tmp, "Metadata")).isDirectory()).toBe(true);
  });
});

describe("replay pacing", () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "emflow-replay-"));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("waits the recorded gaps divided by speed, capped by maxDelay, without real sleeping", async () => {
    const rec = await readRecording(ARCHIVE);
    const span = rec.events.at(-1)!.timestamp - rec.events[0]!.timestamp;
    const run = async (dir: string, opts: { speed: number; maxDelay?: number }): Promise<number[]> => {
      const waits: number[] = [];
      await replayRecording(rec, join(tmp, dir), { ...opts, sleep: async (ms) => void waits.push(ms) });
      return waits;
    };
    const total = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    const one = await run("x1", { speed: 1 });
    expect(total(one) / 1000).toBeCloseTo(span, 1);
    expect(total(await run("x4", { speed: 4 })) / 1000).toBeCloseTo(span / 4, 1);
    expect(Math.max(...(await run("cap", { speed: 1, maxDelay: 0.05 })))).toBeLessThanOrEqual(50);
    expect(await run("x0", { speed: 0 })).toEqual([]);
  });

  it("stops when aborted", async () => {
    const rec = await readRecording(ARCHIVE);
    const ac = new AbortController();
    let seen = 0;
    const p = replayRecording(rec, join(tmp, "abort"), {
      speed: 0,
      signal: ac.signal,
      onProgress: () => {
        if (++seen === 10) ac.abort(new Error("stop"));
      },
    });
    await expect(p).rejects.toThrow("stop");
    expect(seen).toBe(10);
  });
});
