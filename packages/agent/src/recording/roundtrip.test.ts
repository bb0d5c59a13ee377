import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRecording } from "./read-recording.js";
import { recordDirectory, type RecordResult } from "./record.js";
import { replayRecording } from "./replay.js";
import type { RecordingEvent } from "./schema.js";

const sha = (b: Buffer | string): string => createHash("sha256").update(b).digest("hex");

/** Every file and directory under `root`, with file hashes. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      const rel = relative(root, p).split("\\").join("/");
      if (statSync(p).isDirectory()) {
        out[`${rel}/`] = "dir";
        walk(p);
      } else out[rel] = sha(readFileSync(p));
    }
  };
  walk(root);
  return out;
}

async function waitFor(events: RecordingEvent[], what: string, pred: (e: RecordingEvent) => boolean, ms = 5000): Promise<RecordingEvent> {
  const t0 = Date.now();
  for (;;) {
    const hit = events.find(pred);
    if (hit !== undefined) return hit;
    if (Date.now() - t0 > ms) throw new Error(`no ${what} event within ${ms} ms; saw: ${events.map((e) => `${e.event_type} ${e.src_path}`).join(", ")}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("recordDirectory → readRecording → replayRecording round trip", () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "emflow-rec-"));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("records text, binary, append, truncate, rename, modify and delete, and replays the same tree", async () => {
    const src = join(tmp, "src");
    mkdirSync(join(src, "pre"), { recursive: true });
    writeFileSync(join(src, "pre", "existing.txt"), "was here first\n");
    writeFileSync(join(src, "pre", "image.jpg"), randomBytes(3000));
    const out = join(tmp, "rec.tar.gz");
    const events: RecordingEvent[] = [];
    const ac = new AbortController();
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    const done = recordDirectory(src, out, { signal: ac.signal, skipBinaryContent: false, moveWindowMs: 100, onEvent: (e) => events.push(e), onReady: ready });
    await isReady;
    expect(events.map((e) => `${e.event_type} ${e.src_path}`)).toEqual(["initial_dir pre", "initial_file pre/existing.txt", "initial_file pre/image.jpg"]);

    const xml = "<a>\n  <b>1</b>\n</a>\n";
    mkdirSync(join(src, "Images"));
    writeFileSync(join(src, "Images", "a.xml"), xml);
    await waitFor(events, "created a.xml", (e) => e.src_path === "Images/a.xml" && e.content_hash === sha(xml));
    const bin = Buffer.concat([Buffer.from([0, 1, 2, 0, 255]), randomBytes(2000)]);
    writeFileSync(join(src, "Images", "b.bin"), bin);
    await waitFor(events, "created b.bin", (e) => e.src_path === "Images/b.bin" && e.content_hash === sha(bin));
    appendFileSync(join(src, "Images", "a.xml"), "<c>é</c>\n");
    const appended = await waitFor(events, "appended", (e) => e.event_type === "appended");
    expect(appended).toMatchObject({ src_path: "Images/a.xml", file_position: Buffer.byteLength(xml), content: "<c>é</c>\n", operation_data: { append_size: 10 } });
    truncateSync(join(src, "Images", "a.xml"), 5);
    await waitFor(events, "truncated", (e) => e.event_type === "truncated" && e.size === 5);
    writeFileSync(join(src, "Images", "c.xml.tmp"), "<done/>");
    await waitFor(events, "created c.xml.tmp", (e) => e.src_path === "Images/c.xml.tmp" && e.content === "<done/>");
    renameSync(join(src, "Images", "c.xml.tmp"), join(src, "Images", "c.xml"));
    const moved = await waitFor(events, "moved", (e) => e.event_type === "moved");
    expect(moved).toMatchObject({ src_path: "Images/c.xml.tmp", dest_path: "Images/c.xml" });
    const bin2 = Buffer.from(bin.map((b) => 255 - b));
    writeFileSync(join(src, "Images", "b.bin"), bin2);
    await waitFor(events, "modified b.bin", (e) => e.event_type === "modified" && e.content_hash === sha(bin2));
    unlinkSync(join(src, "pre", "existing.txt"));
    await waitFor(events, "deleted", (e) => e.event_type === "deleted" && e.src_path === "pre/existing.txt");

    ac.abort();
    const result: RecordResult = await done;
    expect(result).toMatchObject({ outFile: out, events: events.length, warnings: [] });
    expect(result.chunks).toBeGreaterThanOrEqual(3);

    const rec = await readRecording(out);
    expect(rec.metadata).toMatchObject({ version: "2.0", total_events: events.length, watch_dir: src, platform: process.platform });
    expect(rec.events).toEqual(events);
    const types = new Set(rec.events.map((e) => e.event_type));
    for (const t of ["initial_dir", "initial_file", "created", "appended", "truncated", "moved", "modified", "deleted"]) expect(types.has(t as never), t).toBe(true);
    for (let i = 1; i < rec.events.length; i++) expect(rec.events[i]!.timestamp).toBeGreaterThanOrEqual(rec.events[i - 1]!.timestamp);

    const dst = join(tmp, "dst");
    const replay = await replayRecording(rec, dst, { speed: 0 });
    expect(replay).toMatchObject({ issues: [], mismatches: [], placeholders: 0 });
    expect(tree(dst)).toEqual(tree(src));
  });

  it("records binary files as size-only placeholders by default", async () => {
    const src = join(tmp, "src2");
    mkdirSync(src);
    writeFileSync(join(src, "movie.tiff"), randomBytes(5000));
    const out = join(src, "inside.tar.gz");
    const events: RecordingEvent[] = [];
    const ac = new AbortController();
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    const done = recordDirectory(src, out, { signal: ac.signal, onEvent: (e) => events.push(e), onReady: ready });
    await isReady;
    writeFileSync(join(src, "preview.jpg"), randomBytes(700));
    writeFileSync(join(src, "note.xml"), "<x/>");
    await waitFor(events, "note.xml", (e) => e.src_path === "note.xml");
    await waitFor(events, "preview.jpg", (e) => e.src_path === "preview.jpg" && e.size === 700);
    ac.abort();
    const result = await done;
    expect(result.chunks).toBe(0);
    const rec = await readRecording(out);
    // The archive being written inside the recorded directory is not recorded itself.
    expect(rec.events.some((e) => e.src_path.endsWith(".tar.gz") || e.src_path.endsWith(".partial"))).toBe(false);
    expect(rec.events.find((e) => e.src_path === "movie.tiff")).toMatchObject({ event_type: "initial_file", is_placeholder: true, size: 5000, content: null });
    const dst = join(tmp, "dst2");
    const replay = await replayRecording(rec, dst, { speed: 0 });
    expect(replay).toMatchObject({ issues: [], mismatches: [], placeholders: 2 });
    expect(readFileSync(join(dst, "movie.tiff")).equals(Buffer.alloc(5000))).toBe(true);
    expect(statSync(join(dst, "preview.jpg")).size).toBe(700);
    expect(readFileSync(join(dst, "note.xml"), "utf8")).toBe("<x/>");
  });

  it("ends in the directory's real final state even when changes come faster than the watcher reports them", async () => {
    const src = join(tmp, "burst");
    mkdirSync(src);
    const out = join(tmp, "burst.tar.gz");
    const ac = new AbortController();
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    const done = recordDirectory(src, out, { signal: ac.signal, skipBinaryContent: false, onReady: ready });
    await isReady;
    for (let d = 0; d < 4; d++) {
      const dir = join(src, `GridSquare_${d}`, "Data");
      mkdirSync(dir, { recursive: true });
      for (let i = 0; i < 25; i++) {
        const f = join(dir, `FoilHole_${i}.xml`);
        writeFileSync(`${f}.tmp`, `<x>${d}-${i}</x>`);
        if (i % 3 === 0) renameSync(`${f}.tmp`, f);
        else {
          appendFileSync(`${f}.tmp`, "<more/>".repeat(i));
          if (i % 5 === 0) truncateSync(`${f}.tmp`, 3);
        }
        writeFileSync(join(dir, `FoilHole_${i}.bin`), randomBytes(64 + i));
      }
      if (d === 2) rmSync(join(src, "GridSquare_1"), { recursive: true });
    }
    await new Promise((r) => setTimeout(r, 300));
    ac.abort();
    await done;
    const dst = join(tmp, "burst-dst");
    const replay = await replayRecording(await readRecording(out), dst, { speed: 0 });
    expect(replay).toMatchObject({ issues: [], mismatches: [] });
    expect(tree(dst)).toEqual(tree(src));
  });
});
