import { describe, expect, it } from "vitest";
import type { FileSource, FileStamp } from "../fs-source.js";
import { ChangeDetector, type ReadyOutcome } from "./change-detector.js";

/** An in-memory disk and a manual clock: no sleeping in these tests. */
function rig(outcomes: Record<string, ReadyOutcome[]> = {}) {
  let now = 1_000_000;
  const disk = new Map<string, FileStamp>();
  const timers: Array<{ at: number; fn: () => void }> = [];
  const handed: string[] = [];
  const files: FileSource = { readText: async () => "", stat: async (p) => disk.get(p), list: () => [] };
  const det = new ChangeDetector({
    files,
    settleMs: 500,
    now: () => now,
    setTimer: (fn, ms) => {
      const t = { at: now + ms, fn };
      timers.push(t);
      return t;
    },
    clearTimer: (t) => void timers.splice(timers.indexOf(t as (typeof timers)[0]) >>> 0, 1),
    onReady: async (p) => {
      handed.push(p);
      return outcomes[p]?.shift() ?? "done";
    },
  });
  const advance = async (ms: number): Promise<void> => {
    now += ms;
    for (const t of timers.filter((x) => x.at <= now)) {
      timers.splice(timers.indexOf(t), 1);
      t.fn();
    }
    await new Promise((r) => setTimeout(r, 0));
    await det.idle();
  };
  const write = (p: string, size: number): void => void disk.set(p, { size, mtimeMs: now });
  return { det, handed, advance, write, disk, get now() { return now; } };
}

describe("ChangeDetector", () => {
  it("hands on an old file at once and never twice for the same version", async () => {
    const r = rig();
    r.disk.set("/a", { size: 10, mtimeMs: r.now - 60_000 });
    await r.det.candidate("/a");
    await r.det.idle();
    await r.det.candidate("/a");
    await r.det.idle();
    expect(r.handed).toEqual(["/a"]);
  });

  it("waits until a growing file has been still for settleMs", async () => {
    const r = rig();
    r.write("/b", 100);
    await r.det.candidate("/b");
    await r.advance(300);
    r.write("/b", 200); // still growing
    await r.det.candidate("/b");
    await r.advance(300);
    expect(r.handed).toEqual([]);
    await r.advance(300);
    expect(r.handed).toEqual(["/b"]);
  });

  it("retries a file that is still incomplete, then waits for it to change", async () => {
    const r = rig({ "/c": ["incomplete", "incomplete", "done"] });
    r.disk.set("/c", { size: 5, mtimeMs: r.now - 10_000 });
    await r.det.candidate("/c");
    await r.det.idle();
    for (let i = 0; i < 10; i++) await r.advance(5_000);
    expect(r.handed).toEqual(["/c", "/c", "/c"]);
  });

  it("hands on a rewritten file again", async () => {
    const r = rig();
    r.disk.set("/d", { size: 5, mtimeMs: r.now - 10_000 });
    await r.det.candidate("/d");
    await r.det.idle();
    r.write("/d", 9);
    await r.det.candidate("/d");
    await r.advance(600);
    expect(r.handed).toEqual(["/d", "/d"]);
  });
});
