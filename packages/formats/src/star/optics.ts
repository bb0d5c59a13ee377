/**
 * RELION 3.1+ optics groups: a `data_optics` table holding what is shared by
 * many images (pixel size, voltage, Cs, amplitude contrast), referenced by
 * `rlnOpticsGroup` from `data_movies`, `data_micrographs` or `data_particles`.
 */
import { FormatError } from "@emflow/core";
import { z } from "zod";
import type { StarDocument, StarTable } from "./model.js";
import type { StarLoopBlock, StarValue } from "./write.js";

/** One optics group as read from `data_optics`. Lengths in Å, voltage in kV, Cs in mm. */
export interface OpticsGroup {
  /** `rlnOpticsGroup`, the number rows refer to (1-based in RELION). */
  readonly number: number;
  /** `rlnOpticsGroupName`. */
  readonly name: string;
  /** `rlnVoltage`, kV. */
  readonly voltage: number;
  /** `rlnSphericalAberration`, mm. */
  readonly cs: number;
  /** `rlnAmplitudeContrast`, fraction. */
  readonly amplitudeContrast: number;
  /** `rlnMicrographOriginalPixelSize`: the movie's pixel size, Å/px. */
  readonly originalPixelSize?: number;
  /** `rlnMicrographPixelSize`: the (possibly binned) micrograph's pixel size, Å/px. */
  readonly micrographPixelSize?: number;
  /** `rlnImagePixelSize`: the particle images' pixel size, Å/px. */
  readonly imagePixelSize?: number;
  /** Every column of the row as text (beam tilt, MTF file, ...). */
  readonly values: Readonly<Record<string, string>>;
  /** 1-based line of the row. */
  readonly line: number;
}

const optionalColumn = (t: StarTable, name: string, row: number): number | undefined => (t.has(name) ? t.number(row, name) : undefined);

/** Read `data_optics`; throws FormatError if it is missing (a RELION 3.0 file) or lacks a required column. */
export function readOpticsGroups(doc: StarDocument): OpticsGroup[] {
  const t = doc.block("optics").table;
  const numbers = t.integers("rlnOpticsGroup");
  const names = t.has("rlnOpticsGroupName") ? t.strings("rlnOpticsGroupName") : undefined;
  const voltage = t.numbers("rlnVoltage");
  const cs = t.numbers("rlnSphericalAberration");
  const amp = t.numbers("rlnAmplitudeContrast");
  const groups: OpticsGroup[] = [];
  for (let r = 0; r < t.rowCount; r++) {
    const number = numbers[r] ?? 0;
    const line = t.lineOf(r) ?? t.line;
    if (groups.some((g) => g.number === number)) {
      throw new FormatError(`data_optics: optics group ${number} appears twice`, { ...(doc.file === undefined ? {} : { file: doc.file }), line });
    }
    const original = optionalColumn(t, "rlnMicrographOriginalPixelSize", r);
    const micrograph = optionalColumn(t, "rlnMicrographPixelSize", r);
    const image = optionalColumn(t, "rlnImagePixelSize", r);
    groups.push({
      number,
      name: names?.[r] ?? `opticsGroup${number}`,
      voltage: voltage[r] ?? 0,
      cs: cs[r] ?? 0,
      amplitudeContrast: amp[r] ?? 0,
      ...(original === undefined ? {} : { originalPixelSize: original }),
      ...(micrograph === undefined ? {} : { micrographPixelSize: micrograph }),
      ...(image === undefined ? {} : { imagePixelSize: image }),
      values: t.row(r),
      line,
    });
  }
  return groups;
}

/** A data table joined with its optics groups. */
export interface OpticsJoin {
  readonly table: StarTable;
  readonly optics: readonly OpticsGroup[];
  /** For each row, the index into `optics` of its group. */
  readonly groupIndex: Int32Array;
  /** The optics group of row `row` (0-based). */
  group(row: number): OpticsGroup;
}

/**
 * Join `data_<block>` (e.g. "micrographs", "movies", "particles") with
 * `data_optics` through `rlnOpticsGroup`. Throws FormatError naming the line of
 * a row whose group is not defined.
 */
export function joinOptics(doc: StarDocument, block: string): OpticsJoin {
  const optics = readOpticsGroups(doc);
  const table = doc.table(block);
  const refs = table.integers("rlnOpticsGroup");
  const byNumber = new Map(optics.map((g, i) => [g.number, i]));
  const groupIndex = new Int32Array(refs.length);
  for (let r = 0; r < refs.length; r++) {
    const i = byNumber.get(refs[r] ?? 0);
    if (i === undefined) {
      const line = table.lineOf(r);
      throw new FormatError(`data_${block}: optics group ${refs[r]} is not in data_optics (groups: ${optics.map((g) => g.number).join(", ")})`, {
        ...(doc.file === undefined ? {} : { file: doc.file }),
        ...(line === undefined ? {} : { line }),
      });
    }
    groupIndex[r] = i;
  }
  return {
    table,
    optics,
    groupIndex,
    group(row: number): OpticsGroup {
      const g = optics[groupIndex[row] ?? -1];
      if (g === undefined) throw new RangeError(`row ${row} out of range`);
      return g;
    },
  };
}

const positive = z.number().positive().finite();

/** An optics group to write. Pixel sizes in Å/px, voltage in kV, Cs in mm. */
export const OpticsGroupSpec = z.object({
  number: z.number().int().min(1),
  name: z.string().min(1).regex(/^\S+$/, "no blanks (RELION splits on them)"),
  voltage: positive,
  cs: z.number().finite(),
  amplitudeContrast: z.number().min(0).max(1),
  originalPixelSize: positive.optional(),
  micrographPixelSize: positive.optional(),
  imagePixelSize: positive.optional(),
  /** Further columns, e.g. `{ rlnBeamTiltX: 0 }`. */
  extra: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});
export type OpticsGroupSpec = z.input<typeof OpticsGroupSpec>;

/** A `data_optics` block for `groups`; columns appear when any group has them, in RELION's order. */
export function opticsBlock(groups: readonly OpticsGroupSpec[]): StarLoopBlock {
  const parsed = groups.map((g) => OpticsGroupSpec.parse(g));
  const columns = ["rlnOpticsGroupName", "rlnOpticsGroup"];
  const pick: [string, (g: (typeof parsed)[number]) => StarValue | undefined][] = [
    ["rlnMicrographOriginalPixelSize", (g) => g.originalPixelSize],
    ["rlnVoltage", (g) => g.voltage],
    ["rlnSphericalAberration", (g) => g.cs],
    ["rlnAmplitudeContrast", (g) => g.amplitudeContrast],
    ["rlnMicrographPixelSize", (g) => g.micrographPixelSize],
    ["rlnImagePixelSize", (g) => g.imagePixelSize],
  ];
  const used = pick.filter(([, get]) => parsed.some((g) => get(g) !== undefined));
  const extras = [...new Set(parsed.flatMap((g) => Object.keys(g.extra ?? {})))];
  for (const [name] of used) columns.push(name);
  columns.push(...extras);
  const rows = parsed.map((g) => {
    const missing = used.find(([, get]) => get(g) === undefined);
    if (missing !== undefined) throw new FormatError(`optics group ${g.number}: no value for _${missing[0]} (other groups have one)`);
    const extra = extras.map((k) => {
      const v = g.extra?.[k];
      if (v === undefined) throw new FormatError(`optics group ${g.number}: no value for _${k} (other groups have one)`);
      return v;
    });
    return [g.name, g.number, ...used.map(([, get]) => get(g) as StarValue), ...extra];
  });
  return { name: "optics", columns, rows };
}
