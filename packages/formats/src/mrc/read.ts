/**
 * Streaming MRC/MRCS reader: the header once, then one section (frame) per
 * read, straight into the caller's float32 array when the file is float32.
 */
import { FormatError } from "@emflow/core";
import type { MovieReader } from "../movie.js";
import { openFileSource } from "./byte-source.js";
import type { ByteSource } from "./byte-source.js";
import { checkFrameIndex, framesInOrder, SerialQueue } from "./frame-iter.js";
import { MRC_HEADER_BYTES, parseMrcHeader } from "./header.js";
import type { MrcHeader, ParseMrcHeaderOptions } from "./header.js";
import { BYTES_PER_SAMPLE, samplesToFloat32, swapInPlace } from "./samples.js";

/** A MovieReader over an MRC file, with its header and a copy-free read. */
export interface MrcReader extends MovieReader {
  readonly format: "mrc";
  readonly header: MrcHeader;
  /** Bytes the header implies: 1024 + nsymbt + nx·ny·nz·bytes per sample. */
  readonly expectedBytes: number;
  /** Like readFrame, into `out` (length width·height), which is returned. */
  readFrameInto(index: number, out: Float32Array): Promise<Float32Array>;
  /** The extended header's raw bytes (nsymbt of them; FEI1/FEI2 are per-frame records). */
  readExtendedHeader(): Promise<Uint8Array>;
}

export type OpenMrcOptions = ParseMrcHeaderOptions;

/**
 * Opens an MRC/MRCS file (MRC2014, either byte order) for streaming reads.
 * Throws FormatError for a file that is not MRC or uses an unsupported mode;
 * a file shorter than its header says opens, and reading a missing or
 * incomplete frame throws FormatError naming the frame and the byte counts.
 */
export async function openMrc(path: string, opts: OpenMrcOptions = {}): Promise<MrcReader> {
  const source = await openFileSource(path);
  try {
    return await openMrcSource(source, opts);
  } catch (err) {
    await source.close();
    throw err;
  }
}

/** openMrc over any ByteSource (closing the reader closes the source). */
export async function openMrcSource(source: ByteSource, opts: OpenMrcOptions = {}): Promise<MrcReader> {
  const file = source.name;
  const head = new Uint8Array(MRC_HEADER_BYTES);
  const got = await source.read(head, 0, MRC_HEADER_BYTES, 0);
  const header = parseMrcHeader(head.subarray(0, got), file, opts);
  const { nx, ny, nz, sampleType, dataOffset, littleEndian } = header;
  const sampleBytes = BYTES_PER_SAMPLE[sampleType];
  const pixels = nx * ny;
  const frameBytes = pixels * sampleBytes;
  const expectedBytes = dataOffset + frameBytes * nz;
  const queue = new SerialQueue();
  let scratch: Uint8Array | undefined;

  const incomplete = async (index: number, present: number): Promise<FormatError> => {
    const start = dataOffset + index * frameBytes;
    const size = await source.size();
    return new FormatError(
      `frame ${index} of ${nz} is incomplete: it needs ${frameBytes} bytes at offset ${start} but only ${present} are present ` +
        `(file is ${size} bytes; the header, ${nx}×${ny}×${nz} mode ${header.mode}` +
        `${header.nsymbt > 0 ? ` with a ${header.nsymbt}-byte extended header` : ""}, implies ${expectedBytes})`,
      { file },
    );
  };

  const readInto = (index: number, out: Float32Array): Promise<Float32Array> => {
    checkFrameIndex(index, nz);
    if (out.length !== pixels) throw new RangeError(`output has ${out.length} values; a frame has ${pixels}`);
    return queue.run(async () => {
      const position = dataOffset + index * frameBytes;
      // float32 in native order needs no conversion: read straight into the output.
      const direct = sampleType === "float32" && littleEndian;
      const target = direct ? new Uint8Array(out.buffer, out.byteOffset, frameBytes) : (scratch ??= new Uint8Array(frameBytes));
      const n = await source.read(target, 0, frameBytes, position);
      if (n < frameBytes) throw await incomplete(index, n);
      if (direct) return out;
      if (!littleEndian) swapInPlace(target, sampleBytes);
      samplesToFloat32(sampleType, target, out);
      return out;
    });
  };
  const readFrame = (index: number) => readInto(index, new Float32Array(pixels));

  return {
    file,
    format: "mrc",
    width: nx,
    height: ny,
    frameCount: nz,
    ...(header.pixelSizeA === undefined ? {} : { pixelSizeA: header.pixelSizeA }),
    sampleType,
    header,
    expectedBytes,
    readFrame,
    readFrameInto: readInto,
    frames: () => framesInOrder(nz, readFrame),
    readExtendedHeader: () =>
      queue.run(async () => {
        const ext = new Uint8Array(header.nsymbt);
        const n = await source.read(ext, 0, ext.length, MRC_HEADER_BYTES);
        if (n < ext.length) throw new FormatError(`extended header is cut short: ${n} of ${ext.length} bytes present`, { file });
        return ext;
      }),
    close: () => queue.run(() => source.close()),
  };
}
