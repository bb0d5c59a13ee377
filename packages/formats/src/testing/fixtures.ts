/** The committed binary fixtures and what the independent tools recorded about them (tests only). */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Absolute path of packages/formats/fixtures/. */
export const FIXTURES = fileURLToPath(new URL("../../fixtures/", import.meta.url));

/** Absolute path of one fixture. */
export function fixture(name: string): string {
  return FIXTURES + name;
}

/** What make-fixtures.py read back from a fixture with mrcfile, tifffile or Pillow. */
export interface Expected {
  width: number;
  height: number;
  frames: number;
  /** Sum of each frame's values, in float64. */
  frameSums: number[];
  /** [frame, row, column, value]. */
  samples: [number, number, number, number][];
  min: number;
  max: number;
  mode?: number;
  voxelSize?: [number, number, number];
  nsymbt?: number;
  exttype?: string;
  dmin?: number;
  dmax?: number;
  dmean?: number;
  rms?: number;
  origin?: [number, number, number];
  littleEndian?: boolean;
  dtype?: string;
  compression?: number;
  predictor?: number;
  bigEndian?: boolean;
  bigTiff?: boolean;
  tiled?: boolean;
  headerFrames?: number;
  fileBytes?: number;
  frameBytes?: number;
  unsigned?: Expected;
  source?: Expected;
}

let cache: Record<string, Expected> | undefined;

/** The expected values of fixture `name` (throws if make-fixtures.py did not write it). */
export function expected(name: string): Expected {
  cache ??= JSON.parse(readFileSync(FIXTURES + "expected.json", "utf8")) as Record<string, Expected>;
  const e = cache[name];
  if (e === undefined) throw new Error(`expected.json has no entry for ${name}; run make-fixtures.py`);
  return e;
}

/** Whether expected.json has an entry (fixtures written only when RELION was installed). */
export function hasExpected(name: string): boolean {
  cache ??= JSON.parse(readFileSync(FIXTURES + "expected.json", "utf8")) as Record<string, Expected>;
  return name in cache;
}

/** Sum of a frame in float64, comparable with Expected.frameSums. */
export function sum(frame: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < frame.length; i++) s += frame[i]!;
  return s;
}
