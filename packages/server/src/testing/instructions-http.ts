/** Helpers for the instruction route tests: an acquisition sent by a named agent, enqueue, a raw SSE reader. */
import { randomUUID } from "node:crypto";
import { SseParser, type SseEvent } from "@emflow/agent";
import { batchOf, uniqueSession } from "./fixtures.js";
import { AUTH } from "./test-server.js";

/** A fresh agent name. */
export const newAgent = (): string => `scope-${randomUUID().slice(0, 8)}`;

/** Ingest a one-item session as `agentId`; returns the acquisition id. */
export async function acquisitionOf(base: string, agentId: string): Promise<string> {
  const batch = { ...batchOf(uniqueSession("instr"), [{ kind: "acquisition", data: { microscope: "Krios" } }]), agentId };
  const res = await fetch(`${base}/api/v1/ingest`, { method: "POST", headers: { ...AUTH, "content-type": "application/json" }, body: JSON.stringify(batch) });
  if (res.status !== 200) throw new Error(`ingest answered ${res.status}`);
  return ((await res.json()) as { acquisitionId: string }).acquisitionId;
}

/** POST an instruction; returns the status and parsed body. */
export async function enqueue(base: string, acquisitionId: string, body: unknown, headers: Record<string, string> = AUTH): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}/api/v1/acquisitions/${acquisitionId}/instructions`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

/** Poll `cond` every 10 ms until it holds (or fail after `ms`). */
export async function until(cond: () => boolean | Promise<boolean>, ms = 5000, what = "condition"): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** An SSE client on fetch that collects events and comments. */
export async function openSse(url: string, headers: Record<string, string> = AUTH) {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const parser = new SseParser({ event: (e) => events.push(e), comment: (c) => comments.push(c) });
  const pump = (async () => {
    if (res.body === null) return;
    const reader = res.body.getReader();
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
      if (done) return;
      parser.push(value);
    }
  })();
  return {
    res,
    events,
    comments,
    instructions: () => events.filter((e) => e.event === "instruction").map((e) => ({ sseId: e.id, ...(JSON.parse(e.data) as Record<string, any>) })),
    async close() {
      abort.abort();
      await pump;
    },
  };
}
