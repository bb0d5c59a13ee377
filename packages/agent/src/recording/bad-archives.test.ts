import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isEmflowError, type EmflowError } from "@emflow/core";
import { readRecording } from "./read-recording.js";
import { replayRecording } from "./replay.js";

interface Entry {
  name: string;
  data?: string | Buffer;
  type?: "file" | "symlink" | "directory";
  linkname?: string;
}

async function tarGz(path: string, entries: Entry[]): Promise<string> {
  const pack = tar.pack();
  const done = pipeline(pack, createGzip(), createWriteStream(path));
  for (const e of entries) {
    if (e.type === "symlink") pack.entry({ name: e.name, type: "symlink", linkname: e.linkname ?? "/etc/passwd" });
    else if (e.type === "directory") pack.entry({ name: e.name, type: "directory" });
    else pack.entry({ name: e.name }, e.data ?? "");
  }
  pack.finalize();
  await done;
  return path;
}

const event = (over: Record<string, unknown>): Record<string, unknown> => ({
  timestamp: 1.5,
  event_type: "created",
  src_path: "a.txt",
  dest_path: null,
  is_directory: false,
  content: "hello",
  size: 5,
  content_hash: null,
  binary_chunk_id: null,
  operation_data: null,
  file_position: null,
  is_placeholder: false,
  ...over,
});
const json = (events: Array<Record<string, unknown>>, meta: Record<string, unknown> = {}): string =>
  JSON.stringify({ metadata: { recorded_at: "2025-01-01T00:00:00", watch_dir: "/x", total_events: events.length, version: "2.0", platform: "linux", ...meta }, events });

describe("readRecording rejects bad and malicious recordings", () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "emflow-badrec-"));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  let n = 0;
  const archive = (entries: Entry[]): Promise<string> => tarGz(join(tmp, `r${n++}.tar.gz`), entries);
  const rejection = async (path: string): Promise<EmflowError> => {
    const err = await readRecording(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isEmflowError(err, "ValidationError", "NotFoundError"), String(err)).toBe(true);
    const e = err as EmflowError;
    expect(e.file).toBe(path);
    expect(e.toLine().startsWith(`${path}: `)).toBe(true);
    return e;
  };

  it("names a missing recording.json", async () => {
    const e = await rejection(await archive([{ name: "chunks/chunk_0.bin", data: "x" }]));
    expect(e.message).toMatch(/no recording\.json/);
  });

  it("names bad JSON", async () => {
    expect((await rejection(await archive([{ name: "recording.json", data: "{ not json" }]))).message).toMatch(/not valid JSON/);
  });

  it("names an unknown event type and where it is", async () => {
    const e = await rejection(await archive([{ name: "recording.json", data: json([event({}), event({ event_type: "exploded" })]) }]));
    expect(e.message).toMatch(/events\[1\]\.event_type/);
  });

  it.each([
    ["../evil.txt", /escapes the target directory/],
    ["a/../../evil.txt", /escapes the target directory/],
    ["/etc/passwd", /absolute path/],
    ["C:/Windows/evil.dll", /absolute path/],
    ["..\\..\\evil.txt", /backslash/],
    ["a//b", /empty or '\.' segments/],
    ["", /empty path/],
  ])("refuses src_path %j", async (src, why) => {
    const e = await rejection(await archive([{ name: "recording.json", data: json([event({ src_path: src })]) }]));
    expect(e.message).toMatch(/events\[0\]\.src_path/);
    expect(e.message).toMatch(why);
  });

  it("refuses a move whose destination escapes", async () => {
    const e = await rejection(await archive([{ name: "recording.json", data: json([event({ event_type: "moved", dest_path: "../../x" })]) }]));
    expect(e.message).toMatch(/events\[0\]\.dest_path: path escapes/);
  });

  it("refuses tar entries that are links, escape, or do not belong", async () => {
    const ok = { name: "recording.json", data: json([event({})]) };
    expect((await rejection(await archive([ok, { name: "chunks/chunk_0.bin", type: "symlink" }]))).message).toMatch(/unexpected symlink entry/);
    expect((await rejection(await archive([ok, { name: "../../evil.bin", data: "x" }]))).message).toMatch(/escapes the archive/);
    expect((await rejection(await archive([ok, { name: "notes/readme.txt", data: "x" }]))).message).toMatch(/unexpected entry/);
  });

  it("refuses references to chunks the archive lacks, and a wrong event count", async () => {
    const missing = await archive([{ name: "recording.json", data: json([event({ content: null, binary_chunk_id: "chunk_7" })]) }]);
    expect((await rejection(missing)).message).toMatch(/chunk_7/);
    const count = await archive([{ name: "recording.json", data: json([event({})], { total_events: 5 }) }]);
    expect((await rejection(count)).message).toMatch(/total_events: says 5 events but the file has 1/);
  });

  it("refuses a truncated archive and a missing file", async () => {
    const good = await archive([{ name: "recording.json", data: json([event({ content: "x".repeat(5000) })]) }]);
    const cut = join(tmp, "cut.tar.gz");
    const { readFileSync } = await import("node:fs");
    const bytes = readFileSync(good);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect((await rejection(cut)).message).toMatch(/not a readable \.tar\.gz/);
    const e = await rejection(join(tmp, "nope.tar.gz"));
    expect(isEmflowError(e, "NotFoundError")).toBe(true);
  });

  it("accepts a legacy plain-JSON recording and a ./-prefixed archive with binary chunks", async () => {
    const legacy = join(tmp, "legacy.json");
    writeFileSync(legacy, JSON.stringify({ metadata: { recorded_at: "x", watch_dir: "/x", total_events: 1 }, events: [{ timestamp: 1, event_type: "initial_dir", src_path: "d", is_directory: true }] }));
    const rec = await readRecording(legacy);
    expect(rec.events[0]).toMatchObject({ event_type: "initial_dir", src_path: "d", content: null, is_placeholder: false });
    const bin = await archive([
      { name: "./", type: "directory" },
      { name: "./recording.json", data: json([event({ src_path: "b.bin", content: null, binary_chunk_id: "chunk_0", size: 3 })]) },
      { name: "./chunks/chunk_0.bin", data: Buffer.from([0, 1, 2]) },
    ]);
    const r2 = await readRecording(bin);
    expect([...r2.chunks.get("chunk_0")!]).toEqual([0, 1, 2]);
  });
});

describe("replayRecording stays inside the target", () => {
  it("does not follow a symlink in the target out of it", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "emflow-badrec-"));
    try {
      const target = join(tmp, "target");
      const outside = join(tmp, "outside");
      mkdirSync(target);
      mkdirSync(outside);
      symlinkSync(outside, join(target, "link"));
      const path = join(tmp, "r.json");
      writeFileSync(path, json([event({ src_path: "link/pwned.txt" })]));
      const result = await replayRecording(await readRecording(path), target, { speed: 0 });
      expect(existsSync(join(outside, "pwned.txt"))).toBe(false);
      expect(result.issues).toHaveLength(1);
      expect(result.issues[0]!.message).toMatch(/outside the target/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
