import type { FrameCodec } from "./frame-codec.js";

/**
 * Raw frames kept between the alignment pass and the summing pass, so a movie is decoded once
 * (an LZW TIFF frame costs 40–70 ms to decode at 4k). Counting movies hold small integers, so a
 * frame is stored in the narrowest exact type: Uint8 (0–255), Uint16 (0–65535), else Float32.
 * Frames that would take the cache past its byte budget are not kept; the caller reads them again.
 */
export class FrameCache {
  private readonly frames: (Uint8Array | Uint16Array | Float32Array | undefined)[] = [];
  private used = 0;

  /** `codec` narrows the frames (in WebAssembly: JavaScript's float-to-integer conversion is slow). */
  constructor(
    private readonly budgetBytes: number,
    private readonly codec: FrameCodec,
  ) {}

  /** Bytes held. */
  get bytes(): number {
    return this.used;
  }

  /** Keep a copy of frame `index` (raw values) if it fits the budget; true when kept. */
  store(index: number, frame: Float32Array): boolean {
    const n = frame.length;
    if (this.used + n > this.budgetBytes) return false;
    const room = this.budgetBytes - this.used;
    const kept = this.codec.narrow(frame, 2 * n <= room) ?? (4 * n <= room ? frame.slice() : undefined);
    if (kept === undefined) return false;
    this.frames[index] = kept;
    this.used += kept.byteLength;
    return true;
  }

  /** Keep `bytes`, already narrowed, as frame `index` if it fits the budget; true when kept. */
  keep(index: number, bytes: Uint8Array): boolean {
    if (this.used + bytes.byteLength > this.budgetBytes) return false;
    this.frames[index] = bytes;
    this.used += bytes.byteLength;
    return true;
  }

  /** Whether a frame of `n` values could still be kept as bytes. */
  fits(n: number): boolean {
    return this.used + n <= this.budgetBytes;
  }

  /** Frame `index` as kept (Uint8/Uint16/Float32 raw values), or undefined. */
  get(index: number): Uint8Array | Uint16Array | Float32Array | undefined {
    return this.frames[index];
  }

  /** Write frame `index` into `out` as float32; false when it was not kept. */
  load(index: number, out: Float32Array): boolean {
    const kept = this.frames[index];
    if (kept === undefined) return false;
    out.set(kept);
    return true;
  }

  /** Drop every frame. */
  clear(): void {
    this.frames.length = 0;
    this.used = 0;
  }
}
