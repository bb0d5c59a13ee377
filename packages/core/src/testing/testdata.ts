/** Paths to the real EPU files shipped in ../shared/testdata (tests only). */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Absolute path of shared/testdata/epu, beside the repository. */
export const EPU_TESTDATA =
  process.env["EMFLOW_TESTDATA"] ?? fileURLToPath(new URL("../../../../../shared/testdata/epu/", import.meta.url));

/** Read a test file (path relative to shared/testdata/epu) as UTF-8. */
export function readEpuTestFile(rel: string): string {
  return readFileSync(EPU_TESTDATA + rel, "utf8");
}
