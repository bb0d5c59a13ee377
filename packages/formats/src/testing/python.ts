/** Runs the system Python (which has mrcfile, tifffile, numpy and Pillow) as an independent reader (tests only). */
import { execFileSync, spawnSync } from "node:child_process";

/** Not the pyenv python3 on PATH: the system one has the EM packages. */
export const SYSTEM_PYTHON = "/usr/bin/python3";

/** Why `modules` cannot be imported by the system Python, or undefined when they can. */
export function pythonMissing(...modules: string[]): string | undefined {
  const r = spawnSync(SYSTEM_PYTHON, ["-c", `import ${modules.join(", ")}`], { encoding: "utf8" });
  if (r.error) return `${SYSTEM_PYTHON} not runnable: ${r.error.message}`;
  return r.status === 0 ? undefined : `${SYSTEM_PYTHON} lacks ${modules.join("/")}: ${r.stderr.trim().split("\n").at(-1)}`;
}

/** Runs `script` with `args` (sys.argv[1:]) and parses the JSON it prints. */
export function runPythonJson<T>(script: string, ...args: string[]): T {
  const out = execFileSync(SYSTEM_PYTHON, ["-c", script, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
  return JSON.parse(out) as T;
}
