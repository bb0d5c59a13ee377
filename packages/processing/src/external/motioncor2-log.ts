/**
 * Reading MotionCor2's global shifts, from either of the places it writes them:
 *
 * - standard output, after the line `Full-frame alignment shift`:
 *   `...... Frame (  1) shift:     0.000      0.000` (the block RELION parses);
 * - the log files named after `-LogFile`/`-LogDir`: `<base>0-Full.log` with a
 *   `# full frame alignment` header, or `<base>0-Patch-Full.log` with
 *   `# Patch based alignment` / `# Initial alignment based upon full frames`
 *   and a blank line, each followed by `frame  x-shift  y-shift` rows.
 */
import { FormatError } from "@emflow/core";

/** Global shifts (px) frame by frame from MotionCor2's standard output, or undefined if it printed none. */
export function parseMotioncor2Stdout(stdout: string): [number, number][] | undefined {
  const lines = stdout.split(/\r?\n/);
  // The first block, as RELION reads it.
  const start = lines.findIndex((l) => l.includes("Full-frame alignment shift"));
  if (start < 0) return undefined;
  const out: [number, number][] = [];
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const at = line.indexOf("shift:");
    if (at < 0) break;
    const words = line.slice(at + 6).trim().split(/\s+/);
    const x = Number(words[0]);
    const y = Number(words[1]);
    if (words.length < 2 || !Number.isFinite(x) || !Number.isFinite(y)) return undefined;
    out.push([x, y]);
  }
  return out.length > 0 ? out : undefined;
}

/** Global shifts (px) from a `*-Full.log` / `*-Patch-Full.log` file. Throws FormatError naming the line of a bad row. */
export function parseMotioncor2FullLog(text: string, file?: string): [number, number][] {
  const rows: { frame: number; x: number; y: number }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line.length === 0 || line.startsWith("#")) return;
    const words = line.split(/\s+/);
    const [frame, x, y] = words.map(Number) as [number, number, number];
    if (words.length < 3 || !Number.isInteger(frame) || !Number.isFinite(x) || !Number.isFinite(y)) {
      throw new FormatError(`expected 'frame x-shift y-shift', got '${line}'`, { ...(file === undefined ? {} : { file }), line: i + 1 });
    }
    rows.push({ frame, x, y });
  });
  if (rows.length === 0) throw new FormatError("no shifts in MotionCor2 log", file === undefined ? {} : { file });
  rows.sort((a, b) => a.frame - b.frame);
  return rows.map((r) => [r.x, r.y]);
}

/** The log files MotionCor2 may have written for `-LogFile <base>` (≤1.3: `<base>0-…`) or `-LogDir` (newer: `<stem>-…`), best first. */
export function motioncor2LogCandidates(base: string): string[] {
  return [`${base}0-Patch-Full.log`, `${base}0-Full.log`, `${base}-Patch-Full.log`, `${base}-Full.log`];
}

/** Shift `trajectory` so its first frame is at the origin (MotionCor2 may reference a middle frame without `-FmRef 0`). */
export function relativeToFirstFrame(trajectory: readonly (readonly [number, number])[]): [number, number][] {
  const [x0, y0] = trajectory[0] ?? [0, 0];
  return trajectory.map(([x, y]) => [x - x0, y - y0]);
}
