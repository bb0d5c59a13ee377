/**
 * The agent's record of instructions it has applied, persisted in its state
 * directory, so a redelivery (a lost ack, a reconnect, a restart) is acked
 * again without being applied twice. Also keeps the stream's Last-Event-ID.
 * Small on purpose: the newest `capacity` ids; one JSON file, replaced atomically.
 */
import { mkdir, open, readFile, rename } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

const LedgerFile = z.object({
  version: z.literal(1),
  lastEventId: z.string().max(40).optional(),
  applied: z.array(z.object({ id: z.string().max(100), at: z.string().max(40), acked: z.boolean() })),
});

/** Where instructions stand on this agent. */
export class InstructionLedger {
  private readonly applied = new Map<string, { at: string; acked: boolean }>();
  private lastEventIdValue: string | undefined;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly capacity: number,
    private readonly fsync: boolean,
  ) {}

  /** Load `file` (a missing or unreadable one starts empty: the worst case is one more application). */
  static async open(file: string, opts: { capacity?: number; fsync?: boolean } = {}): Promise<InstructionLedger> {
    const ledger = new InstructionLedger(file, opts.capacity ?? 2000, opts.fsync ?? true);
    await mkdir(path.dirname(file), { recursive: true });
    const text = await readFile(file, "utf8").catch(() => undefined);
    const parsed = text === undefined ? undefined : LedgerFile.safeParse(safeJson(text));
    if (parsed?.success === true) {
      ledger.lastEventIdValue = parsed.data.lastEventId;
      for (const e of parsed.data.applied) ledger.applied.set(e.id, { at: e.at, acked: e.acked });
    }
    return ledger;
  }

  /** Whether this instruction was applied here before. */
  has(id: string): boolean {
    return this.applied.has(id);
  }

  /** Whether the server confirmed the ack of this instruction. */
  isAcked(id: string): boolean {
    return this.applied.get(id)?.acked === true;
  }

  /** The newest event id received (for Last-Event-ID after a restart). */
  get lastEventId(): string | undefined {
    return this.lastEventIdValue;
  }

  /** Note the newest event id; persisted with the next write. */
  set lastEventId(id: string | undefined) {
    this.lastEventIdValue = id;
  }

  /** Record an application (durably, before it is acked). */
  async recordApplied(id: string, at: Date): Promise<void> {
    this.applied.delete(id);
    this.applied.set(id, { at: at.toISOString(), acked: false });
    while (this.applied.size > this.capacity) this.applied.delete(this.applied.keys().next().value!);
    await this.persist();
  }

  /** Record that the server has the ack. */
  async recordAcked(id: string): Promise<void> {
    const e = this.applied.get(id);
    if (e === undefined || e.acked) return;
    e.acked = true;
    await this.persist();
  }

  /** Number of ids remembered. */
  get size(): number {
    return this.applied.size;
  }

  private persist(): Promise<void> {
    // Writes are chained so an older snapshot never replaces a newer one.
    this.writing = this.writing.catch(() => undefined).then(() => this.write());
    return this.writing;
  }

  private async write(): Promise<void> {
    const body = {
      version: 1,
      ...(this.lastEventIdValue === undefined ? {} : { lastEventId: this.lastEventIdValue }),
      applied: [...this.applied].map(([id, e]) => ({ id, at: e.at, acked: e.acked })),
    };
    await atomicWrite(this.file, JSON.stringify(body), this.fsync);
  }
}

/** Write `text` to `file` via a temporary file and a rename, so readers never see half a file. */
export async function atomicWrite(file: string, text: string, fsync = true): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const fh = await open(tmp, "w");
  try {
    await fh.writeFile(text);
    if (fsync) await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
