/**
 * The movies `emflow epu synth --movies N` (and the demo) put beside the
 * micrograph XML: N simulated movies, used in turn, with their truths.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeSyntheticMovie, type MovieTruth } from "@emflow/processing";

/** Shape of the movie pool. */
export interface MoviePoolOptions {
  readonly count: number;
  readonly size: number;
  readonly frames: number;
  readonly seed: number;
  /** Å/px of the synthetic session's exposures (its micrograph XML says 1.0559 Å). */
  readonly apix?: number;
  /** Total dose, e/Å² (the XML says 40). */
  readonly dose?: number;
  /** Specimen contrast (the simulator's particle contrast; ice texture is a fifth of it). */
  readonly contrast?: number;
  readonly onMovie?: (done: number, total: number) => void;
}

/** The file written beside the session: which pool movie each exposure got, and the pool's truths. */
export const MOVIES_TRUTH_FILE = "synth-movies.json";

/** Simulate the pool; returns each movie's bytes (TIFF, 8-bit LZW) and truth. */
export async function makeMoviePool(o: MoviePoolOptions): Promise<{ bytes: Uint8Array[]; truths: MovieTruth[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), "emflow-movies-"));
  try {
    const bytes: Uint8Array[] = [];
    const truths: MovieTruth[] = [];
    for (let k = 0; k < o.count; k++) {
      // Defoci spread over 1.0–2.5 µm with some astigmatism, as a session's would be.
      const defocus = 10_000 + (15_000 * k) / Math.max(1, o.count - 1);
      const file = path.join(dir, `movie${k}.tiff`);
      const r = await writeSyntheticMovie(file, {
        width: o.size,
        height: o.size,
        frameCount: o.frames,
        pixelSize: o.apix ?? 1.0559,
        dosePerFrame: (o.dose ?? 40) / o.frames,
        seed: o.seed * 1000 + k,
        ctf: { defocusU: defocus + 300, defocusV: defocus - 300, astigmatismAngle: (37 * k) % 180 },
        // Small movies need strong contrast for alignment and CTF fitting to see anything (a 4k one has 100× the pixels).
        particles: { contrast: o.contrast ?? 1, diameter: 150 },
        ice: { contrast: (o.contrast ?? 1) * 0.2 },
      });
      bytes.push(readFileSync(file));
      truths.push(r.truth);
      o.onMovie?.(k + 1, o.count);
    }
    return { bytes, truths };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Write synth-movies.json into the visit directory. */
export function writeMovieTruths(visitDir: string, truths: readonly MovieTruth[]): string {
  const file = path.join(visitDir, MOVIES_TRUTH_FILE);
  const doc = { rule: "the k-th exposure in synth-truth.json order (squares, holes, shots) has movie pool[k % pool.length]", pool: truths };
  writeFileSync(file, `${JSON.stringify(doc)}\n`);
  return file;
}
