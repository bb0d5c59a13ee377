/**
 * The 1024-byte MRC2014 header (https://www.ccpem.ac.uk/mrc_format/mrc2014.php):
 * parse with validation (FormatError naming the file) and the layout constants
 * the writer shares. Words are 4 bytes; offsets below are in bytes.
 */
import { FormatError } from "@emflow/core";
import type { SampleType } from "./samples.js";

/** Size of the main header; an extended header of nsymbt bytes may follow. */
export const MRC_HEADER_BYTES = 1024;
/** IMOD's stamp in word 39 ("IMOD" read as a little-endian int32). */
export const IMOD_STAMP = 1146047817;

/** MRC modes we read and write; each maps to one sample type. */
export type MrcMode = 0 | 1 | 2 | 6 | 12;
const MODE_TYPES: Record<MrcMode, SampleType> = { 0: "int8", 1: "int16", 2: "float32", 6: "uint16", 12: "float16" };
const UNSUPPORTED_MODES: Record<number, string> = {
  3: "complex int16",
  4: "complex float32",
  16: "RGB uint8",
  101: "packed 4-bit (IMOD)",
};

export interface Vec3 {
  readonly x: number;
  readonly y: number;
  readonly z: number;
}

/** Every header field, plus what follows from them. Lengths in Å, angles in degrees. */
export interface MrcHeader {
  readonly nx: number;
  readonly ny: number;
  readonly nz: number;
  readonly mode: MrcMode;
  readonly nxstart: number;
  readonly nystart: number;
  readonly nzstart: number;
  readonly mx: number;
  readonly my: number;
  readonly mz: number;
  /** Cell lengths (Å). */
  readonly cella: Vec3;
  /** Cell angles (degrees). */
  readonly cellb: Vec3;
  readonly mapc: number;
  readonly mapr: number;
  readonly maps: number;
  readonly dmin: number;
  readonly dmax: number;
  readonly dmean: number;
  readonly ispg: number;
  /** Extended header length in bytes; the data start at 1024 + nsymbt. */
  readonly nsymbt: number;
  /** EXTTYPE, e.g. "FEI1", "FEI2", "CCP4", "MRCO", "SERI", "AGAR" ("" when blank). */
  readonly extType: string;
  readonly nversion: number;
  /** Origin (Å). */
  readonly origin: Vec3;
  /** Should be "MAP "; files older than MRC2000 leave it blank. */
  readonly map: string;
  readonly machineStamp: readonly [number, number, number, number];
  readonly littleEndian: boolean;
  readonly rms: number;
  readonly labels: readonly string[];
  /** Byte offset of the first section: 1024 + nsymbt. */
  readonly dataOffset: number;
  /** How samples are stored (mode 0 is "uint8" only for IMOD's unsigned convention). */
  readonly sampleType: SampleType;
  /** Å per pixel along x (cella.x / mx), when both are positive. */
  readonly pixelSizeA: number | undefined;
}

/** How to read mode 0: MRC2014 says signed; IMOD marks signed bytes with imodFlags bit 0. */
export type Mode0Convention = "auto" | "signed" | "unsigned";

export interface ParseMrcHeaderOptions {
  /**
   * "auto" (default): signed (MRC2014) unless the header carries IMOD's stamp
   * with imodFlags bit 0 clear, which is how IMOD marks unsigned bytes.
   */
  readonly mode0?: Mode0Convention;
}

/** Parses and validates an MRC header; throws FormatError (with `file`) when it is not one we can read. */
export function parseMrcHeader(bytes: Uint8Array, file: string, opts: ParseMrcHeaderOptions = {}): MrcHeader {
  if (bytes.length < MRC_HEADER_BYTES) {
    throw new FormatError(`file is ${bytes.length} bytes, shorter than the ${MRC_HEADER_BYTES}-byte MRC header`, { file });
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, MRC_HEADER_BYTES);
  const le = byteOrder(dv, bytes, file);
  const i32 = (off: number) => dv.getInt32(off, le);
  const f32 = (off: number) => dv.getFloat32(off, le);
  const vec = (off: number): Vec3 => ({ x: f32(off), y: f32(off + 4), z: f32(off + 8) });
  const text = (off: number, len: number) =>
    Buffer.from(bytes.buffer, bytes.byteOffset + off, len).toString("latin1").replace(/\0+$/, "");

  const [nx, ny, nz, rawMode] = [i32(0), i32(4), i32(8), i32(12)];
  const mode = checkMode(rawMode, file);
  if (!(nx >= 1 && ny >= 1 && nz >= 1)) {
    throw new FormatError(`bad MRC dimensions nx=${nx} ny=${ny} nz=${nz} (each must be at least 1)`, { file });
  }
  if (nx * ny > 2 ** 31) throw new FormatError(`MRC section of ${nx} × ${ny} pixels is too large to read`, { file });
  const nsymbt = i32(92);
  if (nsymbt < 0) throw new FormatError(`negative extended header length (nsymbt=${nsymbt})`, { file });
  const nlabl = Math.max(0, Math.min(10, i32(220)));
  const labels = Array.from({ length: nlabl }, (_, i) => text(224 + 80 * i, 80).trimEnd());
  const [mx, my, mz] = [i32(28), i32(32), i32(36)];
  const cella = vec(40);
  const pixelSizeA = mx > 0 && cella.x > 0 ? cella.x / mx : undefined;

  return {
    nx,
    ny,
    nz,
    mode,
    nxstart: i32(16),
    nystart: i32(20),
    nzstart: i32(24),
    mx,
    my,
    mz,
    cella,
    cellb: vec(52),
    mapc: i32(64),
    mapr: i32(68),
    maps: i32(72),
    dmin: f32(76),
    dmax: f32(80),
    dmean: f32(84),
    ispg: i32(88),
    nsymbt,
    extType: text(104, 4).trim(),
    nversion: i32(108),
    origin: vec(196),
    map: text(208, 4),
    machineStamp: [bytes[212]!, bytes[213]!, bytes[214]!, bytes[215]!],
    littleEndian: le,
    rms: f32(216),
    labels,
    dataOffset: MRC_HEADER_BYTES + nsymbt,
    sampleType: mode === 0 ? mode0Type(i32(152), i32(156), opts.mode0 ?? "auto") : MODE_TYPES[mode],
    pixelSizeA,
  };
}

/** Sample type stored by `mode` (mode 0 as MRC2014's signed bytes). */
export function sampleTypeOfMode(mode: MrcMode): SampleType {
  return MODE_TYPES[mode];
}

function checkMode(mode: number, file: string): MrcMode {
  if (mode in MODE_TYPES) return mode as MrcMode;
  const what = UNSUPPORTED_MODES[mode];
  const supported = "0 (int8), 1 (int16), 2 (float32), 6 (uint16), 12 (float16)";
  throw new FormatError(
    what === undefined
      ? `unknown MRC mode ${mode}; supported modes are ${supported}`
      : `MRC mode ${mode} (${what}) is not supported; supported modes are ${supported}`,
    { file },
  );
}

function mode0Type(stamp: number, flags: number, convention: Mode0Convention): SampleType {
  if (convention === "signed") return "int8";
  if (convention === "unsigned") return "uint8";
  return stamp === IMOD_STAMP && (flags & 1) === 0 ? "uint8" : "int8";
}

/**
 * Little-endian? From the machine stamp (0x44 0x44|0x41 little, 0x11 0x11 big);
 * a blank or odd stamp (old writers) is settled by which order gives a sane mode and size.
 */
function byteOrder(dv: DataView, bytes: Uint8Array, file: string): boolean {
  if (bytes[212] === 0x44 && (bytes[213] === 0x44 || bytes[213] === 0x41)) return true;
  if (bytes[212] === 0x11 && bytes[213] === 0x11) return false;
  const sane = (le: boolean) => {
    const mode = dv.getInt32(12, le);
    const dims = [0, 4, 8].map((o) => dv.getInt32(o, le));
    return (mode in MODE_TYPES || mode in UNSUPPORTED_MODES) && dims.every((d) => d >= 1 && d < 1 << 20);
  };
  if (sane(true)) return true;
  if (sane(false)) return false;
  const map = Buffer.from(bytes.buffer, bytes.byteOffset + 208, 4).toString("latin1");
  const modeLe = dv.getInt32(12, true);
  throw new FormatError(
    map === "MAP "
      ? `MRC header is damaged: mode ${modeLe}, nx=${dv.getInt32(0, true)} ny=${dv.getInt32(4, true)} nz=${dv.getInt32(8, true)}`
      : "not an MRC file (no 'MAP ' tag, and the header's mode and dimensions make no sense in either byte order)",
    { file },
  );
}
