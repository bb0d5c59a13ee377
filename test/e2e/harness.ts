/**
 * End-to-end harness: a real server on 127.0.0.1 (PGlite), a real agent, real
 * files on disk. Bounded waits only; no mocks between the pieces.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { discover, parseSessionDirectory, startAgent, type AgentHandle, type AgentOptions } from "@emflow/agent";
import { createServer, loadConfig, openPgliteStore, type EmflowServer, type Store } from "@emflow/server";
import { openTestStore } from "../../packages/server/src/testing/pglite-snapshot.js";

export const TOKEN = "e2e-token-0123456789";

/** A temporary directory removed by `cleanup()`. */
export function tempDir(prefix: string, cleanup: Array<() => Promise<void> | void>): string {
  const dir = mkdtempSync(path.join(tmpdir(), `emflow-${prefix}-`));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A listening server. `dataDir` = on disk (survives a restart), else a fresh in-memory store. */
export async function liveServer(opts: { dataDir?: string; port?: number } = {}): Promise<{ url: string; port: number; server: EmflowServer; close(): Promise<void> }> {
  const store: Store = opts.dataDir === undefined ? await openTestStore() : await openPgliteStore({ dataDir: opts.dataDir });
  const config = loadConfig({ env: {}, overrides: { port: opts.port ?? 0, host: "127.0.0.1", tokens: [{ user: "agent", token: TOKEN }] } });
  const server = await createServer(config, { store, logger: pino({ level: "silent" }), closeGraceMs: 100 });
  const url = await server.listen();
  const port = Number(new URL(url).port);
  return {
    url,
    port,
    server,
    close: async () => {
      await server.close();
      await store.close();
    },
  };
}

/** Start an agent tuned for tests (short settle, frequent rescans, no fsync). */
export async function testAgent(root: string, server: string, outboxDir: string, extra: Partial<AgentOptions> = {}): Promise<AgentHandle> {
  return startAgent({
    root,
    server,
    token: TOKEN,
    outboxDir,
    settleMs: 100,
    movieSettleMs: 200,
    rescanMs: 500,
    orphanTimeoutMs: 1000,
    fsync: false,
    requestTimeoutMs: 5000,
    ...extra,
  });
}

/** The counts an operator checks first, read through the HTTP API. */
export interface Counts {
  grids: number;
  gridSquares: number;
  foilHoles: number;
  micrographs: number;
  atlasTiles: number;
}

/** Counts of the one acquisition on the server (undefined before it exists). */
export async function apiCounts(url: string): Promise<Counts | undefined> {
  const list = (await (await fetch(`${url}/api/v1/acquisitions`)).json()) as { items: Array<{ id: string }> };
  const acq = list.items[0];
  if (acq === undefined) return undefined;
  const s = (await (await fetch(`${url}/api/v1/acquisitions/${acq.id}/summary`)).json()) as Counts;
  return { grids: s.grids, gridSquares: s.gridSquares, foilHoles: s.foilHoles, micrographs: s.micrographs, atlasTiles: s.atlasTiles };
}

/** What a one-shot parse of the finished directory says (the reference for live runs). */
export async function oneShotCounts(root: string): Promise<Counts> {
  const sessions = (await discover(root)).filter((f) => f.kind === "session");
  if (sessions.length !== 1 || sessions[0]!.kind !== "session") throw new Error(`expected one session under ${root}`);
  const m = await parseSessionDirectory(sessions[0]!.dir, { parallel: false });
  if (m.errors.length > 0) throw new Error(`one-shot parse errors: ${m.errors.map((e) => e.message).join("; ")}`);
  return { grids: m.counts.grid, gridSquares: m.counts.gridSquare, foilHoles: m.counts.foilHole, micrographs: m.counts.micrograph, atlasTiles: m.counts.atlasTile };
}

/** Poll `probe` until it returns a value `ok` accepts, or fail after `timeoutMs` with the last value. */
export async function waitFor<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await probe();
      if (ok(last)) return last;
    } catch {
      // server restarting: keep polling
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Deep equality of two count records, for waitFor. */
export function sameCounts(a: Counts | undefined, b: Counts): boolean {
  return a !== undefined && (Object.keys(b) as Array<keyof Counts>).every((k) => a[k] === b[k]);
}
