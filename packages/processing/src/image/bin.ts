import { ProcessingError } from "@emflow/core";

/**
 * Average `factor` × `factor` blocks of a row-major image, starting at (x0, y0), into an
 * `outWidth` × `outHeight` image (blocks past the input edge are not allowed).
 */
export function binImage(
  image: Float32Array,
  width: number,
  height: number,
  factor: number,
  outWidth: number,
  outHeight: number,
  x0 = 0,
  y0 = 0,
  out?: Float32Array,
): Float32Array {
  if (!Number.isInteger(factor) || factor < 1) throw new ProcessingError(`binning factor must be a positive integer, got ${factor}`);
  if (x0 < 0 || y0 < 0 || x0 + outWidth * factor > width || y0 + outHeight * factor > height) {
    throw new ProcessingError(`binning ${outWidth} × ${outHeight} by ${factor} from (${x0}, ${y0}) does not fit in ${width} × ${height}`);
  }
  const result = out ?? new Float32Array(outWidth * outHeight);
  result.fill(0);
  const scale = 1 / (factor * factor);
  for (let by = 0; by < outHeight; by++) {
    const o = by * outWidth;
    for (let r = 0; r < factor; r++) {
      const row = (y0 + by * factor + r) * width + x0;
      if (factor === 1) {
        for (let bx = 0; bx < outWidth; bx++) result[o + bx] = image[row + bx]!;
      } else if (factor === 2) {
        for (let bx = 0, i = row; bx < outWidth; bx++, i += 2) result[o + bx]! += image[i]! + image[i + 1]!;
      } else if (factor === 4) {
        for (let bx = 0, i = row; bx < outWidth; bx++, i += 4) result[o + bx]! += image[i]! + image[i + 1]! + image[i + 2]! + image[i + 3]!;
      } else {
        for (let bx = 0, i = row; bx < outWidth; bx++) {
          let s = 0;
          for (let k = 0; k < factor; k++, i++) s += image[i]!;
          result[o + bx]! += s;
        }
      }
    }
    for (let bx = 0; bx < outWidth; bx++) result[o + bx]! *= scale;
  }
  return result;
}
