/**
 * `emflow epu validate <dir>`: is this a complete EPU session directory?
 * Checks EpuSession.dm (present and readable), Metadata/, Images-Disc*, and
 * whether the atlas it references can be found. Exit 0 only when every
 * session found is valid.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { isEmflowError, parseEpuSession, resolveWindowsPath } from "@emflow/core";
import { discover, nodeFileSource } from "@emflow/agent";
import { UsageError } from "../ui/errors.js";

/** The verdict on one session directory. */
export interface Validation {
  readonly dir: string;
  readonly valid: boolean;
  readonly missing: string[];
  readonly problems: string[];
  readonly notes: string[];
}

/** Validate one session directory. */
export async function validateSessionDir(dir: string): Promise<Validation> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  const missing: string[] = [];
  const problems: string[] = [];
  const notes: string[] = [];
  const sessionFile = entries.find((e) => e.toLowerCase() === "epusession.dm");
  if (sessionFile === undefined) missing.push("EpuSession.dm");
  else {
    try {
      const s = parseEpuSession(await readFile(path.join(dir, sessionFile), "utf8"), path.join(dir, sessionFile));
      notes.push(`session ${s.name} (id ${s.epuId}), ${s.samples.reduce((n, x) => n + x.squares.length, 0)} grid squares listed`);
      for (const sample of s.samples) {
        if (sample.atlasWindowsPath === undefined) continue;
        const hit = resolveWindowsPath(sample.atlasWindowsPath, dir, nodeFileSource.list, { minParts: 3 });
        notes.push(hit === undefined ? `atlas not found beside the session: ${sample.atlasWindowsPath}` : `atlas: ${hit}`);
      }
    } catch (err) {
      problems.push(isEmflowError(err) ? err.toLine() : String(err));
    }
  }
  const metadata = entries.find((e) => e.toLowerCase() === "metadata");
  if (metadata === undefined || !(await stat(path.join(dir, metadata))).isDirectory()) missing.push("Metadata/");
  else notes.push(`Metadata/: ${(await readdir(path.join(dir, metadata))).filter((f) => /^GridSquare_\d+\.dm$/i.test(f)).length} grid-square .dm files`);
  const discs = entries.filter((e) => /^Images-Disc\d+$/i.test(e));
  if (discs.length === 0) missing.push("Images-Disc*/");
  else notes.push(`${discs.join(", ")}: ${(await Promise.all(discs.map((d) => readdir(path.join(dir, d)).catch(() => [])))).flat().filter((d) => /^GridSquare_\d+$/i.test(d)).length} grid-square directories`);
  return { dir, valid: missing.length === 0 && problems.length === 0, missing, problems, notes };
}

/** Run the command; returns the exit code. */
export async function epuValidate(target: string, json: boolean): Promise<number> {
  const info = await stat(target).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`${target}: not a directory`);
  const sessions = (await discover(path.resolve(target))).filter((f) => f.kind === "session");
  const results = sessions.length === 0 ? [await validateSessionDir(path.resolve(target))] : await Promise.all(sessions.map((s) => validateSessionDir(s.dir)));
  if (json) process.stdout.write(`${JSON.stringify(results)}\n`);
  else {
    for (const r of results) {
      process.stdout.write(`${r.valid ? "valid  " : "INVALID"}  ${r.dir}\n`);
      for (const m of r.missing) process.stdout.write(`         missing: ${m}\n`);
      for (const p of r.problems) process.stdout.write(`         problem: ${p}\n`);
      for (const n of r.notes) process.stdout.write(`         ${n}\n`);
    }
  }
  return results.every((r) => r.valid) ? 0 : 1;
}
