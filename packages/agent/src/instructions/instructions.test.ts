/** The agent's instruction pieces without a server: SSE parsing, the persisted ledger, the file handler. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isEmflowError, type Instruction } from "@emflow/core";
import { fileInstructionHandler, instructionFileName } from "./file-handler.js";
import { InstructionLedger } from "./ledger.js";
import { SseParser, type SseEvent } from "./sse-parser.js";

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), "emflow-instr-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const INSTRUCTION: Instruction = {
  id: "0b7f6a4e-3c1d-4e2f-9a8b-7c6d5e4f3a21",
  seq: 42,
  acquisitionId: "2d93c0de-1111-4222-8333-944455556666",
  agentId: "krios-pc",
  kind: "acquisition-order",
  payload: { gridId: "5", gridSquareIds: ["12", "11"] },
  createdAt: "2026-11-22T08:00:00.000Z",
  expiresAt: "2026-11-22T09:00:00.000Z",
};

describe("SseParser", () => {
  it("parses events split anywhere, with CRLF, CR or LF endings, comments and multi-line data", () => {
    const events: SseEvent[] = [];
    const comments: string[] = [];
    const text = "retry: 3000\r\nevent: ready\r\ndata: {\"heartbeatMs\":100}\r\n\r\n: ping\n\nid: 7\nevent: instruction\ndata: a\ndata: b\n\ndata: plain\r\rid: 8\nevent: instruction\ndata: x\n\n";
    const parser = new SseParser({ event: (e) => events.push(e), comment: (c) => comments.push(c) });
    // Byte by byte: every split point, including between CR and LF, must give the same result.
    for (const b of new TextEncoder().encode(text)) parser.push(new Uint8Array([b]));
    expect(events).toEqual([
      { event: "ready", data: '{"heartbeatMs":100}', id: undefined },
      { event: "instruction", data: "a\nb", id: "7" },
      { event: "message", data: "plain", id: undefined },
      { event: "instruction", data: "x", id: "8" },
    ]);
    expect(comments).toEqual(["ping"]);
  });

  it("decodes UTF-8 split across chunks", () => {
    const events: SseEvent[] = [];
    const parser = new SseParser({ event: (e) => events.push(e) });
    const bytes = new TextEncoder().encode("data: 5 Å/px µm\n\n");
    parser.push(bytes.slice(0, 10));
    parser.push(bytes.slice(10));
    expect(events[0]?.data).toBe("5 Å/px µm");
  });
});

describe("InstructionLedger", () => {
  it("remembers applied and acked ids and the last event id across a reopen, keeping the newest", async () => {
    const file = path.join(tempDir(), "state", "instructions-ledger.json");
    const ledger = await InstructionLedger.open(file, { capacity: 2, fsync: false });
    ledger.lastEventId = "41";
    await ledger.recordApplied("a", new Date(0));
    await ledger.recordApplied("b", new Date(1));
    await ledger.recordAcked("b");
    await ledger.recordApplied("c", new Date(2));
    const again = await InstructionLedger.open(file);
    expect([again.has("a"), again.has("b"), again.has("c")]).toEqual([false, true, true]);
    expect([again.isAcked("b"), again.isAcked("c")]).toEqual([true, false]);
    expect(again.lastEventId).toBe("41");
    expect(readdirSync(path.dirname(file))).toEqual(["instructions-ledger.json"]);
  });

  it("starts empty from a missing or damaged file", async () => {
    const dir = tempDir();
    const file = path.join(dir, "ledger.json");
    await (await import("node:fs/promises")).writeFile(file, "{ torn");
    const ledger = await InstructionLedger.open(file);
    expect(ledger.size).toBe(0);
    expect(ledger.lastEventId).toBeUndefined();
  });
});

describe("fileInstructionHandler", () => {
  it("writes each instruction as a JSON file named by seq, kind and id, with no temporary left", async () => {
    const dir = path.join(tempDir(), "instructions");
    const handle = fileInstructionHandler({ dir, fsync: false });
    await handle(INSTRUCTION, new AbortController().signal);
    const name = instructionFileName(INSTRUCTION);
    expect(name).toBe(`000000000042-acquisition-order-${INSTRUCTION.id}.json`);
    expect(readdirSync(dir)).toEqual([name]);
    expect(JSON.parse(readFileSync(path.join(dir, name), "utf8"))).toEqual(INSTRUCTION);
  });

  it("runs the hook with the file in its environment; a failing hook rejects", async () => {
    const dir = tempDir();
    const seen = path.join(dir, "seen.txt");
    const ok = fileInstructionHandler({ dir: path.join(dir, "out"), fsync: false, command: `node -e "require('fs').writeFileSync(process.argv[1], process.env.EMFLOW_INSTRUCTION_KIND + ' ' + process.env.EMFLOW_INSTRUCTION_FILE)" "${seen}"` });
    await ok(INSTRUCTION, new AbortController().signal);
    expect(readFileSync(seen, "utf8")).toBe(`acquisition-order ${path.join(dir, "out", instructionFileName(INSTRUCTION))}`);
    const bad = fileInstructionHandler({ dir: path.join(dir, "out"), fsync: false, command: `node -e "console.error('EPU busy'); process.exit(3)"` });
    const err = await bad(INSTRUCTION, new AbortController().signal).catch((e: unknown) => e);
    expect(isEmflowError(err, "ExternalToolError")).toBe(true);
    expect((err as Error).message).toMatch(/exit 3: EPU busy/);
  });
});
