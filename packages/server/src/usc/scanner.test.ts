/**
 * Session discovery on a real temp directory, through a file system wrapper
 * that counts calls: repeat scans reuse listings (TTL, then mtime checks)
 * and still see new files.
 */
import { mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { nodeDirFs, type DirFs } from "./dir-cache.js";
import { DataRootScanner } from "./scanner.js";

function counting(): { fs: DirFs; calls: { readdir: number; stat: number } } {
  const calls = { readdir: 0, stat: 0 };
  return {
    calls,
    fs: {
      readdir: (p) => ((calls.readdir += 1), nodeDirFs.readdir(p)),
      stat: (p) => ((calls.stat += 1), nodeDirFs.stat(p)),
    },
  };
}

const touch = (path: string) => {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, "");
};

describe("DataRootScanner", () => {
  let root: string;
  let clock: number;
  let c: ReturnType<typeof counting>;
  let scanner: DataRootScanner;
  const session = () => join(root, "p1/sessions/alice/big");

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "emflow-scan-"));
    // 3000 movies in 3 square directories, plus their EPU side files.
    for (let sq = 0; sq < 3; sq++) {
      for (let i = 0; i < 1000; i++) {
        touch(join(session(), "raw", `GridSquare_${sq}`, "Data", `FoilHole_${sq}_${i}_fractions.tiff`));
        if (i % 100 === 0) touch(join(session(), "raw", `GridSquare_${sq}`, "Data", `FoilHole_${sq}_${i}.xml`));
      }
    }
    touch(join(session(), "processed", "FoilHole_0_1_fractions_DW.mrc"));
    mkdirSync(join(root, "p1/sessions/alice/empty"), { recursive: true });
    mkdirSync(join(root, "p1/sessions/bob/b"), { recursive: true });
    mkdirSync(join(root, "p2/other"), { recursive: true }); // no sessions/: not a project
    touch(join(root, "p1/sessions/alice/not-a-session.txt"));
    mkdirSync(join(root, "p1/sessions/alice/.trash"), { recursive: true });
    clock = Date.now() + 10_000;
    c = counting();
    scanner = new DataRootScanner({ root, fs: c.fs, now: () => clock, ttlMs: 1000 });
  });

  it("lists projects, users and sessions (directories with plain names only)", async () => {
    expect(await scanner.listProjects()).toEqual(["p1"]);
    expect(await scanner.listUsers("p1")).toEqual(["alice", "bob"]);
    expect(await scanner.listSessions("p1", "alice")).toEqual(["big", "empty"]);
    expect(await scanner.listSessions("p1", "nobody")).toBeUndefined();
    expect(await scanner.listUsers("p2")).toEqual([]);
  });

  it("counts movies and processed outputs, and reports a missing session as undefined", async () => {
    const scan = await scanner.scanSession("p1", "alice", "big");
    expect(scan?.movies).toHaveLength(3000);
    expect(scan?.movies[0]).toBe("GridSquare_0/Data/FoilHole_0_0_fractions.tiff");
    expect(scan?.processed).toBe(1);
    expect(await scanner.scanSession("p1", "alice", "empty")).toEqual({ dir: join(root, "p1/sessions/alice/empty"), movies: [], processed: 0 });
    expect(await scanner.scanSession("p1", "alice", "nope")).toBeUndefined();
    expect(() => scanner.sessionDir("p1", "..", "x")).toThrow(/plain name/);
  });

  it("reuses a scan within the TTL without I/O, then revalidates by mtime with one stat per directory", async () => {
    await scanner.scanSession("p1", "alice", "big");
    const first = { ...c.calls };
    expect(first.readdir).toBe(9); // the session, raw, 3 squares, their 3 Data directories, processed
    await scanner.scanSession("p1", "alice", "big");
    expect(c.calls).toEqual(first);

    clock += 2000;
    await scanner.scanSession("p1", "alice", "big");
    expect(c.calls.readdir).toBe(first.readdir); // nothing changed: no directory is read again
    expect(c.calls.stat - first.stat).toBe(first.readdir);

    touch(join(session(), "raw", "GridSquare_1", "Data", "FoilHole_1_5000_fractions.tiff"));
    clock += 2000;
    const scan = await scanner.scanSession("p1", "alice", "big");
    expect(scan?.movies).toHaveLength(3001);
    expect(c.calls.readdir).toBe(first.readdir + 1); // only the directory that changed
  });

  it("re-reads a directory whose mtime is too recent to trust (coarse file-system clocks)", async () => {
    clock = Date.now();
    const s = new DataRootScanner({ root, fs: c.fs, now: () => clock, ttlMs: 0 });
    await s.scanSession("p1", "alice", "empty");
    const after1 = c.calls.readdir;
    await s.scanSession("p1", "alice", "empty");
    expect(c.calls.readdir).toBeGreaterThan(after1); // mtime within 2 s of the listing: read again
    clock += 10_000;
    await s.scanSession("p1", "alice", "empty");
    const trusted = c.calls.readdir;
    await s.scanSession("p1", "alice", "empty");
    expect(c.calls.readdir).toBe(trusted);
  });

  it("sees a file added in the same mtime tick once the listing is no longer racy", async () => {
    const dir = join(root, "p1/sessions/alice/empty/raw");
    touch(join(dir, "a.tif"));
    const tick = new Date(Math.floor(Date.now() / 1000) * 1000);
    utimesSync(dir, tick, tick);
    clock = tick.getTime() + 500;
    const s = new DataRootScanner({ root, fs: c.fs, now: () => clock, ttlMs: 0 });
    expect((await s.scanSession("p1", "alice", "empty"))?.movies).toEqual(["a.tif"]);
    touch(join(dir, "b.tif"));
    utimesSync(dir, tick, tick); // same mtime as the listing saw
    expect((await s.scanSession("p1", "alice", "empty"))?.movies).toEqual(["a.tif", "b.tif"]);
  });

  it("follows symlinked raw data and skips dangling links", async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), "emflow-scan-link-"));
    touch(join(elsewhere, "m1.eer"));
    mkdirSync(join(root, "p1/sessions/bob/b/raw"), { recursive: true });
    symlinkSync(elsewhere, join(root, "p1/sessions/bob/b/raw/linked"));
    symlinkSync(join(elsewhere, "missing.tif"), join(root, "p1/sessions/bob/b/raw/dangling.tif"));
    expect((await scanner.scanSession("p1", "bob", "b"))?.movies).toEqual(["linked/m1.eer"]);
  });
});
