import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { loadPreviews, previewJpeg } from "./previews.js";
import { placeholderTiff } from "./tiff.js";

describe("preview JPEGs", () => {
  it("are real 64×64 greyscale JPEGs, encoded once per kind", async () => {
    const all = await loadPreviews();
    for (const bytes of Object.values(all)) {
      const meta = await sharp(bytes).metadata();
      expect(meta).toMatchObject({ format: "jpeg", width: 64, height: 64, channels: 1 });
    }
    expect(await previewJpeg("foilHole")).toBe(all.foilHole);
    // A hole is bright in the middle and dark carbon at the corner.
    const raw = await sharp(all.foilHole).extractChannel(0).raw().toBuffer();
    expect(raw).toHaveLength(64 * 64);
    expect(raw[32 * 64 + 32]!).toBeGreaterThan(raw[2 * 64 + 2]! + 50);
  });
});

describe("placeholderTiff", () => {
  it("is a TIFF of exactly the requested size that sharp can open", async () => {
    const t = placeholderTiff(4096);
    expect(t.byteLength).toBe(4096);
    const meta = await sharp(t).metadata();
    expect(meta).toMatchObject({ format: "tiff", width: 64, height: Math.floor((4096 - 110) / 64) });
    expect(() => placeholderTiff(10)).toThrow(RangeError);
  });
});
