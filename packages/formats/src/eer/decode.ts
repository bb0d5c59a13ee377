/**
 * The EER event stream (Thermo Fisher Falcon 4/4i/C), one detector fraction
 * per TIFF page. Learned from RELION's renderEER.cpp, FEI's reference decoder
 * and imagecodecs' imcd_eer_decode (none copied):
 *
 * - The page's strips, concatenated, are one bit stream read least significant
 *   bit first (bit k of the stream is bit k % 8 of byte k / 8).
 * - A code starts with a run length R of `runBits` bits: R pixels, in raster
 *   order (x fastest), without an event. If R is all ones (127 for 7 bits,
 *   255 for 8), no event follows: the run continues in the next code.
 *   Otherwise the code goes on with `horzBits` + `vertBits` of sub-pixel
 *   position and the event lies on the pixel the run reached; the next run
 *   starts on the pixel after it.
 * - Sub-pixel bits: x first, then y, each with its top bit inverted (value ^ 2
 *   for 2 bits): the super-resolution column is x·4 + (sx ^ 2), the row y·4 + (sy ^ 2).
 * - The stream ends when a run (or an event) reaches the last pixel.
 *
 * Compression 65001 is 7 + 2 + 2 bits; 65002 reads the sizes from tags 65007,
 * 65008, 65009. Compression 65000 (early 8-bit files) is 8 + 2 + 2 and, like
 * FEI's prototype streams and RELION's reading, spends the 4 sub-pixel bits
 * on an overflow code too (every code is 12 bits); imagecodecs reads 65000
 * without that waste. Files in the field are 65001.
 */

/** How a page's codes are laid out. */
export interface EerCoding {
  readonly runBits: number;
  readonly horzBits: number;
  readonly vertBits: number;
  /** Whether an overflow (all-ones) run still carries the sub-pixel bits. */
  readonly overflowCarriesSubpixel: boolean;
}

/** Compression 65000: 8-bit runs, and overflow codes keep their 4 sub-pixel bits. */
export const EER_CODING_8BIT: EerCoding = { runBits: 8, horzBits: 2, vertBits: 2, overflowCarriesSubpixel: true };
/** Compression 65001 (what Falcon 4/4i write): 7-bit runs, overflow codes are 7 bits. */
export const EER_CODING_7BIT: EerCoding = { runBits: 7, horzBits: 2, vertBits: 2, overflowCarriesSubpixel: false };

/** Output grid: 1 = sensor pixels, 2 = 2× (e.g. 8k for a 4k sensor), 4 = 4× (16k). */
export type EerUpsampling = 1 | 2 | 4;

/** Bytes of zero padding the decoder expects after a stream (it reads 3 bytes at a time). */
export const EER_STREAM_PADDING = 4;

/**
 * Adds the events of one fraction to `out` ((width·up) × (height·up) counts).
 * `stream` must be followed by EER_STREAM_PADDING readable bytes (zeros);
 * `bytes` is the stream's length without them. Returns the number of events.
 * Throws Error (message only) when the stream is cut short or overruns the frame.
 */
export function addEerFraction(
  stream: Uint8Array,
  bytes: number,
  width: number,
  height: number,
  coding: EerCoding,
  up: EerUpsampling,
  out: Float32Array,
): number {
  const { runBits, horzBits, vertBits } = coding;
  const upBits = up === 1 ? 0 : up === 2 ? 1 : 2;
  if (upBits > horzBits || upBits > vertBits) throw new Error(`upsampling ${up} needs ${upBits} sub-pixel bits; the stream has ${horzBits}×${vertBits}`);
  const codeBits = runBits + horzBits + vertBits;
  const overflowBits = coding.overflowCarriesSubpixel ? codeBits : runBits;
  const runMask = (1 << runBits) - 1;
  const hMask = (1 << horzBits) - 1;
  const vMask = (1 << vertBits) - 1;
  const hFlip = 1 << (horzBits - 1);
  const vFlip = 1 << (vertBits - 1);
  const hShift = horzBits - upBits;
  const vShift = vertBits - upBits;
  const outWidth = width << upBits;
  const pixels = width * height;
  const totalBits = bytes * 8;
  const pow2 = (width & (width - 1)) === 0;
  const widthShift = Math.log2(width) | 0;
  let bitPos = 0;
  let pixel = 0;
  let events = 0;

  while (pixel < pixels) {
    if (bitPos + runBits > totalBits) {
      throw new Error(`stream ends at pixel ${pixel} of ${pixels} (${bytes} bytes, ${events} events decoded)`);
    }
    const b = bitPos >>> 3;
    const word = (stream[b]! | (stream[b + 1]! << 8) | (stream[b + 2]! << 16) | (stream[b + 3]! << 24)) >>> (bitPos & 7);
    const run = word & runMask;
    pixel += run;
    if (pixel >= pixels) {
      if (pixel === pixels) break;
      throw new Error(`a run of ${run} passes the last pixel (${pixel - run} + ${run} > ${pixels})`);
    }
    if (run === runMask) {
      bitPos += overflowBits;
      continue;
    }
    if (bitPos + codeBits > totalBits) throw new Error(`stream ends inside the event at pixel ${pixel} of ${pixels}`);
    const sub = word >>> runBits;
    const sx = ((sub & hMask) ^ hFlip) >>> hShift;
    const sy = (((sub >>> horzBits) & vMask) ^ vFlip) >>> vShift;
    // Falcon sensors are 4096 wide: a shift instead of a division when the width allows it.
    const y = pow2 ? pixel >>> widthShift : (pixel / width) | 0;
    const x = pixel - y * width;
    const at = ((y << upBits) + sy) * outWidth + (x << upBits) + sx;
    out[at] = out[at]! + 1;
    events++;
    pixel++;
    bitPos += codeBits;
  }
  return events;
}
