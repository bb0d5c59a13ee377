/** Particle centres (and figures of merit) from a RELION-style coordinate STAR document. */
import type { StarDocument } from "@emflow/formats";

/**
 * `rlnCoordinateX/Y` of the first loop, and `rlnAutopickFigureOfMerit` when every value passes
 * `validFom` (programs write sentinels such as -9999 for "not computed").
 */
export function starCoordinates(doc: StarDocument, validFom: (f: number) => boolean): { picks: [number, number][]; fom?: number[] } {
  const block = doc.blocks.find((b) => b.loops.length > 0);
  if (block === undefined) return { picks: [] };
  const t = block.table;
  const xs = t.numbers("rlnCoordinateX");
  const ys = t.numbers("rlnCoordinateY");
  const picks = Array.from(xs, (x, i): [number, number] => [x, ys[i] ?? 0]);
  if (!t.has("rlnAutopickFigureOfMerit")) return { picks };
  const fom = Array.from(t.numbers("rlnAutopickFigureOfMerit"));
  return fom.every(validFom) ? { picks, fom } : { picks };
}
