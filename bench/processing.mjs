// Preprocessing on 2 cores, on simulated movies with known truth: seconds per stage and movies/hour
// for the whole live path (motion → CTF → picking → ice → thumbnails), accuracy against the truth,
// and RELION 3.1 side by side on the same movies (relion_run_motioncorr --use_own, relion_autopick --LoG).
// Targets: ≤ 6 s per 4k × 40-frame movie (≥ 600 movies/hour); motion ≥ 2× faster than RELION's own at
// equal or lower trajectory error; defocus within 1%; trajectory error ≤ 0.5 px; picking F1 ≥ RELION LoG's.
//
// BENCH_SIZES=4k,k3 (default both), BENCH_MOVIES=2 per size (default), BENCH_RELION=0 to skip the peer,
// BENCH_THROUGHPUT_JOBS=6 movies of each size through the live path's compute pool, 2 at a time (0: skip).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import {
  BUILTIN,
  ComputePool,
  computeCtf,
  computeIce,
  computeMotion,
  computePick,
  computeThumbnails,
  matchPicks,
  relionLogPick,
  relionMotionCorrect,
  writeSyntheticMovie,
} from "../packages/processing/dist/index.js";
import { CACHE, median, writeResult } from "./lib.mjs";

const SIZES = {
  "4k": { width: 4096, height: 4096, pixelSize: 1.0 },
  k3: { width: 5760, height: 4092, pixelSize: 0.83 },
};
const FRAMES = 40;
const DOSE_PER_FRAME = 1.0; // e/Å² per frame, 40 e/Å² in all
const DIAMETER = 150;
const sizes = (process.env.BENCH_SIZES ?? "4k,k3").split(",").filter((s) => s in SIZES);
const perSize = Number(process.env.BENCH_MOVIES ?? 2);
const withRelion = process.env.BENCH_RELION !== "0" && spawnSync("relion_run_motioncorr", ["--version"]).error === undefined;
const work = path.join(CACHE, "processing");
mkdirSync(work, { recursive: true });

/** A cached simulated movie (TIFF, 8-bit counts, LZW: as EPU writes them) and its truth. */
async function movie(size, k) {
  const s = SIZES[size];
  const file = path.join(work, `${size}-${k}.tiff`);
  const truthFile = `${file}.truth.json`;
  if (!existsSync(truthFile)) {
    process.stderr.write(`simulating ${file} (cached for later runs)...\n`);
    const defocus = 12_000 + 8_000 * k;
    await writeSyntheticMovie(file, {
      width: s.width,
      height: s.height,
      frameCount: FRAMES,
      pixelSize: s.pixelSize,
      dosePerFrame: DOSE_PER_FRAME,
      seed: 1000 + k + (size === "k3" ? 100 : 0),
      // Twice the simulator's default contrast: at the defaults neither emflow nor RELION can align a 1 e/Å² frame
      // (both end several px off); real movies carry more low-frequency signal (ice gradients, carbon, aggregates).
      particles: { diameter: DIAMETER, contrast: 0.3 },
      ice: { contrast: 0.1, thickness: 50 },
      ctf: { defocusU: defocus + 400, defocusV: defocus - 400, astigmatismAngle: 25 + 40 * k },
      drift: { total: 12 },
    });
  }
  return { file, truth: JSON.parse(readFileSync(truthFile, "utf8")), pixelSize: s.pixelSize };
}

const time = async (fn) => {
  const t = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t) / 1000 };
};
const rms = (a, b) => Math.sqrt(a.reduce((s, [x, y], i) => s + (x - b[i][0]) ** 2 + (y - b[i][1]) ** 2, 0) / a.length);
const round = (x, d = 3) => (x === undefined ? undefined : Number(x.toFixed(d)));
function f1(picks, truth, radius) {
  const { precision, recall } = matchPicks(picks, truth, radius);
  return { picks: picks.length, precision: round(precision), recall: round(recall), f1: round(precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)) };
}

if (process.env.BENCH_GENERATE_ONLY === "1") {
  for (const size of sizes) for (let k = 0; k < perSize; k++) await movie(size, k);
  process.exit(0);
}

const runs = [];
for (const size of sizes) {
  for (let k = 0; k < perSize; k++) {
    const m = await movie(size, k);
    const t = m.truth;
    const out = path.join(work, `out-${size}-${k}`);
    rmSync(out, { recursive: true, force: true });
    const name = `${size}-${k}`;
    let job = { micrograph_id: "00000000-0000-4000-8000-000000000000", name, movie: m.file, out_dir: out, apix: m.pixelSize, kv: 300, cs: 2.7, ac: 0.07, dose_per_frame: DOSE_PER_FRAME, diameter: DIAMETER, applied_defocus: (t.ctf.defocus_u + t.ctf.defocus_v) / 2 };
    const motion = await time(() => computeMotion(job));
    job = { ...job, motion: motion.value.output };
    const ctf = await time(() => computeCtf(job));
    job = { ...job, ctf: ctf.value.output };
    const pick = await time(() => computePick(job));
    job = { ...job, pick: pick.value.output };
    const ice = await time(() => computeIce(job));
    const thumbs = await time(() => computeThumbnails(job));
    const total = motion.seconds + ctf.seconds + pick.seconds + ice.seconds + thumbs.seconds;
    const c = ctf.value.result;
    const meanTruth = (t.ctf.defocus_u + t.ctf.defocus_v) / 2;
    const angleErr = Math.abs(((c.astigmatism_angle - t.ctf.astigmatism_angle + 90) % 180 + 180) % 180 - 90);
    const radius = DIAMETER / 2 / m.pixelSize;
    const run = {
      movie: name,
      geometry: `${t.width}x${t.height}x${t.frame_count}`,
      seconds: { motion: round(motion.seconds, 2), ctf: round(ctf.seconds, 2), pick: round(pick.seconds, 2), ice: round(ice.seconds, 2), thumbnails: round(thumbs.seconds, 2), total: round(total, 2) },
      accuracy: {
        trajectoryRmsPx: round(rms(motion.value.result.trajectory, t.trajectory)),
        defocusErrorA: round(Math.abs((c.defocus_u + c.defocus_v) / 2 - meanTruth), 1),
        defocusErrorPct: round((100 * Math.abs((c.defocus_u + c.defocus_v) / 2 - meanTruth)) / meanTruth, 2),
        astigmatismTruthA: t.ctf.defocus_u - t.ctf.defocus_v,
        astigmatismAngleErrorDeg: round(angleErr, 1),
        fitResolutionA: round(c.fit_resolution, 2),
        picking: f1(pick.value.result.picks, t.particles, radius),
      },
    };
    if (withRelion) {
      const rm = await time(() =>
        relionMotionCorrect({ movie: m.file, workDir: path.join(out, "relion-motion"), options: { pixelSize: m.pixelSize, voltage: 300, dosePerFrame: DOSE_PER_FRAME, patches: [5, 5], threads: 2 } }),
      );
      const rp = await time(() =>
        relionLogPick({ micrograph: motion.value.output.micrograph_dw ?? motion.value.output.micrograph, workDir: path.join(out, "relion-pick"), options: { pixelSize: m.pixelSize, diameterMin: DIAMETER * 0.8, diameterMax: DIAMETER * 1.2 } }),
      );
      run.relion = {
        seconds: { motion: round(rm.seconds, 2), pick: round(rp.seconds, 2) },
        trajectoryRmsPx: round(rms(rm.value.result.trajectory, t.trajectory)),
        picking: f1(rp.value.result.picks, t.particles, radius),
      };
      run.motionSpeedupVsRelion = round(rm.seconds / motion.seconds, 2);
    }
    process.stderr.write(`${name}: ${JSON.stringify(run)}\n`);
    runs.push(run);
  }
}

// The live path's throughput: movies go through the server's compute pool (one worker thread per core,
// concurrency 2 as `emflow serve --concurrency 2` runs them), each its chain motion → CTF → picking →
// ice → thumbnails, two movies in flight at a time, on the same cached movies.
const throughputJobs = Number(process.env.BENCH_THROUGHPUT_JOBS ?? 6);
const throughput = {};
for (const size of throughputJobs > 0 ? sizes : []) {
  const pool = new ComputePool(BUILTIN, { size: 2 });
  if (!pool.threaded) throw new Error("the compute worker is not built: npm run build");
  const movies = [];
  for (let k = 0; k < perSize; k++) movies.push(await movie(size, k));
  const chain = async (j) => {
    const m = movies[j % movies.length];
    const t = m.truth;
    let job = { micrograph_id: "00000000-0000-4000-8000-000000000000", name: `tp-${size}-${j}`, movie: m.file, out_dir: path.join(work, `tp-${size}-${j}`), apix: m.pixelSize, kv: 300, cs: 2.7, ac: 0.07, dose_per_frame: DOSE_PER_FRAME, diameter: DIAMETER, applied_defocus: (t.ctf.defocus_u + t.ctf.defocus_v) / 2 };
    job = { ...job, motion: (await pool.run("motion", job)).output };
    job = { ...job, ctf: (await pool.run("ctf", job)).output };
    const [pick] = await Promise.all([pool.run("pick", job), pool.run("ice", job)]);
    job = { ...job, pick: pick.output };
    await pool.run("thumbnails", job);
  };
  let next = 0;
  const worker = async () => {
    while (next < throughputJobs) await chain(next++);
  };
  // The pool's threads are unref'd (a server may exit with them idle); keep this script alive meanwhile.
  const alive = setInterval(() => undefined, 1000);
  const t0 = performance.now();
  await Promise.all([worker(), worker()]).finally(() => clearInterval(alive));
  const wall = (performance.now() - t0) / 1000;
  await pool.close();
  for (let j = 0; j < throughputJobs; j++) rmSync(path.join(work, `tp-${size}-${j}`), { recursive: true, force: true });
  throughput[size] = { movies: throughputJobs, inFlight: 2, wallSeconds: round(wall, 1), secondsPerMovie: round(wall / throughputJobs, 2), moviesPerHour: Math.round((3600 * throughputJobs) / wall) };
  process.stderr.write(`throughput ${size}: ${JSON.stringify(throughput[size])}\n`);
}

const bySize = Object.fromEntries(
  sizes.map((size) => {
    const r = runs.filter((x) => x.movie.startsWith(size));
    const totals = r.map((x) => x.seconds.total);
    return [
      size,
      {
        medianSecondsPerMovie: round(median(totals), 2),
        moviesPerHour: Math.round(3600 / median(totals)),
        ...(throughput[size] === undefined ? {} : { livePath: throughput[size] }),
        medianStageSeconds: Object.fromEntries(["motion", "ctf", "pick", "ice", "thumbnails"].map((s) => [s, round(median(r.map((x) => x.seconds[s])), 2)])),
        ...(withRelion ? { medianMotionSpeedupVsRelion: round(median(r.map((x) => x.motionSpeedupVsRelion)), 2) } : {}),
      },
    ];
  }),
);
const file = writeResult("processing", {
  command: "node bench/processing.mjs",
  targets: { secondsPer4kMovie: 6, moviesPerHour: 600, motionSpeedupVsRelion: 2, defocusErrorPct: 1, trajectoryRmsPx: 0.5, pickingF1: "≥ RELION LoG" },
  peer: withRelion ? "RELION 3.1 (relion_run_motioncorr --use_own --j 2, 5×5 patches; relion_autopick --LoG)" : "not run",
  bySize,
  runs,
});
console.log(`processing: ${JSON.stringify(bySize)} → ${file}`);
