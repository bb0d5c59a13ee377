import { Command } from "commander";
import { describe, expect, it, vi } from "vitest";
import { athenaSim, registerAthenaSim, type AthenaSimFlags } from "./commands/athena-sim.js";

const SID = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

function program(): { program: Command; works: Array<() => Promise<number>> } {
  const works: Array<() => Promise<number>> = [];
  const p = new Command("emflow").exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  registerAthenaSim(p, (work) => void works.push(work));
  return { program: p, works };
}

describe("emflow athena-sim", () => {
  it("parses its flags with defaults and refuses a bad port", () => {
    const { program: p, works } = program();
    p.parse(["athena-sim", "--port", "0", "--microscope-ms", "250"], { from: "user" });
    expect(works).toHaveLength(1);
    expect(p.commands[0]?.opts()).toEqual({ port: 0, host: "127.0.0.1", microscopeMs: 250 });
    const bad = program();
    expect(() => bad.program.parse(["athena-sim", "--port", "70000"], { from: "user" })).toThrow("--port must be an integer from 0 to 65535");
    expect(bad.works).toHaveLength(0);
  });

  it("serves until stopped, logs one line per request and what the microscope acts on", async () => {
    const lines: string[] = [];
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const flags: AthenaSimFlags = { port: 0, host: "127.0.0.1", microscopeMs: 20 };
    const done = athenaSim(flags, (l) => lines.push(l), stopped);
    await vi.waitFor(() => expect(lines[0]).toMatch(/^athena-sim: Decision Service simulator at http:\/\/127\.0\.0\.1:\d+ /));
    const url = /(http:\/\/\S+)/.exec(lines[0] ?? "")?.[1] ?? "";
    const post = (path: string, body: unknown) => fetch(`${url}/api/v1/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await post("Session", { sessionName: "cli", sessionId: SID })).status).toBe(201);
    expect((await post("Area", { sessionId: SID, id: 1, areaType: "atlas" })).status).toBe(201);
    expect((await post("Decision", { sessionId: SID, areaId: 1, decisionType: "acquisitionOrder", decisionValue: "[7,5]" })).status).toBe(201);
    expect((await post("Decision", { sessionId: SID, areaId: 2, decisionType: "include" })).status).toBe(404);
    await vi.waitFor(() => expect(lines).toContain("microscope: cli acts on acquisitionOrder for area 1: [7,5]"));
    stop();
    expect(await done).toBe(0);
    const requests = lines.filter((l) => /^\d\d:\d\d:\d\d\.\d{3} /.test(l));
    expect(requests.map((l) => l.replace(/^\S+ /, "").replace(/ \d+ ms/, ""))).toEqual([
      "POST /api/v1/Session 201",
      "POST /api/v1/Area 201",
      "POST /api/v1/Decision 201",
      `POST /api/v1/Decision 404 - area 2 is not registered in session ${SID}`,
    ]);
    expect(lines.at(-1)).toBe("athena-sim: stopped after 4 requests, 4 events");
    await expect(fetch(`${url}/api/v1/Version`)).rejects.toThrow();
  });

  it("says in one line when the port is taken", async () => {
    const lines: string[] = [];
    let stop!: () => void;
    const first = athenaSim({ port: 0, host: "127.0.0.1" }, (l) => lines.push(l), new Promise<void>((r) => (stop = r)));
    await vi.waitFor(() => expect(lines[0]).toContain("http://"));
    const port = Number(/:(\d+) /.exec(lines[0] ?? "")?.[1]);
    await expect(athenaSim({ port, host: "127.0.0.1" }, () => undefined, new Promise(() => undefined))).rejects.toThrow(`athena-sim: 127.0.0.1:${port} is already in use`);
    stop();
    expect(await first).toBe(0);
  });
});
