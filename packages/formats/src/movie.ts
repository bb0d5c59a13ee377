/**
 * The one interface every movie and image reader implements (MRC/MRCS, TIFF,
 * EER), so processing never cares which format a movie came in. Frames are
 * read one at a time: a 4k × 4k × 50-frame movie never has to fit in memory.
 */

/** Geometry and what the header knows; absent fields are not in the file. */
export interface MovieInfo {
  /** Path of the file (for error messages). */
  readonly file: string;
  readonly format: "mrc" | "tiff" | "eer";
  /** Width (x, fastest axis) and height (y) in pixels. */
  readonly width: number;
  readonly height: number;
  /** Frames (MRC nz / TIFF pages / EER fractions after grouping). */
  readonly frameCount: number;
  /** Pixel size in Å/px when the header holds one (MRC cella/mx; TIFF/EER usually not). */
  readonly pixelSizeA?: number;
  /** The stored sample type, e.g. "int8", "int16", "float32", "uint16", "float16", "uint8", "eer". */
  readonly sampleType: string;
}

/** A movie (or a single image: frameCount 1) opened for streaming reads. */
export interface MovieReader extends MovieInfo {
  /** Frame `index` (0-based) as float32, row-major, `width * height` values. */
  readFrame(index: number): Promise<Float32Array>;
  /**
   * Like readFrame, into `out` (length `width * height`), which is returned: a
   * caller reading every frame reuses one array. Optional; MRC, TIFF and EER have it.
   */
  readFrameInto?(index: number, out: Float32Array): Promise<Float32Array>;
  /** Every frame in order; holds at most a frame or two in memory. */
  frames(): AsyncIterable<Float32Array>;
  close(): Promise<void>;
}
