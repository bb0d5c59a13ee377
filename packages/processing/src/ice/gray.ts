import { quantiles } from "../image/stats.js";

/** An 8-bit greyscale image, row-major (for PNG/JPEG encoding elsewhere). */
export interface Gray8 {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Map values to 0–255 between the `lo` and `hi` quantiles (clipped), so outliers do not wash out contrast. */
export function toGray8(values: Float32Array, width: number, height: number, lo = 0.005, hi = 0.995): Gray8 {
  const [a, b] = quantiles(values, [lo, hi], Math.max(1, Math.floor(values.length / 100000)));
  const scale = b! > a! ? 255 / (b! - a!) : 0;
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, Math.round((values[i]! - a!) * scale)));
  return { width, height, data };
}

/** Box-average downsampling so the longer side is at most `maxSide` (integer factor). */
export function downsample(image: Float32Array, width: number, height: number, maxSide: number): { data: Float32Array; width: number; height: number; factor: number } {
  const factor = Math.max(1, Math.ceil(Math.max(width, height) / maxSide));
  const w = Math.floor(width / factor);
  const h = Math.floor(height / factor);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let r = 0; r < factor; r++) {
      const row = (y * factor + r) * width;
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let c = 0, i = row + x * factor; c < factor; c++, i++) s += image[i]!;
        out[y * w + x]! += s;
      }
    }
  }
  const inv = 1 / (factor * factor);
  for (let i = 0; i < out.length; i++) out[i]! *= inv;
  return { data: out, width: w, height: h, factor };
}
