/**
 * crYOLO's coordinate files, one per micrograph in `<out>/CBOX`, `<out>/STAR`, `<out>/EMAN`:
 *
 * - CBOX (crYOLO ≥ 1.8): STAR with `data_global` (`_cbox_format_version`),
 *   `data_cryolo` (`_CoordinateX _CoordinateY _CoordinateZ _Width _Height
 *   _Depth _EstWidth _EstHeight _Confidence _NumBoxes _Angle`, x/y = the box's
 *   lower-left corner) and `data_cryolo_include`. Holds every detection, also
 *   those below the threshold. Older CBOX: whitespace columns
 *   `x y w h confidence [est_w est_h]`, corner coordinates too.
 * - STAR: a `data_` loop with `_rlnCoordinateX/Y` at box centres (above threshold).
 * - EMAN `.box`: `x y w h` per line, lower-left corner (above threshold).
 */
import { starCoordinates } from "./star-coordinates.js";
import { FormatError, type PickResult } from "@emflow/core";
import { parseStar } from "@emflow/formats";

/** Detections from a CBOX file, as centres in px with their confidence, keeping those ≥ `threshold`. */
export function parseCbox(text: string, threshold: number, file?: string): Required<Pick<PickResult, "picks" | "fom">> & { widths: number[] } {
  const picks: [number, number][] = [];
  const fom: number[] = [];
  const widths: number[] = [];
  const add = (x: number, y: number, w: number, h: number, c: number) => {
    if (!(c >= threshold)) return;
    picks.push([x + w / 2, y + h / 2]);
    fom.push(c);
    widths.push(w);
  };
  if (/^\s*data_/m.test(text)) {
    const doc = parseStar(text, file === undefined ? {} : { file });
    const t = doc.table("cryolo");
    const [xs, ys, ws, hs, cs] = ["CoordinateX", "CoordinateY", "Width", "Height", "Confidence"].map((c) => t.numbers(c)) as Float64Array[];
    for (let i = 0; i < t.rowCount; i++) add(xs?.[i] ?? 0, ys?.[i] ?? 0, ws?.[i] ?? 0, hs?.[i] ?? 0, cs?.[i] ?? 0);
    return { picks, fom, widths };
  }
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line.length === 0) return;
    const v = line.split(/\s+/).map(Number);
    if (v.length < 5 || v.slice(0, 5).some((x) => !Number.isFinite(x))) {
      throw new FormatError(`expected 'x y width height confidence', got '${line}'`, { ...(file === undefined ? {} : { file }), line: i + 1 });
    }
    add(v[0] ?? 0, v[1] ?? 0, v[2] ?? 0, v[3] ?? 0, v[4] ?? 0);
  });
  return { picks, fom, widths };
}

/** Centres from crYOLO's STAR output; figures of merit only when crYOLO filled them (it writes -9999 otherwise). */
export function parseCryoloStar(text: string, file?: string): PickResult {
  return starCoordinates(parseStar(text, file === undefined ? {} : { file }), (f) => Number.isFinite(f) && f > -999);
}

/** Centres from an EMAN1 `.box` file (lower-left corner plus half the box). */
export function parseEmanBox(text: string, file?: string): PickResult {
  const picks: [number, number][] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line.length === 0 || line.startsWith("#")) return;
    const v = line.split(/\s+/).map(Number);
    if (v.length < 4 || v.slice(0, 4).some((x) => !Number.isFinite(x))) {
      throw new FormatError(`expected 'x y width height', got '${line}'`, { ...(file === undefined ? {} : { file }), line: i + 1 });
    }
    picks.push([(v[0] ?? 0) + (v[2] ?? 0) / 2, (v[1] ?? 0) + (v[3] ?? 0) / 2]);
  });
  return { picks };
}
