/** SVG plots: a time series with a labelled y range, and a drift trace. */
import { html } from "../html.js";
import { fmt, linePath } from "../stats.js";

const W = 300;
const H = 70;

/** A small time-series plot of (x, y) points; y absent = no data in that bin. */
export function SeriesPlot({ title, unit, points, digits = 1, id }: { title: string; unit: string; points: Array<[number, number | undefined]>; digits?: number; id?: string }) {
  const ys = points.map((p) => p[1]).filter((y): y is number => y !== undefined && Number.isFinite(y));
  const last = ys[ys.length - 1];
  const lo = ys.length === 0 ? undefined : Math.min(...ys);
  const hi = ys.length === 0 ? undefined : Math.max(...ys);
  const d = linePath(points, W, H);
  return html`<figure class="plot" data-plot=${id}>
    <figcaption><span>${title}</span><b>${fmt(last, digits)} ${unit}</b></figcaption>
    ${ys.length === 0
      ? html`<div class="empty">no data yet</div>`
      : html`<svg viewBox=${`-4 -4 ${W + 8} ${H + 8}`} preserveAspectRatio="none" role="img" aria-label=${title}>
          <path d=${d} fill="none" stroke="currentColor" stroke-width="1.5" vector-effect="non-scaling-stroke" />
        </svg>
        <div class="range"><span>min ${fmt(lo, digits)}</span><span>max ${fmt(hi, digits)}</span></div>`}
  </figure>`;
}

/** The whole-frame drift of a movie (Å), start marked. */
export function DriftPlot({ points }: { points: Array<[number, number]> }) {
  if (points.length < 2) return html`<div class="empty">no drift data</div>`;
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const span = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys), 1);
  const cx = (Math.max(...xs) + Math.min(...xs)) / 2;
  const cy = (Math.max(...ys) + Math.min(...ys)) / 2;
  const s = 90 / span;
  const pts = points.map(([x, y]) => `${(50 + (x - cx) * s).toFixed(1)},${(50 + (y - cy) * s).toFixed(1)}`).join(" ");
  const [x0, y0] = points[0]!;
  return html`<svg class="drift" viewBox="0 0 100 100" role="img" aria-label="drift trajectory">
    <rect x="0" y="0" width="100" height="100" fill="none" stroke="var(--line)" />
    <polyline points=${pts} fill="none" stroke="var(--accent)" stroke-width="1.2" />
    <circle cx=${50 + (x0 - cx) * s} cy=${50 + (y0 - cy) * s} r="2" fill="var(--good)" />
    <text x="3" y="97" font-size="7" fill="var(--muted)">${fmt(span, 1)} Å span</text>
  </svg>`;
}
