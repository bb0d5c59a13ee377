/**
 * The recorder's state machine: known files (size, hash, small contents),
 * turning watcher notifications into epuplayer events — created, modified,
 * appended, truncated, deleted, and moved (an unlink followed by an add of
 * the same content within a short window). Events keep their order even while
 * an unlink waits to learn whether it was half of a move.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { decodeUtf8 } from "./classify.js";
import { sha256 } from "./hash.js";
import { posixRelative } from "./safe-path.js";
import type { RecordingEvent } from "./schema.js";
import { INLINE_LIMIT, snapshot, type ChunkStore, type Snapshot } from "./snapshot.js";

interface FileState {
  size: number;
  /** Seconds, as stat reported it when the file was last hashed. */
  mtime: number;
  hash: string;
  binary: boolean;
  /** Kept for small files, to recognise truncation. */
  bytes: Buffer | undefined;
}

interface Slot {
  event: RecordingEvent | undefined;
}

interface PendingUnlink {
  rel: string;
  state: FileState;
  slot: Slot;
  at: number;
  done: boolean;
  timer: NodeJS.Timeout | undefined;
}

export interface RecorderOptions {
  skipBinaryContent: boolean;
  moveWindowMs: number;
  onEvent: ((e: RecordingEvent) => void) | undefined;
  /** Absolute paths the recorder must not record (its own output). */
  ignore: (abs: string) => boolean;
}

const isMissing = (err: unknown): boolean => ["ENOENT", "EISDIR", "ENOTDIR"].includes((err as NodeJS.ErrnoException).code ?? "");

export class Recorder {
  readonly events: RecordingEvent[] = [];
  readonly warnings: string[] = [];
  private readonly slots: Slot[] = [];
  private readonly files = new Map<string, FileState>();
  private readonly dirs = new Set<string>();
  private pending: PendingUnlink[] = [];

  constructor(
    private readonly root: string,
    private readonly store: ChunkStore,
    private readonly opts: RecorderOptions,
  ) {}

  private event(fields: Partial<RecordingEvent> & Pick<RecordingEvent, "event_type" | "src_path">): RecordingEvent {
    return {
      timestamp: Date.now() / 1000,
      dest_path: null,
      is_directory: false,
      content: null,
      size: null,
      content_hash: null,
      binary_chunk_id: null,
      operation_data: null,
      file_position: null,
      is_placeholder: false,
      ...fields,
    };
  }

  private push(event: RecordingEvent | undefined): Slot {
    const slot: Slot = { event };
    this.slots.push(slot);
    this.flush();
    return slot;
  }

  private flush(): void {
    while (this.slots.length > 0 && this.slots[0]!.event !== undefined) {
      const e = this.slots.shift()!.event!;
      this.events.push(e);
      this.opts.onEvent?.(e);
    }
  }

  private keep(s: Snapshot): FileState {
    return { size: s.size, mtime: s.mtime, hash: s.hash, binary: s.binary, bytes: s.bytes !== undefined && s.bytes.length <= INLINE_LIMIT ? s.bytes : undefined };
  }

  private placeholder(s: Snapshot): boolean {
    return s.binary && this.opts.skipBinaryContent;
  }

  /** content / binary_chunk_id / is_placeholder for a whole-file event. */
  private async contentFields(s: Snapshot): Promise<Partial<RecordingEvent>> {
    if (this.placeholder(s)) return { is_placeholder: true };
    if (s.chunkId !== undefined) return { binary_chunk_id: s.chunkId };
    const bytes = s.bytes!;
    if (!s.binary && bytes.length < INLINE_LIMIT) {
      const text = decodeUtf8(bytes);
      if (text !== undefined) return { content: text };
    }
    return { binary_chunk_id: await this.store.put(bytes) };
  }

  private async snap(rel: string): Promise<Snapshot | undefined> {
    try {
      return await snapshot(join(this.root, ...rel.split("/")), rel, this.opts.skipBinaryContent, this.store);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  /** initial_dir / initial_file events for everything already in the directory. */
  async captureInitial(dir = this.root): Promise<void> {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const abs = join(dir, entry.name);
      if (this.opts.ignore(abs)) continue;
      const rel = posixRelative(this.root, abs);
      if (entry.isDirectory()) {
        this.dirs.add(rel);
        this.push(this.event({ event_type: "initial_dir", src_path: rel, is_directory: true }));
        await this.captureInitial(abs);
      } else if (entry.isFile()) {
        const s = await this.snap(rel);
        if (s === undefined) continue;
        this.files.set(rel, this.keep(s));
        const op = { mtime: s.mtime, atime: s.atime };
        this.push(this.event({ event_type: "initial_file", src_path: rel, size: s.size, content_hash: s.hash, operation_data: op, ...(await this.contentFields(s)) }));
      }
    }
  }

  async added(rel: string): Promise<void> {
    const s = await this.snap(rel);
    if (s === undefined) return;
    if (this.files.has(rel)) return this.changed(rel, s);
    const move = this.pending.find((p) => !p.done && p.state.hash === s.hash && p.state.size === s.size);
    this.files.set(rel, this.keep(s));
    if (move !== undefined) {
      move.done = true;
      clearTimeout(move.timer);
      this.pending = this.pending.filter((p) => p !== move);
      move.slot.event = this.event({ timestamp: move.at, event_type: "moved", src_path: move.rel, dest_path: rel });
      this.flush();
      return;
    }
    this.push(this.event({ event_type: "created", src_path: rel, size: s.size, content_hash: s.hash, ...(await this.contentFields(s)) }));
  }

  async changed(rel: string, known?: Snapshot): Promise<void> {
    const s = known ?? (await this.snap(rel));
    if (s === undefined) return;
    const old = this.files.get(rel);
    if (old === undefined) return this.added(rel);
    if (old.hash === s.hash) return;
    this.files.set(rel, this.keep(s));
    const base = { src_path: rel, size: s.size, content_hash: s.hash };
    if (this.placeholder(s) || (old.binary && this.opts.skipBinaryContent)) {
      this.push(this.event({ event_type: "modified", ...base, is_placeholder: true }));
    } else if (s.bytes !== undefined && s.size > old.size && sha256(s.bytes.subarray(0, old.size)) === old.hash) {
      const added = s.bytes.subarray(old.size);
      const text = s.binary ? undefined : decodeUtf8(added);
      const data = text !== undefined ? { content: text } : { binary_chunk_id: await this.store.put(added) };
      this.push(this.event({ event_type: "appended", ...base, ...data, file_position: old.size, operation_data: { append_size: added.length } }));
    } else if (s.size < old.size && old.bytes !== undefined && sha256(old.bytes.subarray(0, s.size)) === s.hash) {
      this.push(this.event({ event_type: "truncated", ...base, operation_data: { new_size: s.size } }));
    } else {
      this.push(this.event({ event_type: "modified", ...base, ...(await this.contentFields(s)) }));
    }
  }

  /** An unlink may be half of a move: hold its place until `resolveLater` decides. */
  removed(rel: string, resolveLater: (run: () => void) => void): void {
    const state = this.files.get(rel);
    this.files.delete(rel);
    if (state === undefined) {
      this.push(this.event({ event_type: "deleted", src_path: rel }));
      return;
    }
    const p: PendingUnlink = { rel, state, slot: this.push(undefined), at: Date.now() / 1000, done: false, timer: undefined };
    p.timer = setTimeout(() => resolveLater(() => this.settle(p)), this.opts.moveWindowMs);
    this.pending.push(p);
  }

  private settle(p: PendingUnlink): void {
    if (p.done) return;
    p.done = true;
    clearTimeout(p.timer);
    this.pending = this.pending.filter((x) => x !== p);
    p.slot.event = this.event({ timestamp: p.at, event_type: "deleted", src_path: p.rel });
    this.flush();
  }

  /** Decide every pending unlink as a deletion (at the end of recording). */
  settleAll(): void {
    for (const p of [...this.pending]) this.settle(p);
  }

  /**
   * Compare the directory with what was recorded and emit whatever the watcher
   * missed (it drops changes that come too fast), so the recording ends in the
   * directory's real final state.
   */
  async reconcile(): Promise<void> {
    const files = new Set<string>();
    const dirs = new Set<string>();
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
        if (isMissing(err)) return [];
        throw err;
      });
      for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        const abs = join(dir, entry.name);
        if (this.opts.ignore(abs)) continue;
        const rel = posixRelative(this.root, abs);
        if (entry.isDirectory()) {
          dirs.add(rel);
          this.dirAdded(rel);
          await walk(abs);
        } else if (entry.isFile()) {
          files.add(rel);
          const old = this.files.get(rel);
          const st = await stat(abs).catch(() => undefined);
          if (st === undefined) continue;
          if (old === undefined) await this.added(rel);
          else if (st.size !== old.size || st.mtimeMs / 1000 !== old.mtime) await this.changed(rel);
        }
      }
    };
    await walk(this.root);
    for (const rel of [...this.files.keys()]) {
      if (files.has(rel)) continue;
      this.files.delete(rel);
      this.push(this.event({ event_type: "deleted", src_path: rel }));
    }
    for (const rel of [...this.dirs].sort()) if (!dirs.has(rel) && this.dirs.has(rel)) this.dirRemoved(rel);
  }

  dirAdded(rel: string): void {
    if (rel === "." || this.dirs.has(rel)) return;
    this.dirs.add(rel);
    this.push(this.event({ event_type: "created", src_path: rel, is_directory: true }));
  }

  dirRemoved(rel: string): void {
    this.dirs.delete(rel);
    for (const d of [...this.dirs]) if (d.startsWith(`${rel}/`)) this.dirs.delete(d);
    for (const f of [...this.files.keys()]) if (f.startsWith(`${rel}/`)) this.files.delete(f);
    this.push(this.event({ event_type: "deleted", src_path: rel, is_directory: true }));
  }
}
