/**
 * Add `frame` sampled at p + d(p) to `acc` (so content that moved by d comes back to p), with
 * bilinear interpolation. d is constant over square tiles of `tile` px: `tileShifts` holds
 * (dx, dy) per tile, row-major over ceil(width/tile) × ceil(height/tile) tiles. Samples beyond the
 * frame edge take the nearest edge pixel.
 *
 * This is the reference implementation of the SIMD kernel `accumulate_bilinear`
 * (image/wasm/kernels.c) that motion correction runs; tests hold the two equal.
 *
 * Why bilinear with per-tile shifts: this loop runs once per frame over every pixel. Bilinear
 * damps the highest frequencies a little (on average by ¼(1 − cos 2πf) per axis for uniformly
 * spread sub-pixel shifts); the smooth local motion varies by far less than 0.05 px across a
 * 64 px tile.
 */
export function accumulateShifted(frame: Float32Array, acc: Float32Array, width: number, height: number, tile: number, tileShifts: Float64Array): void {
  const tilesX = Math.ceil(width / tile);
  const tilesY = Math.ceil(height / tile);
  for (let ty = 0; ty < tilesY; ty++) {
    const yStart = ty * tile;
    const yEnd = Math.min(height, yStart + tile);
    for (let tx = 0; tx < tilesX; tx++) {
      const xStart = tx * tile;
      const xEnd = Math.min(width, xStart + tile);
      const t = ty * tilesX + tx;
      const sx = tileShifts[2 * t]!;
      const sy = tileShifts[2 * t + 1]!;
      const ix = Math.floor(sx);
      const iy = Math.floor(sy);
      const fx = sx - ix;
      const fy = sy - iy;
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      // Output columns whose two source columns are both inside the frame.
      const xa = Math.max(xStart, -ix);
      const xb = Math.min(xEnd, width - 1 - ix);
      for (let y = yStart; y < yEnd; y++) {
        const y0 = Math.min(height - 1, Math.max(0, y + iy));
        const y1 = Math.min(height - 1, Math.max(0, y + iy + 1));
        const r0 = y0 * width + ix;
        const r1 = y1 * width + ix;
        const o = y * width;
        for (let x = xa; x < xb; x++) {
          acc[o + x]! += w00 * frame[r0 + x]! + w01 * frame[r0 + x + 1]! + w10 * frame[r1 + x]! + w11 * frame[r1 + x + 1]!;
        }
        for (let x = xStart; x < xEnd; x++) {
          if (x >= xa && x < xb) {
            x = xb - 1;
            continue;
          }
          const c0 = Math.min(width - 1, Math.max(0, x + ix));
          const c1 = Math.min(width - 1, Math.max(0, x + ix + 1));
          acc[o + x]! += w00 * frame[y0 * width + c0]! + w01 * frame[y0 * width + c1]! + w10 * frame[y1 * width + c0]! + w11 * frame[y1 * width + c1]!;
        }
      }
    }
  }
}
