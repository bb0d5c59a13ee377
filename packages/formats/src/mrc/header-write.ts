/** Encodes an MRC2014 header (little-endian, no extended header) for the writer. */
import type { MrcMode, Vec3 } from "./header.js";
import { MRC_HEADER_BYTES } from "./header.js";

/** What the writer knows about a file; the rest of the header is fixed. */
export interface MrcHeaderFields {
  readonly nx: number;
  readonly ny: number;
  readonly nz: number;
  readonly mode: MrcMode;
  /** Å per pixel; 0 or absent leaves the cell at 0 (unknown). */
  readonly pixelSizeA?: number;
  /** 0 for an image or image stack (movies), 1 for a volume. */
  readonly ispg: 0 | 1;
  readonly dmin: number;
  readonly dmax: number;
  readonly dmean: number;
  readonly rms: number;
  readonly origin?: Vec3;
  readonly labels?: readonly string[];
}

/**
 * 1024 header bytes. Image stacks follow MRC2014 and mrcfile: ispg 0 and
 * mz 1, so cella.z is one pixel; volumes have mz = nz. Machine stamp 0x44 0x44.
 */
export function encodeMrcHeader(f: MrcHeaderFields): Uint8Array {
  const bytes = new Uint8Array(MRC_HEADER_BYTES);
  const dv = new DataView(bytes.buffer);
  const i32 = (off: number, v: number) => dv.setInt32(off, v, true);
  const f32 = (off: number, v: number) => dv.setFloat32(off, v, true);
  const mz = f.ispg === 0 ? 1 : f.nz;
  const ps = f.pixelSizeA ?? 0;
  [f.nx, f.ny, f.nz, f.mode].forEach((v, i) => i32(4 * i, v));
  // nxstart, nystart, nzstart stay 0; mx, my, mz are the sampling.
  [f.nx, f.ny, mz].forEach((v, i) => i32(28 + 4 * i, v));
  [f.nx * ps, f.ny * ps, mz * ps].forEach((v, i) => f32(40 + 4 * i, v));
  [90, 90, 90].forEach((v, i) => f32(52 + 4 * i, v));
  [1, 2, 3].forEach((v, i) => i32(64 + 4 * i, v));
  f32(76, f.dmin);
  f32(80, f.dmax);
  f32(84, f.dmean);
  i32(88, f.ispg);
  i32(92, 0);
  bytes.set(Buffer.from("MRCO", "latin1"), 104);
  i32(108, 20141);
  const o = f.origin ?? { x: 0, y: 0, z: 0 };
  [o.x, o.y, o.z].forEach((v, i) => f32(196 + 4 * i, v));
  bytes.set(Buffer.from("MAP ", "latin1"), 208);
  bytes.set([0x44, 0x44, 0, 0], 212);
  f32(216, f.rms);
  const labels = (f.labels ?? []).slice(0, 10);
  i32(220, labels.length);
  labels.forEach((label, i) => bytes.set(Buffer.from(label.slice(0, 80).padEnd(80, " "), "latin1"), 224 + 80 * i));
  return bytes;
}
