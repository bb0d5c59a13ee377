/**
 * `emflow synth movie <out>`: a simulated dose-fractionated movie with its
 * ground truth (particles, CTF, drift, local deformation, dose) as JSON.
 */
import { Option, type Command } from "commander";
import type { SimulateOptions } from "@emflow/processing";
import { positive, positiveInt } from "../ui/flags.js";
import { progressBar } from "../ui/progress.js";

type Run = (work: () => Promise<number>) => void;

interface MovieFlags {
  size: number;
  height?: number;
  frames: number;
  apix: number;
  dosePerFrame: number;
  kv: number;
  cs: number;
  ac: number;
  defocusU: number;
  defocusV?: number;
  astigmatismAngle: number;
  phaseShift: number;
  diameter: number;
  particles?: number;
  drift: number;
  deformation: number;
  ice: number;
  gainSigma: number;
  seed: number;
  format?: "mrc" | "tiff";
  json?: boolean;
}

const number = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number`);
  return n;
};

/** The simulator options the flags describe. */
export function movieOptions(o: MovieFlags): SimulateOptions {
  return {
    width: o.size,
    height: o.height ?? o.size,
    frameCount: o.frames,
    pixelSize: o.apix,
    seed: o.seed,
    dosePerFrame: o.dosePerFrame,
    particles: { diameter: o.diameter, ...(o.particles === undefined ? {} : { count: o.particles }) },
    ice: { thickness: o.ice },
    ctf: {
      defocusU: o.defocusU,
      defocusV: o.defocusV ?? o.defocusU,
      astigmatismAngle: o.astigmatismAngle,
      voltage: o.kv,
      cs: o.cs,
      amplitudeContrast: o.ac,
      phaseShift: o.phaseShift,
    },
    drift: { total: o.drift },
    deformation: o.deformation,
    gainSigma: o.gainSigma,
  };
}

/** Add `synth movie` under `synth`. */
export function registerSynthMovie(synth: Command, run: Run): void {
  synth
    .command("movie")
    .description("write a simulated movie (MRC or TIFF) and <out>.truth.json with its ground truth")
    .argument("<out>", "movie file: .mrc/.mrcs (int16 counts) or .tif/.tiff (8-bit counts, LZW)")
    .option("--size <px>", "frame width (and height unless --height)", positiveInt("--size"), 1024)
    .option("--height <px>", "frame height (e.g. 4092 with --size 5760 for a K3 frame)", positiveInt("--height"))
    .option("--frames <n>", "number of frames", positiveInt("--frames"), 40)
    .option("--apix <A>", "pixel size, Å/px", positive("--apix"), 1.0)
    .option("--dose-per-frame <e>", "dose per frame, e/Å²", positive("--dose-per-frame"), 1.0)
    .option("--kv <kV>", "acceleration voltage, kV", positive("--kv"), 300)
    .option("--cs <mm>", "spherical aberration, mm", positive("--cs", true), 2.7)
    .option("--ac <f>", "amplitude contrast (0–0.5)", positive("--ac", true), 0.07)
    .option("--defocus-u <A>", "defocus along the major axis, Å (positive = underfocus)", number("--defocus-u"), 15_000)
    .option("--defocus-v <A>", "defocus along the minor axis, Å (default: = --defocus-u)", number("--defocus-v"))
    .option("--astigmatism-angle <deg>", "angle from x to the major axis, degrees", number("--astigmatism-angle"), 0)
    .option("--phase-shift <deg>", "phase-plate shift, degrees", number("--phase-shift"), 0)
    .option("--diameter <A>", "particle diameter, Å", positive("--diameter"), 150)
    .option("--particles <n>", "number of particles (default: 20% of the area)", positiveInt("--particles"))
    .option("--drift <px>", "path length of the global drift over the movie, px", positive("--drift", true), 10)
    .option("--deformation <px>", "largest local (non-rigid) displacement, px", positive("--deformation", true), 1)
    .option("--ice <nm>", "ice thickness at the centre, nm (attenuates the beam)", positive("--ice", true), 0)
    .option("--gain-sigma <s>", "spread of a per-pixel gain (0 = none)", positive("--gain-sigma", true), 0)
    .option("--seed <n>", "random seed: same seed, same movie", (v) => Number.parseInt(v, 10), 1)
    .addOption(new Option("--format <f>", "override the format the extension implies").choices(["mrc", "tiff"]))
    .option("--json", "print the truth as JSON on stdout")
    .addHelpText(
      "after",
      `
The truth (JSON): particles [[x, y], ...] px of frame 0, diameter Å, ctf {defocus_u, defocus_v (Å),
astigmatism_angle (°), voltage, cs, amplitude_contrast, phase_shift}, trajectory [[x, y], ...] px per frame
relative to frame 0, the local deformation, dose_per_frame e/Å², apix.
Example, a K3-sized movie:  emflow synth movie k3.tif --size 5760 --height 4092 --frames 40 --apix 0.83`,
    )
    .action((out: string, o: MovieFlags) =>
      run(async () => {
        const bar = progressBar("simulating");
        const r = await (await import("@emflow/processing")).writeSyntheticMovie(out, movieOptions(o), o.format === undefined ? {} : { format: o.format }, (done, total) => bar.update(done, total, "frames"));
        bar.done();
        if (o.json) process.stdout.write(`${JSON.stringify(r.truth)}\n`);
        else {
          const t = r.truth;
          process.stdout.write(
            `${out}: ${t.width} × ${t.height} × ${t.frame_count} frames, ${(r.bytes / 1e6).toFixed(1)} MB; ${t.particles.length} particles, ` +
              `defocus ${t.ctf.defocus_u}/${t.ctf.defocus_v} Å; truth in ${r.truthPath}\n`,
          );
        }
        return 0;
      }),
    );
}
