/**
 * Small real JPEG previews (64×64 greyscale) drawn procedurally and encoded
 * once per kind with sharp; every file of a kind reuses the same bytes, which
 * keeps writing tens of thousands of images fast.
 */
import sharp from "sharp";
import { createRng } from "./prng.js";

export type PreviewKind = "atlas" | "tile" | "gridSquare" | "foilHole" | "micrograph";

const SIZE = 64;

function draw(kind: PreviewKind): Uint8Array {
  const rng = createRng(0x5eed + kind.length);
  const px = new Uint8Array(SIZE * SIZE);
  const c = SIZE / 2;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      let v: number;
      switch (kind) {
        case "atlas":
        case "tile": {
          // Grid bars (dark) around open squares (bright), inside the grid's disc for the atlas.
          const period = kind === "atlas" ? 8 : 21;
          const bar = x % period < period / 3 || y % period < period / 3;
          const inDisc = kind === "tile" || Math.hypot(x - c, y - c) < c - 2;
          v = inDisc ? (bar ? 35 : 170) : 10;
          break;
        }
        case "gridSquare": {
          // One open square framed by bars, with a lattice of bright holes in the foil.
          const frame = x < 9 || x > SIZE - 10 || y < 9 || y > SIZE - 10;
          const hole = Math.hypot(((x - 9) % 6) - 3, ((y - 9) % 6) - 3) < 1.6;
          v = frame ? 25 : hole ? 215 : 150;
          break;
        }
        case "foilHole":
          // Carbon around one ice-filled hole.
          v = Math.hypot(x - c, y - c) < 19 ? 190 : 95;
          break;
        case "micrograph":
          v = 128;
          break;
      }
      px[y * SIZE + x] = Math.max(0, Math.min(255, Math.round(v + rng.normal(0, kind === "micrograph" ? 18 : 6))));
    }
  }
  return px;
}

const cache = new Map<PreviewKind, Promise<Uint8Array>>();

/** The JPEG bytes for a preview of `kind` (encoded on first use, then cached for the process). */
export function previewJpeg(kind: PreviewKind): Promise<Uint8Array> {
  let hit = cache.get(kind);
  if (hit === undefined) {
    hit = sharp(draw(kind), { raw: { width: SIZE, height: SIZE, channels: 1 } })
      .toColourspace("b-w")
      .jpeg({ quality: 85 })
      .toBuffer()
      .then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    cache.set(kind, hit);
  }
  return hit;
}

/** All preview kinds, encoded; call once before writing. */
export async function loadPreviews(): Promise<Record<PreviewKind, Uint8Array>> {
  const kinds: PreviewKind[] = ["atlas", "tile", "gridSquare", "foilHole", "micrograph"];
  const bytes = await Promise.all(kinds.map(previewJpeg));
  return Object.fromEntries(kinds.map((k, i) => [k, bytes[i]!])) as Record<PreviewKind, Uint8Array>;
}
