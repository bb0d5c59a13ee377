/**
 * `emflow epu synth|record|replay`: make synthetic sessions, record a
 * directory being written, and replay recordings (epuplayer's format).
 */
import path from "node:path";
import type { Command } from "commander";
import { positive, positiveInt } from "../ui/flags.js";
import { interruptSignal } from "../ui/signals.js";
import { progressBar } from "../ui/progress.js";
import type { MovieTruth } from "@emflow/processing";

type Run = (work: () => Promise<number>) => void;

interface SynthFlags {
  squares: number;
  holesPerSquare: number;
  shotsPerHole: number;
  speed: number;
  seed: number;
  name?: string;
  movieBytes?: number;
  movies: number;
  movieSize: number;
  movieFrames: number;
}

/** Add the synth, record and replay subcommands to `epu`. */
export function registerSessionTools(epu: Command, run: Run): void {
  epu
    .command("synth")
    .description("write a realistic synthetic EPU session (atlas + session directory) at EPU's order and pace")
    .argument("<dir>", "output (visit) directory; the session and its atlas/ are created inside")
    .option("--squares <n>", "grid squares acquired", positiveInt("--squares"), 3)
    .option("--holes-per-square <n>", "foil holes acquired per square", positiveInt("--holes-per-square"), 10)
    .option("--shots-per-hole <n>", "exposures per foil hole", positiveInt("--shots-per-hole"), 4)
    .option("--speed <x>", "1 = EPU's real pace (~6 s per exposure), 10 = ten times faster, 0 = as fast as possible", positive("--speed", true), 1)
    .option("--seed <n>", "random seed: same seed, same files", (v) => Number.parseInt(v, 10), 1)
    .option("--name <name>", "session short name (letters, digits, '-')")
    .option("--movie-bytes <n>", "size of each movie placeholder", positiveInt("--movie-bytes"))
    .option("--movies <n>", "write real simulated movies (a pool of n, used in turn) instead of placeholders", positive("--movies", true), 0)
    .option("--movie-size <px>", "frame size of the simulated movies", positiveInt("--movie-size"), 512)
    .option("--movie-frames <n>", "frames per simulated movie", positiveInt("--movie-frames"), 16)
    .addHelpText(
      "after",
      `
Writes <dir>/atlas/... (Atlas.dm, tiles), <dir>/Supervisor_<date>_<time>_<name>_EPU/ (EpuSession.dm,
Metadata/, Images-Disc1/...) and <dir>/synth-truth.json (every id, position and count written).
Files are modelled on real EPU 3.x output and parse with 'emflow epu parse'.`,
    )
    .action((dir: string, o: SynthFlags) =>
      run(async () => {
        let movies: Uint8Array[] | undefined;
        let truths: MovieTruth[] = [];
        if (o.movies > 0) {
          const pool = progressBar("simulating movies");
          ({ bytes: movies, truths } = await (await import("./movie-pool.js")).makeMoviePool({
            count: Math.round(o.movies),
            size: o.movieSize,
            frames: o.movieFrames,
            seed: o.seed,
            onMovie: (done, total) => pool.update(done, total),
          }));
          pool.done();
        }
        const bar = progressBar("writing");
        const result = await (await import("@emflow/synth")).synthesizeSession({
          ...(movies === undefined ? {} : { movies }),
          dir,
          squares: o.squares,
          holesPerSquare: o.holesPerSquare,
          shotsPerHole: o.shotsPerHole,
          speed: o.speed,
          seed: o.seed,
          ...(o.name === undefined ? {} : { name: o.name }),
          ...(o.movieBytes === undefined ? {} : { movieBytes: o.movieBytes }),
          signal: interruptSignal(),
          onProgress: (p) => bar.update(p.written, p.total, p.phase),
        });
        bar.done(
          `wrote ${result.totals.squares} squares, ${result.totals.foilHoles} foil holes, ${result.totals.micrographs} micrographs ` +
            `(${result.totals.files} files) to ${result.sessionPath}`,
        );
        if (truths.length > 0) process.stderr.write(`movie truths in ${(await import("./movie-pool.js")).writeMovieTruths(dir, truths)}\n`);
        return 0;
      }),
    );

  epu
    .command("record")
    .description("record a directory as it is written, in DiamondLightSource epuplayer's format (.tar.gz); Ctrl-C stops")
    .argument("<dir>", "directory to record")
    .argument("<out>", "recording to write, e.g. session.recording.tar.gz")
    .option("--keep-binary", "store binary files' content (default: size-only placeholders, as epuplayer)")
    .option("--poll-ms <ms>", "poll instead of using change events (network shares)", positiveInt("--poll-ms"))
    .action((dir: string, out: string, o: { keepBinary?: boolean; pollMs?: number }) =>
      run(async () => {
        const signal = interruptSignal();
        const result = await (await import("@emflow/agent")).recordDirectory(path.resolve(dir), path.resolve(out), {
          signal,
          skipBinaryContent: !(o.keepBinary ?? false),
          ...(o.pollMs === undefined ? {} : { pollIntervalMs: o.pollMs }),
          onReady: () => process.stderr.write(`recording ${dir}; press Ctrl-C to stop and write ${out}\n`),
        });
        for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
        process.stderr.write(`wrote ${result.outFile}: ${result.events} events, ${result.chunks} binary chunks\n`);
        return 0;
      }),
    );

  epu
    .command("replay")
    .description("replay a recording (epuplayer .tar.gz or legacy .json) into a directory, at the recorded pace or faster")
    .argument("<recording>", "recording file")
    .argument("<dir>", "target directory (created if missing)")
    .option("--speed <x>", "1 = recorded pace, 10 = ten times faster, 0 = no delays", positive("--speed", true), 1)
    .option("--max-delay <s>", "cap any single wait (seconds, after --speed)", positive("--max-delay", true))
    .option("--no-verify", "skip the sha256 check of each file after its event")
    .action((rec: string, dir: string, o: { speed: number; maxDelay?: number; verify: boolean }) =>
      run(async () => {
        const recording = await (await import("@emflow/agent")).readRecording(rec);
        const bar = progressBar("replaying");
        const result = await (await import("@emflow/agent")).replayRecording(recording, path.resolve(dir), {
          speed: o.speed,
          ...(o.maxDelay === undefined ? {} : { maxDelay: o.maxDelay }),
          verify: o.verify,
          signal: interruptSignal(),
          onProgress: (p) => bar.update(p.done, p.total),
        });
        bar.done(`replayed ${result.applied}/${result.total} events into ${dir} (${result.placeholders} binary placeholders)`);
        for (const i of result.issues) process.stderr.write(`issue: event ${i.index} ${i.eventType} ${i.path}: ${i.message}\n`);
        for (const m of result.mismatches) process.stderr.write(`hash mismatch: ${m.path} (event ${m.index})\n`);
        return result.issues.length + result.mismatches.length === 0 ? 0 : 1;
      }),
    );
}
