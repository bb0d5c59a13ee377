import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { synthesizeSession } from "./synthesize.js";

describe("synthesizeSession with real movies", () => {
  const dir = mkdtempSync(join(tmpdir(), "emflow-synth-movies-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the given movies in turn, in the truth's order of squares, holes and shots", async () => {
    const movies = [0, 1, 2].map((k) => new Uint8Array(300).fill(k + 10));
    const truth = await synthesizeSession({ dir, squares: 2, holesPerSquare: 2, shotsPerHole: 2, speed: 0, seed: 3, movies });
    const shots = truth.squares.flatMap((sq) => sq.holes.flatMap((h) => h.shots.map((s) => ({ sq, name: s.name }))));
    expect(shots).toHaveLength(8);
    for (const [k, { sq, name }] of shots.entries()) {
      const dataDir = join(truth.sessionPath, sq.imageFile.split("/").slice(0, -1).join("/"), "Data");
      const bytes = readFileSync(join(dataDir, `${name}_fractions.tiff`));
      expect(bytes[0], name).toBe(10 + (k % 3));
      expect(bytes.length).toBe(300);
    }
  });
});
