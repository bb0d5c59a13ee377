/**
 * Bad input to the step computations: each gives a tagged error naming the
 * file and the problem (which the services turn into a failed status and a
 * dead letter without retries).
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isEmflowError } from "@emflow/core";
import { writeMrc, writeMrcImage } from "@emflow/formats";
import { computeCtf, computeMotion, computePick } from "./compute.js";
import type { StepPayload } from "./job.js";
import { retryPolicy } from "./services.js";

describe("step computations on bad input", () => {
  const dir = mkdtempSync(join(tmpdir(), "emflow-compute-"));
  const movie = join(dir, "movie.mrc");
  const job = (extra: Partial<StepPayload> = {}): StepPayload => ({
    micrograph_id: randomUUID(),
    name: "m",
    movie,
    out_dir: join(dir, "out"),
    apix: 1,
    kv: 300,
    cs: 2.7,
    ac: 0.1,
    diameter: 100,
    ...extra,
  });
  beforeAll(async () => {
    const frame = new Float32Array(128 * 128).fill(1);
    await writeMrc(movie, { width: 128, height: 128, mode: 2, pixelSizeA: 1 }, [frame, frame, frame]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function failure(p: Promise<unknown>): Promise<Error> {
    try {
      await p;
    } catch (err) {
      return err as Error;
    }
    throw new Error("expected a failure");
  }

  it("a gain reference of the wrong size fails motion with both sizes named, and is not retried", async () => {
    const gain = join(dir, "gain.mrc");
    await writeMrcImage(gain, new Float32Array(64 * 64).fill(1), 64, 64, 1);
    const err = await failure(computeMotion(job({ gain })));
    expect(isEmflowError(err, "ProcessingError")).toBe(true);
    expect(err.message).toMatch(/64 × 64.*128 × 128/);
    expect(retryPolicy(err, 1)).toBe(false);
  });

  it("an unsupported MRC mode (4, complex) is a FormatError naming the file", async () => {
    const bad = join(dir, "complex.mrc");
    const header = Buffer.alloc(1024);
    header.writeInt32LE(8, 0);
    header.writeInt32LE(8, 4);
    header.writeInt32LE(1, 8);
    header.writeInt32LE(4, 12); // mode 4: complex 16-bit
    header.write("MAP ", 208, "latin1");
    header.writeUInt32LE(0x00004144, 212);
    writeFileSync(bad, Buffer.concat([header, Buffer.alloc(8 * 8 * 4)]));
    const err = await failure(computeMotion(job({ movie: bad })));
    expect(isEmflowError(err, "FormatError")).toBe(true);
    expect((err as { file?: string }).file).toBe(bad);
    expect(retryPolicy(err, 1)).toBe(false);
  });

  it("absurd parameters are refused: an inverted defocus search, a particle larger than the image", async () => {
    const mic = join(dir, "mic.mrc");
    await writeMrcImage(mic, new Float32Array(256 * 256).fill(1), 256, 256, 1);
    const motion = { micrograph: mic, width: 256, height: 256, frames: 1, trajectory: [] };
    const pick = await failure(computePick(job({ motion, diameter: 5000 })));
    expect(isEmflowError(pick, "ProcessingError")).toBe(true);
    expect(pick.message).toMatch(/do not fit/);
    // At 100 Å/px the resolution band (30–5 Å) is beyond Nyquist: refused, not guessed.
    const ctf = await failure(computeCtf(job({ motion, apix: 100 })));
    expect(isEmflowError(ctf, "ProcessingError")).toBe(true);
  });

  it("a step that needs the aligned micrograph says so when it is missing", async () => {
    const err = await failure(computeCtf(job()));
    expect(err.message).toMatch(/aligned micrograph is missing/);
  });
});
