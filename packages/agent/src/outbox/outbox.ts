/**
 * The durable on-disk outbox between the agent's pipeline and the server.
 * Every change is appended (group-committed with fsync) before it counts as
 * sent; the sender acknowledges records only after the server stored them.
 * If the server is away, or the agent is killed, nothing is lost: unacked
 * records are sent again on restart (the server's upserts are idempotent).
 *
 * Layout: `seg-<n>.jsonl` files of `{seq, session, items}` lines, `ack.json`
 * with the last acknowledged seq, and `dead/` for batches the server refused
 * for good (kept for inspection, never silently dropped).
 */
import path from "node:path";
import { mkdir, open, readdir, readFile, rename, rm, writeFile, type FileHandle } from "node:fs/promises";
import type { Logger } from "pino";
import { z } from "zod";
import { IngestItem, itemKey, SessionKey, type IngestItem as Item, type SessionKey as Key } from "@emflow/core";

/** One appended change set. */
export interface OutboxRecord {
  readonly seq: number;
  readonly session: Key;
  readonly items: Item[];
}

/** Consecutive records of one session, ready to send as one batch. */
export interface OutboxBatch {
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly session: Key;
  readonly items: Item[];
}

const RecordLine = z.object({ seq: z.number().int().positive(), session: SessionKey, items: z.array(IngestItem) });
const SEGMENT_BYTES = 16 * 1024 * 1024;
const segName = (n: number): string => `seg-${String(n).padStart(6, "0")}.jsonl`;

export interface OutboxOptions {
  /** fsync each group commit (default true; tests on tmpfs may turn it off). */
  readonly fsync?: boolean;
  /** How long appends wait to be committed together (ms). */
  readonly groupMs?: number;
  /** How often acknowledgements are persisted (ms, default 200). */
  readonly ackWriteMs?: number;
  /** Start a new segment file past this size (default 16 MiB). */
  readonly segmentBytes?: number;
  readonly log?: Logger;
}

/** See the module comment. Create with `Outbox.open(dir)`. */
export class Outbox {
  // Unacknowledged records: an array plus a head index (Array.shift() is O(n); acks come one batch at a time).
  private records: OutboxRecord[] = [];
  private head = 0;
  private pendingItemCount = 0;
  private nextSeq: number;
  private ackSeq: number;
  private segment: { n: number; fh: FileHandle; bytes: number; lastSeq: number };
  private readonly segments: Array<{ n: number; lastSeq: number }> = [];
  private buffer: string[] = [];
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private listeners = new Set<() => void>();
  private closed = false;
  private flushing: Promise<void> = Promise.resolve();
  private ackTimer: NodeJS.Timeout | undefined;
  private ackWriting: Promise<void> = Promise.resolve();
  private ackWritten = 0;
  /** Highest seq durably written: only these may be sent (and acknowledged). */
  private committedSeq = 0;

  private constructor(
    readonly dir: string,
    private readonly opts: OutboxOptions,
    state: { ackSeq: number; nextSeq: number; segment: { n: number; fh: FileHandle; bytes: number; lastSeq: number } },
  ) {
    this.ackSeq = state.ackSeq;
    this.nextSeq = state.nextSeq;
    this.segment = state.segment;
  }

  /** Open (or create) the outbox in `dir`, loading every unacknowledged record. */
  static async open(dir: string, opts: OutboxOptions = {}): Promise<Outbox> {
    await mkdir(path.join(dir, "dead"), { recursive: true });
    const ackSeq = await readAck(dir);
    const names = (await readdir(dir)).filter((f) => /^seg-\d+\.jsonl$/.test(f)).sort();
    const loaded: OutboxRecord[] = [];
    const segs: Array<{ n: number; lastSeq: number }> = [];
    let maxSeq = ackSeq;
    for (const name of names) {
      const n = Number(name.slice(4, 10));
      const text = await readFile(path.join(dir, name), "utf8");
      let lastSeq = 0;
      for (const [i, line] of text.split("\n").entries()) {
        if (line.length === 0) continue;
        const rec = parseLine(line);
        if (rec === undefined) {
          // A torn last write from a crash: it was never acknowledged as appended, so dropping it loses nothing.
          opts.log?.warn({ segment: name, line: i + 1 }, "outbox: ignoring a partial record");
          continue;
        }
        lastSeq = rec.seq;
        maxSeq = Math.max(maxSeq, rec.seq);
        if (rec.seq > ackSeq) loaded.push(rec);
      }
      segs.push({ n, lastSeq });
    }
    const n = (segs.at(-1)?.n ?? 0) + 1;
    const fh = await open(path.join(dir, segName(n)), "a");
    const box = new Outbox(dir, opts, { ackSeq, nextSeq: maxSeq + 1, segment: { n, fh, bytes: 0, lastSeq: 0 } });
    box.records.push(...loaded);
    box.committedSeq = maxSeq;
    box.pendingItemCount = loaded.reduce((n, r) => n + r.items.length, 0);
    box.segments.push(...segs);
    await box.dropAckedSegments();
    return box;
  }

  /** Records not yet acknowledged. */
  get pendingRecords(): number {
    return this.records.length - this.head;
  }

  /** Items not yet acknowledged. */
  get pendingItems(): number {
    return this.pendingItemCount;
  }

  /** Call `fn` whenever a commit makes new records available. Returns an unsubscribe function. */
  onAppend(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Append a change set; resolves once it is durably on disk. Rejects after `close()`. */
  append(session: Key, items: Item[]): Promise<number> {
    if (this.closed) return Promise.reject(new Error("outbox is closed"));
    const rec: OutboxRecord = { seq: this.nextSeq++, session, items };
    this.records.push(rec);
    this.pendingItemCount += items.length;
    this.buffer.push(`${JSON.stringify(rec)}\n`);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.flushTimer ??= setTimeout(() => void this.flush(), this.opts.groupMs ?? 10);
    return done.then(() => rec.seq);
  }

  /** Write and fsync everything buffered (group commit). Flushes run one at a time. */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.flushNow());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  private async flushNow(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.buffer.length === 0) return;
    const chunk = this.buffer.join("");
    const waiters = this.waiters;
    const lastSeq = this.nextSeq - 1;
    this.buffer = [];
    this.waiters = [];
    try {
      await this.segment.fh.write(chunk);
      if (this.opts.fsync !== false) await this.segment.fh.sync();
      this.committedSeq = lastSeq;
      this.segment.bytes += Buffer.byteLength(chunk);
      this.segment.lastSeq = lastSeq;
      if (this.segment.bytes > (this.opts.segmentBytes ?? SEGMENT_BYTES)) await this.roll();
      for (const w of waiters) w.resolve();
      for (const fn of this.listeners) fn();
    } catch (err) {
      for (const w of waiters) w.reject(err);
    }
  }

  /** The next batch: the oldest unacked records of one session, up to `maxItems` items (at least one record). */
  peek(maxItems: number): OutboxBatch | undefined {
    const first = this.records[this.head];
    if (first === undefined || first.seq > this.committedSeq) return undefined;
    const items: Item[] = [...first.items];
    let toSeq = first.seq;
    for (let i = this.head + 1; i < this.records.length; i++) {
      const r = this.records[i]!;
      if (r.seq > this.committedSeq || !sameSession(r.session, first.session) || items.length + r.items.length > maxItems) break;
      items.push(...r.items);
      toSeq = r.seq;
    }
    return { fromSeq: first.seq, toSeq, session: first.session, items: coalesce(items) };
  }

  /**
   * Acknowledge everything up to `seq` (the server stored it). The ack file is
   * written in the background, at most every `ackWriteMs`: if the agent dies
   * before it is written, those records are sent again, which the server's
   * idempotent upserts make harmless, so the send loop never waits on it.
   */
  async ack(seq: number): Promise<void> {
    while (this.head < this.records.length && this.records[this.head]!.seq <= seq) {
      this.pendingItemCount -= this.records[this.head]!.items.length;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
    this.ackSeq = Math.max(this.ackSeq, seq);
    this.ackTimer ??= setTimeout(() => void this.persistAck(), this.opts.ackWriteMs ?? 200);
  }

  /** Write the ack file now (and drop fully acknowledged segments). */
  async persistAck(): Promise<void> {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    const run = this.ackWriting.then(async () => {
      if (this.ackSeq === this.ackWritten) return;
      const seq = this.ackSeq;
      const tmp = path.join(this.dir, "ack.json.tmp");
      await writeFile(tmp, JSON.stringify({ seq }));
      await rename(tmp, path.join(this.dir, "ack.json"));
      this.ackWritten = seq;
      await this.dropAckedSegments();
    });
    this.ackWriting = run.catch(() => undefined);
    return run;
  }

  /** Move a batch the server refused for good to dead/ (with the reason) and acknowledge it. */
  async deadLetter(batch: OutboxBatch, reason: string): Promise<string> {
    const file = path.join(this.dir, "dead", `batch-${batch.fromSeq}-${batch.toSeq}.json`);
    await writeFile(file, JSON.stringify({ reason, at: new Date().toISOString(), batch }, null, 1));
    await this.ack(batch.toSeq);
    await this.persistAck();
    return file;
  }

  /** Number of dead-lettered batches on disk. */
  async deadCount(): Promise<number> {
    return (await readdir(path.join(this.dir, "dead"))).length;
  }

  /** Flush and close the current segment. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    await this.persistAck();
    await this.segment.fh.close();
  }

  private async roll(): Promise<void> {
    await this.segment.fh.close();
    this.segments.push({ n: this.segment.n, lastSeq: this.segment.lastSeq });
    const n = this.segment.n + 1;
    this.segment = { n, fh: await open(path.join(this.dir, segName(n)), "a"), bytes: 0, lastSeq: 0 };
  }

  private async dropAckedSegments(): Promise<void> {
    while (this.segments.length > 0 && this.segments[0]!.lastSeq <= this.ackSeq) {
      const s = this.segments.shift()!;
      await rm(path.join(this.dir, segName(s.n)), { force: true });
    }
  }
}

/**
 * Merge repeated upserts of one entity into its first occurrence (later fields win). A micrograph's
 * JPEG, XML and movie usually land within one batch: one row for the server instead of three.
 * Parent-before-child order holds: the first occurrence already came after its parent.
 */
export function coalesce(items: readonly Item[]): Item[] {
  const first = new Map<string, Item>();
  const out: Item[] = [];
  for (const item of items) {
    const key = itemKey(item);
    const prev = first.get(key);
    if (prev === undefined) {
      const copy = { ...item, data: { ...item.data } } as Item;
      first.set(key, copy);
      out.push(copy);
    } else {
      Object.assign(prev.data, item.data);
    }
  }
  return out;
}

function sameSession(a: Key, b: Key): boolean {
  return a.epuId === b.epuId && a.name === b.name;
}

function parseLine(line: string): OutboxRecord | undefined {
  try {
    const r = RecordLine.safeParse(JSON.parse(line));
    return r.success ? (r.data as OutboxRecord) : undefined;
  } catch {
    return undefined;
  }
}

async function readAck(dir: string): Promise<number> {
  try {
    const v = JSON.parse(await readFile(path.join(dir, "ack.json"), "utf8")) as { seq?: unknown };
    return typeof v.seq === "number" ? v.seq : 0;
  } catch {
    return 0;
  }
}
