/** PackBits (TIFF compression 32773): byte runs and literals, Apple's scheme. */

/** Decodes `src` into `dst`; returns the bytes written (stops when either is used up). */
export function packBitsDecode(src: Uint8Array, dst: Uint8Array): number {
  let i = 0;
  let o = 0;
  while (i < src.length && o < dst.length) {
    const n = src[i++]!;
    if (n < 128) {
      // n + 1 literal bytes.
      const end = Math.min(i + n + 1, src.length);
      const take = Math.min(end - i, dst.length - o);
      dst.set(src.subarray(i, i + take), o);
      o += take;
      i = end;
    } else if (n > 128) {
      // The next byte repeated 257 - n times.
      if (i >= src.length) break;
      const end = Math.min(o + 257 - n, dst.length);
      dst.fill(src[i++]!, o, end);
      o = end;
    }
    // 128 is a no-op.
  }
  return o;
}
