/** SseStream: replay then live without gaps or repeats; filtering; slow clients are dropped. */
import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import type { ChangeEvent } from "../model/entities.js";
import { SseStream } from "./sse-stream.js";

class FakeResponse extends EventEmitter {
  chunks: string[] = [];
  writableEnded = false;
  writableLength = 0;
  writeHead() {
    return this;
  }
  write(chunk: string) {
    this.chunks.push(chunk);
    return true;
  }
  end() {
    this.writableEnded = true;
    this.emit("close");
  }
  seqs() {
    return this.chunks.flatMap((c) => [...c.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])));
  }
}

const ev = (seq: number, acquisitionId = "a"): ChangeEvent => ({ seq, kind: "grid", id: `g${seq}`, acquisitionId, op: "created", at: "2025-01-08T15:00:00.000Z" });

describe("SseStream", () => {
  it("buffers live events during replay and sends each seq once, in order", () => {
    const res = new FakeResponse();
    const stream = new SseStream(res as unknown as ServerResponse, undefined);
    stream.open();
    stream.push([ev(5), ev(6)]); // committed while the replay query ran
    stream.replay([ev(3), ev(4), ev(5)]);
    stream.goLive();
    stream.push([ev(6), ev(7)]);
    expect(res.seqs()).toEqual([3, 4, 5, 6, 7]);
    expect(res.chunks.at(-1)).toBe(`id: 7\nevent: change\ndata: ${JSON.stringify(ev(7))}\n\n`);
  });

  it("keeps only its acquisition's events and runs cleanup once on close", () => {
    const res = new FakeResponse();
    const stream = new SseStream(res as unknown as ServerResponse, "mine");
    let cleanups = 0;
    stream.onClose(() => cleanups++);
    stream.goLive();
    stream.push([ev(1, "other"), ev(2, "mine")]);
    expect(res.seqs()).toEqual([2]);
    stream.close();
    stream.close();
    stream.push([ev(3, "mine")]);
    expect([cleanups, res.seqs(), stream.isClosed]).toEqual([1, [2], true]);
  });

  it("drops a client that stops reading", () => {
    const res = new FakeResponse();
    const stream = new SseStream(res as unknown as ServerResponse, undefined);
    stream.goLive();
    res.writableLength = 9 * 1024 * 1024;
    stream.push([ev(1)]);
    expect(stream.isClosed).toBe(true);
  });
});
