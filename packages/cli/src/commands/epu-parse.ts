/**
 * `emflow epu parse <dir|file> [--json]`: parse one EPU file, a session
 * directory, a visit directory with several sessions, or an atlas directory
 * with Sample*\/ sub-directories; print a summary table or the full model.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { classifyEpuPath, parseAtlas, parseEpuFile, sniffEpuKind, type ParsedEpuFile } from "@emflow/core";
import { discover, parseSessionDirectory, type SessionModel } from "@emflow/agent";
import { progressBar } from "../ui/progress.js";
import { table } from "../ui/table.js";
import { UsageError } from "../ui/errors.js";

export interface ParseOptions {
  readonly json?: boolean;
  readonly strict?: boolean;
  readonly maxErrors?: number;
}

/** Run the command; returns the process exit code. */
export async function epuParse(target: string, opts: ParseOptions): Promise<number> {
  const info = await stat(target).catch(() => undefined);
  if (info === undefined) throw new UsageError(`${target}: no such file or directory`);
  if (info.isFile()) return parseOneFile(target, opts);
  const found = await discover(path.resolve(target));
  if (found.length === 0) throw new UsageError(`${target}: no EPU session (EpuSession.dm, Metadata/, Images-Disc*) or Atlas.dm found`);
  const sessions: SessionModel[] = [];
  const atlases: Array<{ file: string; atlas?: ReturnType<typeof parseAtlas>; error?: string }> = [];
  const t0 = performance.now();
  for (const f of found) {
    if (f.kind === "atlas") {
      try {
        atlases.push({ file: f.file, atlas: parseAtlas(await readFile(f.file, "utf8"), f.file) });
      } catch (err) {
        atlases.push({ file: f.file, error: (err as Error).message });
      }
      continue;
    }
    const bar = opts.json ? undefined : progressBar(`parsing ${path.basename(f.dir)}`);
    sessions.push(await parseSessionDirectory(f.dir, { onProgress: (d, t) => bar?.update(d, t) }));
    bar?.done();
  }
  const seconds = (performance.now() - t0) / 1000;
  const errorCount = sessions.reduce((n, s) => n + s.errors.length, 0) + atlases.filter((a) => a.error).length;
  if (opts.json) {
    const out = {
      sessions: sessions.map((s) => ({ dir: s.sessionDir, session: s.session, counts: s.counts, files: s.files, implied: s.implied, errors: s.errors, entities: s.entities })),
      atlases: atlases.map((a) => ({ file: a.file, error: a.error, ...(a.atlas === undefined ? {} : { atlas: a.atlas.atlas, tiles: a.atlas.tiles, squares: a.atlas.squares }) })),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    printSummary(sessions, atlases, seconds, opts.maxErrors ?? 20);
  }
  return opts.strict && errorCount > 0 ? 1 : 0;
}

function printSummary(
  sessions: SessionModel[],
  atlases: Array<{ file: string; atlas?: ReturnType<typeof parseAtlas>; error?: string }>,
  seconds: number,
  maxErrors: number,
): void {
  const out: string[] = [];
  if (sessions.length > 0) {
    out.push(
      table(
        ["session", "epu id", "grids", "squares", "holes", "micrographs", "atlas tiles", "files", "errors"],
        sessions.map((s) => [
          s.session?.name ?? `${path.basename(s.sessionDir)} (no EpuSession.dm)`,
          s.session?.epuId ?? "-",
          s.counts.grid,
          s.counts.gridSquare,
          s.counts.foilHole,
          s.counts.micrograph,
          s.counts.atlasTile,
          s.files.seen,
          s.errors.length,
        ]),
      ),
    );
    const entities = sessions.reduce((n, s) => n + s.entities.length, 0);
    out.push(`\n${entities} entities from ${sessions.reduce((n, s) => n + s.files.seen, 0)} files in ${seconds.toFixed(2)} s (${Math.round(entities / seconds)} entities/s)`);
    const implied = sessions.reduce((n, s) => n + s.implied, 0);
    if (implied > 0) out.push(`${implied} foil holes/squares known only from their children's file names (their own files are missing)`);
  }
  if (atlases.length > 0) {
    out.push(
      `\n${table(
        ["atlas", "atlas id", "tiles", "grid squares"],
        atlases.map((a) => [a.file, a.atlas?.atlas.atlasId ?? "error", a.atlas?.tiles.length ?? 0, a.atlas?.squares.length ?? 0]),
      )}`,
    );
  }
  process.stdout.write(`${out.join("\n")}\n`);
  const errors = [...sessions.flatMap((s) => s.errors.map((e) => e.message)), ...atlases.flatMap((a) => (a.error ? [a.error] : []))];
  if (errors.length > 0) {
    process.stderr.write(`\n${errors.length} file(s) could not be parsed:\n`);
    for (const e of errors.slice(0, maxErrors)) process.stderr.write(`  ${e}\n`);
    if (errors.length > maxErrors) process.stderr.write(`  ... and ${errors.length - maxErrors} more (--json lists all)\n`);
  }
}

async function parseOneFile(file: string, opts: ParseOptions): Promise<number> {
  const text = await readFile(file, "utf8");
  const rel = relPathFor(file, text);
  const parsed = parseEpuFile(rel, text);
  if (opts.json) process.stdout.write(`${JSON.stringify(parsed)}\n`);
  else process.stdout.write(`${describeFile(file, parsed)}\n`);
  return 0;
}

/**
 * The path a file would have inside its session: taken from the path itself
 * when it follows EPU's layout, else from its content (a .dm copied elsewhere).
 */
function relPathFor(file: string, text: string): string {
  const parts = path.resolve(file).split(path.sep);
  for (let i = parts.length - 1; i >= 0; i--) {
    const rel = parts.slice(i).join("/");
    if (classifyEpuPath(rel) !== undefined && !/^(movie|preview)$/.test(classifyEpuPath(rel)!.kind)) return rel;
  }
  const kind = sniffEpuKind(text);
  const base = path.basename(file);
  if (kind === "session") return "EpuSession.dm";
  if (kind === "atlas") return "Atlas.dm";
  if (kind === "gridSquareMetadata") return `Metadata/${/^GridSquare_\d+\.dm$/i.test(base) ? base : `GridSquare_${/<Id[^>]*>(\d+)</.exec(text)?.[1] ?? "0"}.dm`}`;
  throw new UsageError(`${file}: not an EPU file emflow recognises by name or content (expected EpuSession.dm, Atlas.dm, GridSquare_<id>.dm, or an image XML inside Images-Disc*/GridSquare_<id>/)`);
}

function describeFile(file: string, p: ParsedEpuFile): string {
  switch (p.kind) {
    case "session":
      return `${file}: EPU session ${p.name} (id ${p.epuId}), ${p.samples.length} grid(s), ${p.samples.reduce((n, s) => n + s.squares.length, 0)} grid squares listed, started ${p.acquisition.startedAt ?? "?"}`;
    case "atlas":
      return `${file}: atlas ${p.atlas.atlasId}, ${p.tiles.length} tiles, ${p.squares.length} grid squares, acquired ${p.atlas.acquiredAt ?? "?"}`;
    case "gridSquareMetadata":
      return `${file}: grid square ${p.gridSquareId} (${p.square.state ?? "?"}), ${p.foilHoles.length} foil-hole target locations, ${p.foilHoles.filter((h) => h.data.nearGridBar).length} near a grid bar`;
    case "gridSquareImage":
      return `${file}: grid square ${p.gridSquareId} image, ${p.square.magnification ?? "?"}x, ${p.square.pixelSizeA ?? "?"} Å/px, ${p.square.acquiredAt ?? "?"}`;
    case "foilHoleImage":
      return `${file}: foil hole ${p.foilHoleId} image (square ${p.gridSquareId}), hole found at (${p.hole.foundX}, ${p.hole.foundY}) px, diameter ${p.hole.foundDiameterUm ?? "?"} µm, quality ${p.hole.quality ?? "?"}`;
    case "micrograph":
      return `${file}: exposure ${p.name} (hole ${p.foilHoleId}, square ${p.gridSquareId}), ${p.micrograph.pixelSizeA ?? "?"} Å/px, defocus ${p.micrograph.appliedDefocusA ?? "?"} Å, dose ${p.micrograph.doseEA2?.toFixed(2) ?? "?"} e/Å², ${p.micrograph.frameCount ?? "?"} frames, ${p.micrograph.detectorModel ?? p.micrograph.detector ?? "?"}`;
  }
}
