import type { Fft } from "../fft/fft.js";
import { goodSizeAtMost } from "../fft/sizes.js";
import type { Spectrum2D } from "../fft/spectrum2d.js";
import { phaseShift } from "../fft/spectrum-ops.js";
import { normaliseAndTaper } from "../image/taper.js";
import { alignToSum } from "./align.js";
import type { PatchSample } from "./local-model.js";
import type { AlignGrid } from "./prepare.js";

/** Options of `measurePatches`. */
export interface PatchOptions {
  patches: readonly [number, number];
  /** Frames per group. */
  group: number;
  /** B-factor on the grid, px². */
  bfactorPx: number;
  /** Search radius on the grid, px. */
  maxShift: number;
  iterations: number;
  tolerance: number;
}

/** Patch measurements for the local model, plus the patch geometry (full-resolution px). */
export interface PatchMeasurements {
  samples: PatchSample[];
  /** Patch centres [[x, y], …] and the patch side, full-resolution px. */
  centres: [number, number][];
  size: number;
  /** Frame ranges [start, end) of the groups. */
  groups: [number, number][];
}

/** Contiguous frame groups of `size` frames (a short last group joins the one before). */
export function frameGroups(frameCount: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < frameCount; s += size) out.push([s, Math.min(frameCount, s + size)]);
  const last = out[out.length - 1];
  if (out.length > 1 && last !== undefined && last[1] - last[0] < size / 2) {
    out.pop();
    out[out.length - 1]![1] = frameCount;
  }
  return out;
}

/**
 * Align patches of globally aligned frame-group sums: each group sum is made in Fourier space
 * (frames shifted by their global shift), patches are cut from it, and each patch's groups are
 * aligned against the sum of the others. Residual shifts come back in full-resolution pixels.
 */
export function measurePatches(fft: Fft, grid: AlignGrid, spectra: readonly Spectrum2D[], globalShifts: Float64Array, opts: PatchOptions): PatchMeasurements | undefined {
  const [nx, ny] = opts.patches;
  const { width: bw, height: bh, bin } = grid;
  const n = spectra.length;
  const groups = frameGroups(n, opts.group);
  if (nx < 1 || ny < 1 || groups.length < 3) return undefined;
  const spacing = Math.min(bw / nx, bh / ny);
  const size = goodSizeAtMost(Math.min(bw, bh, Math.max(64, Math.round(1.2 * spacing))), "real");
  if (size < 64) return undefined;

  const images = groups.map(([s, e]) => {
    const acc = { width: bw, height: bh, data: new Float32Array(spectra[0]!.data.length) };
    const tmp = { width: bw, height: bh, data: new Float32Array(acc.data.length) };
    for (let i = s; i < e; i++) {
      phaseShift(spectra[i]!, -globalShifts[2 * i]!, -globalShifts[2 * i + 1]!, tmp);
      for (let k = 0; k < acc.data.length; k++) acc.data[k]! += tmp.data[k]!;
    }
    return fft.inverse2d(acc);
  });
  const taus = groups.map(([s, e]) => (n > 1 ? ((s + e - 1) / 2) / (n - 1) : 0));

  const samples: PatchSample[] = [];
  const centres: [number, number][] = [];
  const patch = new Float32Array(size * size);
  for (let py = 0; py < ny; py++) {
    for (let px = 0; px < nx; px++) {
      const x0 = Math.round(nx === 1 ? (bw - size) / 2 : ((bw - size) * px) / (nx - 1));
      const y0 = Math.round(ny === 1 ? (bh - size) / 2 : ((bh - size) * py) / (ny - 1));
      const spectraP = images.map((img) => {
        for (let y = 0; y < size; y++) patch.set(img.subarray((y0 + y) * bw + x0, (y0 + y) * bw + x0 + size), y * size);
        normaliseAndTaper(patch, size, size, Math.max(4, size / 10));
        return fft.forward2d(patch, size, size);
      });
      const found = alignToSum(fft, spectraP, {
        bfactorPx: opts.bfactorPx,
        maxShift: Math.min(opts.maxShift, size / 4),
        iterations: opts.iterations,
        tolerance: opts.tolerance,
      });
      const id = centres.length;
      const cx = grid.x0 + (x0 + (size - 1) / 2) * bin + (bin - 1) / 2;
      const cy = grid.y0 + (y0 + (size - 1) / 2) * bin + (bin - 1) / 2;
      centres.push([cx, cy]);
      groups.forEach((_, g) => {
        samples.push({ patch: id, x: cx, y: cy, tau: taus[g]!, dx: found.shifts[2 * g]! * bin, dy: found.shifts[2 * g + 1]! * bin });
      });
    }
  }
  return { samples, centres, size: size * bin, groups };
}
