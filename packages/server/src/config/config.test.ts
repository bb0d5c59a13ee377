/** loadConfig: defaults, TOML, environment and overrides in that order; one-line errors. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isEmflowError } from "@emflow/core";
import { resolveUscConfig } from "../usc/config.js";
import { loadConfig } from "./config.js";

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "emflow-config-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isEmflowError(err, "ValidationError")).toBe(true);
    return (err as Error).message;
  }
  throw new Error("expected an error");
}

const TOML = `
[server]
port = 9001
host = "0.0.0.0"
body_limit_mb = 5

[store]
data_dir = "state"

[auth]
tokens = ["alice:alice-token-1", "agent:agent-token-2"]

[log]
level = "debug"
`;

describe("loadConfig", () => {
  it("has embedded defaults", () => {
    const cwd = dirWith({});
    expect(loadConfig({ env: {}, cwd })).toEqual({
      port: 8080,
      host: "127.0.0.1",
      dataDir: join(cwd, ".emflow"),
      databaseUrl: undefined,
      tokens: [],
      logLevel: "info",
      bodyLimitBytes: 20 * 1024 * 1024,
      sseHeartbeatMs: 15_000,
      processing: {
        enabled: false,
        root: join(cwd, ".emflow", "processing"),
        transport: "sql",
        amqpUrl: undefined,
        localWorkers: true,
        concurrency: 1,
        motion: "builtin",
        ctf: "builtin",
        pick: "builtin",
        cs: 2.7,
        ac: 0.1,
        diameter: 150,
        relionProject: true,
        tools: {},
      },
      usc: resolveUscConfig({ env: {}, cwd }),
      decisions: { enabled: true, debounceMs: 2000, athenaUrl: undefined, athenaToken: undefined, instructionTtlS: 600, keepInstructionsDays: 30 },
      configFile: undefined,
    });
  });

  it("reads [decisions] from the file and EMFLOW_DECISIONS / EMFLOW_ATHENA_URL from the environment; rejects a bad URL", () => {
    const cwd = dirWith({ "emflow.toml": '[decisions]\nenabled = true\ndebounce_ms = 500\nathena_url = "http://athena:5000"\ninstruction_ttl_s = 120\n' });
    expect(loadConfig({ env: {}, cwd }).decisions).toEqual({ enabled: true, debounceMs: 500, athenaUrl: "http://athena:5000", athenaToken: undefined, instructionTtlS: 120, keepInstructionsDays: 30 });
    const env = { EMFLOW_DECISIONS: "off", EMFLOW_ATHENA_URL: "http://127.0.0.1:5100" };
    expect(loadConfig({ env, cwd }).decisions).toMatchObject({ enabled: false, athenaUrl: "http://127.0.0.1:5100" });
    const bad = dirWith({ "emflow.toml": '[decisions]\nathena_url = "not a url"\n' });
    expect(() => loadConfig({ env: {}, cwd: bad })).toThrow(/decisions\.athena_url/);
  });

  it("reads [processing] from the file, and AMQP_URL / EMFLOW_PROCESSING / EMFLOW_TRANSPORT from the environment", () => {
    const dir = dirWith({
      "emflow.toml": '[processing]\nenabled = true\nroot = "out"\nmotion = "relion"\ndiameter = 220\ntools = { relion_autopick = "/opt/relion/bin/relion_autopick" }\n',
    });
    const c = loadConfig({ env: { AMQP_URL: "amqp://guest:guest@127.0.0.1:5672", EMFLOW_TRANSPORT: "amqp" }, cwd: dir });
    expect(c.processing).toMatchObject({
      enabled: true,
      root: join(dir, "out"),
      transport: "amqp",
      amqpUrl: "amqp://guest:guest@127.0.0.1:5672",
      motion: "relion",
      diameter: 220,
      tools: { relion_autopick: "/opt/relion/bin/relion_autopick" },
    });
    expect(loadConfig({ env: { EMFLOW_PROCESSING: "off" }, cwd: dir }).processing.enabled).toBe(false);
    const bad = dirWith({ "emflow.toml": '[processing]\nmotion = "magic"\n' });
    expect(() => loadConfig({ env: {}, cwd: bad })).toThrow(/processing\.motion/);
  });

  it("reads emflow.toml (paths relative to the file) and env overrides it", () => {
    const dir = dirWith({ "emflow.toml": TOML });
    const fromFile = loadConfig({ env: { EMFLOW_CONFIG: join(dir, "emflow.toml") }, cwd: tmpdir() });
    expect(fromFile).toMatchObject({
      port: 9001,
      host: "0.0.0.0",
      dataDir: join(dir, "state"),
      bodyLimitBytes: 5 * 1024 * 1024,
      logLevel: "debug",
      configFile: join(dir, "emflow.toml"),
      tokens: [
        { user: "alice", token: "alice-token-1" },
        { user: "agent", token: "agent-token-2" },
      ],
    });
    const env = {
      EMFLOW_PORT: "7000",
      EMFLOW_HOST: "::1",
      EMFLOW_DATA_DIR: "elsewhere",
      DATABASE_URL: "postgres://db/emflow",
      EMFLOW_TOKENS: "bob:bob-token-99, carol:carol-token-7",
      EMFLOW_LOG_LEVEL: "warn",
    };
    // ./emflow.toml in the cwd is picked up without --config.
    expect(loadConfig({ env, cwd: dir })).toMatchObject({
      port: 7000,
      host: "::1",
      dataDir: join(dir, "elsewhere"),
      databaseUrl: "postgres://db/emflow",
      tokens: [
        { user: "bob", token: "bob-token-99" },
        { user: "carol", token: "carol-token-7" },
      ],
      logLevel: "warn",
    });
    expect(loadConfig({ env, cwd: dir, overrides: { port: 0, logLevel: undefined } })).toMatchObject({ port: 0, logLevel: "warn" });
  });

  it("explains a bad file in one line naming the file and the key", () => {
    const dir = dirWith({
      "port.toml": "[server]\nport = \"eighty\"\n",
      "unknown.toml": "[server]\nprot = 80\n",
      "syntax.toml": "[server\nport = 80\n",
      "token.toml": '[auth]\ntokens = ["alice"]\n',
    });
    const at = (f: string) => errorOf(() => loadConfig({ file: join(dir, f), env: {}, cwd: dir }));
    expect(at("port.toml")).toMatch(/port\.toml: server\.port: expected number/);
    expect(at("unknown.toml")).toMatch(/unknown\.toml: server: Unrecognized key: "prot"/);
    expect(at("syntax.toml")).toMatch(/syntax\.toml:1: not valid TOML/);
    expect(at("token.toml")).toMatch(/token\.toml: auth\.tokens\.0: must be "user:token"/);
    expect(at("missing.toml")).toMatch(/missing\.toml: cannot read the config file \(ENOENT\)/);
    for (const message of ["port.toml", "syntax.toml"].map(at)) expect(message).not.toContain("\n");
  });

  it("rejects bad environment values", () => {
    const cwd = dirWith({});
    expect(errorOf(() => loadConfig({ env: { EMFLOW_PORT: "99999" }, cwd }))).toMatch(/^environment: EMFLOW_PORT/);
    expect(errorOf(() => loadConfig({ env: { EMFLOW_TOKENS: "alice:short" }, cwd }))).toMatch(/EMFLOW_TOKENS/);
    expect(errorOf(() => loadConfig({ env: { EMFLOW_LOG_LEVEL: "loud" }, cwd }))).toMatch(/EMFLOW_LOG_LEVEL/);
  });
});
