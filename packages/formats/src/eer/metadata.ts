/**
 * EER acquisition metadata: XML in TIFF tag 65001 of the first page, a flat list of
 * `<item name="sensorPixelSize.width" unit="m">1.06e-10</item>` elements.
 */

export interface EerMetadata {
  /** Item values by name, as written. */
  readonly items: Record<string, string>;
  /** Item units by name, for the items that declare one ("m", "s", "e/pixel"…). */
  readonly units: Record<string, string>;
}

/** The items of the metadata XML. A flat list, so a regular expression reads it; no XML dependency. */
export function parseEerMetadata(xml: string): EerMetadata {
  const items: Record<string, string> = {};
  const units: Record<string, string> = {};
  const item = /<item\s([^>]*)>([^<]*)<\/item>/g;
  for (let m = item.exec(xml); m !== null; m = item.exec(xml)) {
    const attrs = m[1]!;
    const name = /\bname\s*=\s*"([^"]*)"/.exec(attrs)?.[1];
    if (name === undefined) continue;
    items[name] = unescapeXml(m[2]!.trim());
    const unit = /\bunit\s*=\s*"([^"]*)"/.exec(attrs)?.[1];
    if (unit !== undefined) units[name] = unit;
  }
  return { items, units };
}

/** Sensor pixel size in Å (from sensorPixelSize.width in m), when the metadata says so. */
export function sensorPixelSizeA(meta: EerMetadata): number | undefined {
  const v = Number(meta.items["sensorPixelSize.width"]);
  const unit = meta.units["sensorPixelSize.width"] ?? "m";
  return unit === "m" && v > 0 && Number.isFinite(v) ? v * 1e10 : undefined;
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ({ lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" })[e]!);
}
