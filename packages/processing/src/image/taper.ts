/**
 * Subtract the mean and roll the borders off to zero with a raised cosine `edge` px wide, so the
 * image is periodic for the FFT (no edge cross in the spectrum, no false peak at zero shift).
 */
export function normaliseAndTaper(image: Float32Array, width: number, height: number, edge: number): void {
  let s = 0;
  for (let i = 0; i < image.length; i++) s += image[i]!;
  const mean = s / image.length;
  const e = Math.max(1, Math.floor(edge));
  const ramp = new Float32Array(e);
  for (let i = 0; i < e; i++) ramp[i] = 0.5 - 0.5 * Math.cos((Math.PI * (i + 0.5)) / e);
  const wx = new Float32Array(width).fill(1);
  for (let i = 0; i < e && i < width; i++) {
    wx[i] = ramp[i]!;
    wx[width - 1 - i] = ramp[i]!;
  }
  for (let y = 0; y < height; y++) {
    const d = Math.min(y, height - 1 - y);
    const wy = d < e ? ramp[d]! : 1;
    const row = y * width;
    for (let x = 0; x < width; x++) image[row + x] = (image[row + x]! - mean) * wx[x]! * wy;
  }
}
