/** The [usc] table and its environment variables. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadUscConfig, resolveUscConfig, UscConfigSection } from "./config.js";

describe("USC config", () => {
  it("has working defaults", () => {
    expect(resolveUscConfig({ env: {}, cwd: "/srv" })).toEqual({
      dataRoot: undefined,
      tokens: [],
      admins: [],
      agentProject: "epu",
      agentUser: "epu",
      agentOwners: [],
      prefix: "",
      cacheTtlMs: 2000,
      syncIntervalMs: 30_000,
      settleMs: 10_000,
    });
  });

  it("reads the [usc] table (relative to the file), then the environment, then overrides", () => {
    const dir = mkdtempSync(join(tmpdir(), "emflow-usc-config-"));
    const file = join(dir, "emflow.toml");
    writeFileSync(
      file,
      ['[usc]', 'data_root = "data"', 'tokens = ["alice:alice-token-1"]', 'admins = ["staff"]', 'agent_owners = { "cm4" = "bob", "cm40593" = "alice" }', 'prefix = "/usc"', 'sync_interval_s = 0.5'].join("\n"),
    );
    const c = loadUscConfig({ file, env: {}, cwd: "/elsewhere" });
    expect(c).toMatchObject({ dataRoot: join(dir, "data"), tokens: [{ user: "alice", token: "alice-token-1" }], admins: ["staff"], prefix: "/usc", syncIntervalMs: 500 });
    expect(c.agentOwners).toEqual([
      { prefix: "cm40593", user: "alice" },
      { prefix: "cm4", user: "bob" },
    ]);
    const env = { EMFLOW_DATA_ROOT: "raw", EMFLOW_USC_TOKENS: "bob:bob-token-12, carol:carol-token-1", EMFLOW_USC_ADMINS: "ops", EMFLOW_USC_AGENT_USER: "microscope" };
    expect(loadUscConfig({ file, env, cwd: "/srv" })).toMatchObject({
      dataRoot: "/srv/raw",
      tokens: [{ user: "bob" }, { user: "carol" }],
      admins: ["ops"],
      agentUser: "microscope",
    });
    expect(loadUscConfig({ file, env, cwd: "/srv", overrides: { dataRoot: "cli-root" } }).dataRoot).toBe("/srv/cli-root");
  });

  it("rejects bad values with one line naming the key", () => {
    expect(() => resolveUscConfig({ env: { EMFLOW_USC_TOKENS: "alice:short" } })).toThrow(/^environment: EMFLOW_USC_TOKENS\[0\]: .*8 characters/);
    expect(() => resolveUscConfig({ env: { EMFLOW_USC_ADMINS: "../x" } })).toThrow(/EMFLOW_USC_ADMINS\[0\]: must be a plain name/);
    expect(UscConfigSection.safeParse({ tokens: ["a/b:long-enough-token"] }).success).toBe(false);
    expect(UscConfigSection.safeParse({ prefix: "usc/" }).success).toBe(false);
    expect(UscConfigSection.safeParse({ bogus: 1 }).success).toBe(false);
    const dir = mkdtempSync(join(tmpdir(), "emflow-usc-config-"));
    writeFileSync(join(dir, "bad.toml"), '[usc]\nagent_project = ".."\n');
    expect(() => loadUscConfig({ file: join(dir, "bad.toml"), env: {} })).toThrow(/bad\.toml: usc\.agent_project: must be a plain name/);
  });
});
