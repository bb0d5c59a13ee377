import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EPU_TESTDATA } from "../testing/testdata.js";
import { resolveWindowsPath, windowsPathParts } from "./windows-path.js";

const list = (dir: string): string[] | undefined => {
  try {
    return readdirSync(dir);
  } catch {
    return undefined;
  }
};

describe("resolveWindowsPath", () => {
  it("splits drive, UNC and mixed separators", () => {
    expect(windowsPathParts("Z:\\a\\b/c.dm")).toEqual(["a", "b", "c.dm"]);
    expect(windowsPathParts("\\\\server\\share\\x\\y")).toEqual(["x", "y"]);
  });

  it("finds the epumocks atlas beside the session, case-insensitively", () => {
    const session = `${EPU_TESTDATA}epumocks/EPU_session`;
    const hit = resolveWindowsPath(
      "Z:\\nt32457-6\\atlas\\Supervisor_20240404_093820_Pete_Miriam_HexAuFoil\\Sample4\\Atlas\\Atlas.dm",
      session,
      list,
    );
    expect(hit).toBe(`${EPU_TESTDATA}epumocks/Atlas/Supervisor_20240404_093820_Pete_Miriam_HexAuFoil/Sample4/Atlas/Atlas.dm`);
  });

  it("returns undefined when nothing matches", () => {
    expect(resolveWindowsPath("Z:\\nowhere\\Sample9\\Atlas\\Atlas.dm", `${EPU_TESTDATA}epu-dir-example`, list)).toBeUndefined();
  });

  it("prefers the longest matching suffix", () => {
    const tree: Record<string, string[]> = {
      "/v": ["s", "atlas", "Sample1"],
      "/v/atlas": ["A"],
      "/v/atlas/A": ["Sample1"],
      "/v/atlas/A/Sample1": ["Atlas"],
      "/v/atlas/A/Sample1/Atlas": ["Atlas.dm"],
      "/v/Sample1": ["Atlas"],
      "/v/Sample1/Atlas": ["Atlas.dm"],
      "/v/s": [],
    };
    expect(resolveWindowsPath("Z:\\v\\atlas\\A\\Sample1\\Atlas\\Atlas.dm", "/v/s", (d) => tree[d])).toBe("/v/atlas/A/Sample1/Atlas/Atlas.dm");
  });
});
