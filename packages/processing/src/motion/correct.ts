import { ProcessingError } from "@emflow/core";
import { loadFft, type Fft } from "../fft/fft.js";
import type { Spectrum2D } from "../fft/spectrum2d.js";
import { parseOptions } from "../image/options.js";
import { alignToSum, type AlignOptions, type AlignResult } from "./align.js";
import { matchedFilter } from "./filter.js";
import { refineByWindows } from "./windows.js";
import { frameExposure } from "./dose.js";
import { doseGroups } from "./dose-weight.js";
import { createDoseWeighter } from "./dose-weighter.js";
import { evaluateLocal, fitLocalModel, type LocalMotionModel } from "./local-model.js";
import { earlyFrameCount, motionFigures } from "./metrics.js";
import { MotionOptions, type MotionConfig } from "./options.js";
import { frameGroups, measurePatches, type PatchMeasurements } from "./patches.js";
import { alignGrid, prepareFrame, type AlignGrid } from "./prepare.js";
import { FrameCache } from "./frame-cache.js";
import { acquireCodec, type FrameCodec } from "./frame-codec.js";
import { smoothTrajectory } from "./smooth.js";
import { readInto, type FrameSource } from "./source.js";

/** Result of `correctMotion`. Units: px for positions and shifts, Å for motion figures. */
export interface MotionCorrection {
  width: number;
  height: number;
  /** Aligned sum of all frames (counts, gain-corrected), not dose-weighted. */
  sum: Float32Array;
  /** Aligned, dose-weighted sum (same scale and noise power as `sum`); absent without a dose. */
  sumDoseWeighted: Float32Array | undefined;
  /**
   * Detected motion per frame [[x, y], …] in px, relative to frame 0: the specimen point at p in
   * frame 0 is found at p + trajectory[i] in frame i (the whole-frame average; the local model
   * adds a zero-mean field on top). The shift applied to frame i to align it is −trajectory[i].
   */
  trajectory: [number, number][];
  /** Local motion model on top of the global shifts (absent when patches are off or too few). */
  local: LocalMotionModel | undefined;
  patches: PatchMeasurements | undefined;
  /** Accumulated motion, Å: all frames, the first `early_frames`, the rest. */
  total_motion: number;
  early_motion: number;
  late_motion: number;
  early_frames: number;
  /** Alignment grid (binning) and iterations used. */
  grid: AlignGrid;
  iterations: number;
  /** Seconds per stage. */
  timings: Record<string, number>;
}

const LOCAL_TILE = 64;

/**
 * MotionCor2-style motion correction: global alignment of binned frames against the sum of the
 * others, patch alignment fitted with a smooth polynomial in space and time, and an aligned sum
 * with and without dose weighting. Reads every frame once when the raw frames fit
 * `cacheFramesBytes` (see frame-cache.ts; 1 byte a pixel for counting movies), else re-reads the
 * frames that did not fit for the summing pass.
 */
export async function correctMotion(source: FrameSource, options: MotionOptions): Promise<MotionCorrection> {
  const cfg = parseOptions(MotionOptions, options, "motion options");
  const { width, height, frameCount } = source;
  if (!Number.isInteger(frameCount) || frameCount < 1) throw new ProcessingError(`a movie needs at least one frame, got ${frameCount}`);
  if (cfg.gain !== undefined && cfg.gain.length !== width * height) {
    throw new ProcessingError(`gain reference has ${cfg.gain.length} values, frames have ${width} × ${height}`);
  }
  const fft = await loadFft();
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string): void => {
    const now = performance.now();
    timings[name] = (now - t) / 1000;
    t = now;
  };
  const progress = (f: number, stage: string): void => cfg.onProgress?.(f, stage);

  const grid = alignGrid(width, height, cfg.alignSize, cfg.binning);
  const codec = acquireCodec();
  try {
    return await run();
  } finally {
    codec.release();
  }

  async function run(): Promise<MotionCorrection> {
    // The codec's memory is sized once, up front, so views of it stay valid through the run.
    const n = width * height;
    const binnedApix = cfg.pixelSize * grid.bin;
    // The alignment pass reads into the codec's memory, which caches, applies the gain and bins there.
    const tile = LOCAL_TILE;
    codec.layout(n, grid.width * grid.height, grid.width * grid.bin, Math.ceil(width / tile) * Math.ceil(height / tile));
    if (cfg.gain !== undefined) codec.setGain(cfg.gain);
    const cache = new FrameCache(cfg.cacheFramesBytes, codec);
    const spectra: Spectrum2D[] = [];
    for (let i = 0; i < frameCount; i++) {
      cfg.signal?.throwIfAborted();
      await readInto(source, i, () => codec.frame());
      const gain = cfg.gain !== undefined;
      const narrow = cache.fits(n) && (source.sampleType === "uint8" ? "trusted" : true);
      const { spectrum, bytes } = prepareFrame(fft, codec, width, height, grid, gain, narrow);
      spectra.push(spectrum);
      // Frames that are not all bytes take the slower general path (raw values are gone once gained).
      if (bytes !== undefined) cache.keep(i, bytes);
      else if (!gain) cache.store(i, codec.frame());
      progress((0.4 * (i + 1)) / frameCount, "reading");
    }
    lap("prepare");

    const global = alignGlobal(fft, spectra, {
      bfactorPx: cfg.bfactorGlobal / (binnedApix * binnedApix),
      maxShift: cfg.maxShift / binnedApix,
      iterations: cfg.iterations,
      tolerance: cfg.tolerance / grid.bin,
    });
    const smooth = cfg.smoothing !== 0 && frameCount <= 300;
    const shifts = smooth ? smoothTrajectory(global.shifts, cfg.smoothing === "auto" ? undefined : cfg.smoothing).shifts : global.shifts;
    const globalTrajectory: [number, number][] = [];
    for (let i = 0; i < frameCount; i++) {
      globalTrajectory.push([(shifts[2 * i]! - shifts[0]!) * grid.bin, (shifts[2 * i + 1]! - shifts[1]!) * grid.bin]);
    }
    lap("global");
    progress(0.5, "global");

    let local: LocalMotionModel | undefined;
    let patches: PatchMeasurements | undefined;
    if (cfg.patches[0] > 0 && cfg.patches[1] > 0 && frameCount >= 6) {
      patches = measurePatches(fft, grid, spectra, shifts, {
        patches: cfg.patches,
        group: cfg.patchGroup ?? Math.max(1, Math.round(frameCount / 10)),
        bfactorPx: cfg.bfactorLocal / (binnedApix * binnedApix),
        maxShift: cfg.maxShift / binnedApix / 4,
        // Patches start from the global alignment, so residuals are small and settle quickly.
        iterations: Math.min(3, cfg.iterations),
        tolerance: cfg.tolerance / grid.bin,
      });
      if (patches !== undefined) local = fitLocalModel(patches.samples, width, height, frameCount);
    }
    spectra.length = 0;
    lap("patches");
    progress(0.6, "patches");

    const trajectory = globalTrajectory;

    const sums = await alignedSums(source, cache, codec, cfg, globalTrajectory, local, (f) => progress(0.6 + 0.4 * f, "summing"));
    cache.clear();
    lap("sum");

    const early = earlyFrameCount(frameCount, cfg.dosePerFrame, cfg.earlyExposure, cfg.preExposure, cfg.earlyFrames);
    const figures = motionFigures(trajectory, cfg.pixelSize, early);
    return {
      width,
      height,
      sum: sums.sum,
      sumDoseWeighted: sums.weighted,
      trajectory,
      local,
      patches,
      total_motion: figures.total,
      early_motion: figures.early,
      late_motion: figures.late,
      early_frames: early,
      grid,
      iterations: global.iterations,
      timings,
    };
  }
}

/**
 * Global alignment of low-dose frames, on spectra under a matched filter estimated from the data
 * (see filter.ts): sums of consecutive frames, as few as give a reliable correlation peak, are
 * aligned over the whole search range; then every frame is placed by a sliding window of
 * neighbours (windows.ts) searched only near that group trajectory, so a frame with little signal
 * neither locks onto a noise peak far away nor adds its noise in full.
 */
function alignGlobal(fft: Fft, spectra: readonly Spectrum2D[], opts: AlignOptions): AlignResult {
  const n = spectra.length;
  if (n < 4) return alignToSum(fft, spectra, opts);
  const first = matchedFilter(spectra);
  let size = Math.max(2, Math.round(n / 8));
  while (size < Math.floor(n / 3) && first.peakSnr(size) < GROUP_SNR) size++;
  const groups = frameGroups(n, size);
  const sums = groups.map(([s, e]) => {
    const data = new Float32Array(first.spectra[0]!.data.length);
    for (let i = s; i < e; i++) {
      const d = first.spectra[i]!.data;
      for (let k = 0; k < data.length; k++) data[k]! += d[k]!;
    }
    return { width: spectra[0]!.width, height: spectra[0]!.height, data };
  });
  const coarse = alignToSum(fft, sums, { ...opts, bfactorPx: 0, maxFrequency: first.maxFrequency, iterations: Math.max(3, opts.iterations) });
  const centres = groups.map(([s, e]) => (s + e - 1) / 2);
  const initial = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    let g = 0;
    while (g + 2 < centres.length && centres[g + 1]! < i) g++;
    const a = centres[g]!;
    const b = centres[Math.min(g + 1, centres.length - 1)]!;
    const t = b === a ? 0 : (i - a) / (b - a);
    for (let c = 0; c < 2; c++) {
      const va = coarse.shifts[2 * g + c]!;
      const vb = coarse.shifts[2 * Math.min(g + 1, centres.length - 1) + c]!;
      initial[2 * i + c] = va + (vb - va) * t;
    }
  }
  // Re-estimated on the aligned frames, the filter keeps the high frequencies drift had blurred.
  const second = matchedFilter(spectra, initial);
  let half = 0;
  while (2 * half + 1 < Math.floor(n / 2) && second.peakSnr(2 * half + 1) < WINDOW_SNR) half++;
  const shifts = refineByWindows(fft, second.spectra, initial, {
    halfWidth: half,
    maxFrequency: second.maxFrequency,
    radius: Math.max(2, Math.min(opts.maxShift, 0.5 * size * (1 + Math.hypot(coarse.shifts[2]! - coarse.shifts[0]!, coarse.shifts[3]! - coarse.shifts[1]!)))),
    iterations: opts.iterations,
    tolerance: opts.tolerance / 2,
  });
  return { shifts, peaks: new Float64Array(n), iterations: coarse.iterations };
}

/** Expected correlation-peak SNR (filter.ts) wanted of a frame group and of a sliding window. */
const GROUP_SNR = 25;
const WINDOW_SNR = 25;

/**
 * Second pass: shift every frame back and sum, by dose groups when there is a dose. Runs in the
 * codec's memory: frames kept by the cache come from there (bytes summed as bytes), the others are
 * read again into the codec's frame slot.
 */
async function alignedSums(
  source: FrameSource,
  cache: FrameCache,
  codec: FrameCodec,
  cfg: MotionConfig,
  globalTrajectory: readonly [number, number][],
  local: LocalMotionModel | undefined,
  progress: (fraction: number) => void,
): Promise<{ sum: Float32Array; weighted: Float32Array | undefined }> {
  const { width, height, frameCount } = source;
  const dose = cfg.dosePerFrame;
  const fft = await loadFft();
  const exposures = Array.from({ length: frameCount }, (_, i) => frameExposure(i, dose ?? 0, cfg.preExposure));
  const weighter = dose === undefined ? undefined : createDoseWeighter(fft, { width, height, apix: cfg.pixelSize, voltage: cfg.voltage, exposures }, cfg.threads);
  const groups = dose === undefined ? [[0, frameCount] as [number, number]] : doseGroups(frameCount, cfg.doseGroups);
  const tile = local === undefined ? Math.max(width, height) : LOCAL_TILE;
  const tilesX = Math.ceil(width / tile);
  const tilesY = Math.ceil(height / tile);
  const gain = cfg.gain !== undefined;
  codec.sum().fill(0);
  try {
    for (const [start, end] of groups) {
      codec.group().fill(0);
      for (let i = start; i < end; i++) {
        cfg.signal?.throwIfAborted();
        const kept = cache.get(i);
        if (kept === undefined) await readInto(source, i, () => codec.frame());
        const shifts = codec.shifts();
        const [gx, gy] = globalTrajectory[i]!;
        for (let ty = 0; ty < tilesY; ty++) {
          for (let tx = 0; tx < tilesX; tx++) {
            const k = ty * tilesX + tx;
            if (local === undefined) {
              shifts[2 * k] = gx;
              shifts[2 * k + 1] = gy;
            } else {
              const cx = Math.min(width, (tx + 0.5) * tile) - 0.5;
              const cy = Math.min(height, (ty + 0.5) * tile) - 0.5;
              const [lx, ly] = evaluateLocal(local, cx, cy, i);
              shifts[2 * k] = gx + lx;
              shifts[2 * k + 1] = gy + ly;
            }
          }
        }
        codec.accumulate(kept, gain, width, height, tile, weighter === undefined);
        progress((i + 1) / frameCount);
      }
      if (weighter !== undefined) {
        codec.addGroupToSum();
        weighter.addGroup(start, end, codec.group());
      }
    }
  } catch (err) {
    weighter?.cancel();
    throw err;
  }
  const sum = codec.sum().slice();
  return { sum, weighted: await weighter?.result() };
}
