/** Pure helpers for the plots, maps and lists: no DOM, no fetch (tested in stats.test.ts). */

/** Mean of the defined, finite values; undefined when there are none. */
export function mean(values: ReadonlyArray<number | undefined | null>): number | undefined {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (typeof v === "number" && Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  return n === 0 ? undefined : sum / n;
}

/** `count` equal time bins from `from` to `to` (ms), as [start, end) pairs. */
export function timeBins(from: number, to: number, count: number): Array<[number, number]> {
  const width = Math.max(1, Math.ceil((to - from) / count));
  return Array.from({ length: count }, (_, i): [number, number] => [from + i * width, from + (i + 1) * width]);
}

/** Rows to render in a virtualised list: [start, end) with `overscan` rows either side, within [0, total). */
export function visibleRange(scrollTop: number, viewHeight: number, rowHeight: number, total: number, overscan = 5): [number, number] {
  const start = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const end = Math.min(total, Math.ceil((scrollTop + viewHeight) / rowHeight) + overscan);
  return [Math.min(start, end), end];
}

/** Bounding box of points with sizes: [minX, minY, width, height], padded by `pad` (fraction). */
export function bounds(boxes: ReadonlyArray<{ x: number; y: number; w: number; h: number }>, pad = 0.05): [number, number, number, number] | undefined {
  if (boxes.length === 0) return undefined;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const b of boxes) {
    x0 = Math.min(x0, b.x - b.w / 2);
    y0 = Math.min(y0, b.y - b.h / 2);
    x1 = Math.max(x1, b.x + b.w / 2);
    y1 = Math.max(y1, b.y + b.h / 2);
  }
  const w = Math.max(x1 - x0, 1);
  const h = Math.max(y1 - y0, 1);
  return [x0 - w * pad, y0 - h * pad, w * (1 + 2 * pad), h * (1 + 2 * pad)];
}

/**
 * Colour for a CTF fit resolution (Å): green at `good` or better, red at `bad` or worse,
 * through yellow (lower is better).
 */
export function resolutionColour(a: number, good = 4, bad = 12): string {
  const t = Math.min(1, Math.max(0, (a - good) / (bad - good)));
  const hue = Math.round(120 * (1 - t));
  return `hsl(${hue} 70% 45%)`;
}

/** SVG path data for a polyline through points scaled into a w×h box (y up); gaps (undefined y) break the line. */
export function linePath(points: ReadonlyArray<[number, number | undefined]>, w: number, h: number, yRange?: [number, number]): string {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]).filter((y): y is number => y !== undefined && Number.isFinite(y));
  if (ys.length === 0 || xs.length === 0) return "";
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = yRange ?? [Math.min(...ys), Math.max(...ys)];
  const sx = (x: number) => (x1 === x0 ? w / 2 : ((x - x0) / (x1 - x0)) * w);
  const sy = (y: number) => (y1 === y0 ? h / 2 : h - ((y - y0) / (y1 - y0)) * h);
  let d = "";
  let pen = false;
  for (const [x, y] of points) {
    if (y === undefined || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
    pen = true;
  }
  return d;
}

/** A number for display: `digits` decimals, or "–" when absent. */
export function fmt(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits);
}

/**
 * Rate per hour from (time ms, cumulative count) observations, over those within `windowMs`
 * before `now`; undefined with fewer than two, 0 once the count has not moved for the whole window.
 */
export function ratePerHour(history: ReadonlyArray<[number, number]>, now: number, windowMs = 300_000): number | undefined {
  const last = history[history.length - 1];
  if (last === undefined || history.length < 2) return undefined;
  if (now - last[0] > windowMs) return 0;
  const recent = history.filter(([t]) => t >= now - windowMs);
  // Two observations in the window: rate between them; otherwise from the one before the last.
  const base = recent.length >= 2 ? recent[0]! : history[history.length - 2]!;
  const dt = last[0] - base[0];
  return dt <= 0 ? undefined : ((last[1] - base[1]) / dt) * 3_600_000;
}
