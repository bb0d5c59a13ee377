/**
 * The grid as the atlas sees it: grid-bar squares on a rotated mesh lattice
 * inside a disc, a montage of tiles over it, and each square's place on both
 * the atlas image (px) and the stage (m).
 */
import { toSingle } from "./format.js";
import type { EpuIdAllocator } from "./ids.js";
import type { Rng } from "./prng.js";
import type { AtlasPlan, AtlasSquarePlan, AtlasTilePlan, Stage } from "./plan-types.js";

/** 300-mesh grid: bar pitch and open square width (m). */
export const MESH_PITCH_M = 85e-6;
export const OPEN_SQUARE_M = 55e-6;
/** Atlas pixel size (µm/px) and the tile size of the montage (px), as in EPU 3.x atlases. */
export const ATLAS_PIXEL_UM = 0.34;
export const TILE_W = 833;
export const TILE_H = 592;

export interface AtlasInput {
  rng: Rng;
  ids: EpuIdAllocator;
  /** How many squares the atlas should show at least. */
  minSquares: number;
  dirName: string;
  slot: number;
  startedAt: number;
  acquiredAt: number;
}

const stage0 = (x: number, y: number, z = 0): Stage => ({ x, y, z, a: 0, b: 0 });

/** Lattice points (m) of a rotated mesh within radius r of the grid centre. */
function latticeInDisc(r: number, rotation: number, phaseX: number, phaseY: number): Array<[number, number]> {
  const k = Math.ceil(r / MESH_PITCH_M) + 1;
  const cos = Math.cos(rotation);
  const sin = Math.sin(rotation);
  const out: Array<[number, number]> = [];
  for (let j = -k; j <= k; j++) {
    for (let i = -k; i <= k; i++) {
      const u = (i + phaseX) * MESH_PITCH_M;
      const v = (j + phaseY) * MESH_PITCH_M;
      const x = u * cos - v * sin;
      const y = u * sin + v * cos;
      if (Math.hypot(x, y) <= r) out.push([x, y]);
    }
  }
  return out;
}

/** Plan the atlas: tiles and every square on the grid, ids allocated in atlas order. */
export function planAtlas(input: AtlasInput): AtlasPlan {
  const { rng, ids } = input;
  const rotation = rng.uniform(-0.35, 0.35);
  const phaseX = rng.uniform(-0.5, 0.5);
  const phaseY = rng.uniform(-0.5, 0.5);
  let radius = MESH_PITCH_M * 1.5;
  let points = latticeInDisc(radius, rotation, phaseX, phaseY);
  while (points.length < input.minSquares) {
    radius += MESH_PITCH_M / 4;
    points = latticeInDisc(radius, rotation, phaseX, phaseY);
  }
  const pa = ATLAS_PIXEL_UM * 1e-6;
  const halfPx = (radius + MESH_PITCH_M) / pa;
  const cols = Math.ceil((2 * halfPx) / TILE_W);
  const rows = Math.ceil((2 * halfPx) / TILE_H);
  const width = cols * TILE_W;
  const height = rows * TILE_H;
  const cx = width / 2;
  const cy = height / 2;
  // Atlas image y grows downwards, stage y upwards.
  const toStage = (ax: number, ay: number): [number, number] => [(ax - cx) * pa, -(ay - cy) * pa];

  const id = ids.next();
  const imageId = ids.next();
  const zTiles = rng.normal(70e-6, 2e-6);
  const tiles: AtlasTilePlan[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const [sx, sy] = toStage((c + 0.5) * TILE_W, (r + 0.5) * TILE_H);
      tiles.push({ id: ids.next(2), x: c * TILE_W, y: r * TILE_H, width: TILE_W, height: TILE_H, stage: stage0(sx, sy, zTiles) });
    }
  }

  const placed = points
    .map(([x, y]) => ({ x, y, ax: cx + x / pa, ay: cy - y / pa }))
    // Squares get their ids in reading order on the atlas.
    .sort((p, q) => Math.round(p.ay / 50) - Math.round(q.ay / 50) || p.ax - q.ax);
  const squares: AtlasSquarePlan[] = placed.map((p) => {
    const sizeM = toSingle(OPEN_SQUARE_M + rng.normal(0, 1.5e-6));
    const tile = tiles[Math.min(rows - 1, Math.floor(p.ay / TILE_H)) * cols + Math.min(cols - 1, Math.floor(p.ax / TILE_W))]!;
    return {
      id: ids.next(4),
      tileId: tile.id,
      atlasX: toSingle(p.ax + rng.normal(0, 0.3)),
      atlasY: toSingle(p.ay + rng.normal(0, 0.3)),
      atlasW: toSingle((sizeM / pa) * (1 + rng.normal(0, 0.01))),
      atlasH: toSingle((sizeM / pa) * (1 + rng.normal(0, 0.01))),
      sizeM,
      stage: stage0(p.x, p.y),
      quality: rng.uniform(0.3, 1.8),
      category: rng.int(1, 4),
      featureVector: Array.from({ length: 5 }, () => rng.normal(0, 0.8)),
    };
  });
  return {
    id,
    imageId,
    dirName: input.dirName,
    slot: input.slot,
    startedAt: input.startedAt,
    acquiredAt: input.acquiredAt,
    pixelSizeUm: ATLAS_PIXEL_UM,
    width,
    height,
    rotation,
    tiles,
    squares,
  };
}
