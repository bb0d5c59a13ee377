/**
 * The grid's atlas as a map: the atlas image is not served, so tiles are drawn
 * as outlines and grid squares as rectangles at their atlas positions,
 * coloured by EPU state, by the mean CTF fit resolution of the square's
 * micrographs the page has fetched, or by the server's quality score
 * (observed good fraction where imaged, predicted probability elsewhere).
 */
import { useState } from "preact/hooks";
import { allPages, get, getIfEnabled } from "../api.js";
import { html } from "../html.js";
import { useResource } from "../hooks.js";
import { processingCache } from "../processing-cache.js";
import { bounds, fmt, mean, resolutionColour } from "../stats.js";
import type { Atlas, GridSquare, Scores, ScoredArea } from "../types.js";
import { ErrorBox, STATE_COLOURS, useProcessingCache } from "./common.js";

/** Mean CTF fit resolution per grid square over the cached results. */
function resolutionBySquare(): Map<string, { mean: number; n: number }> {
  const acc = new Map<string, number[]>();
  for (const e of processingCache.all()) {
    const sq = e.micrograph?.gridSquareId;
    const r = e.processing?.metrics.ctfFitResolutionA;
    if (sq === undefined || r === undefined) continue;
    const list = acc.get(sq) ?? [];
    list.push(r);
    acc.set(sq, list);
  }
  return new Map([...acc].map(([k, v]) => [k, { mean: mean(v)!, n: v.length }]));
}

/** The atlas map of one grid; clicking a square selects it. */
export function AtlasMap({ gridId, acquisitionId, selected, onSelect }: { gridId: string; acquisitionId: string; selected: string | undefined; onSelect: (id: string) => void }) {
  const [mode, setMode] = useState<"state" | "quality" | "score">("state");
  const scores = useResource(
    () =>
      mode !== "score"
        ? Promise.resolve(undefined)
        : getIfEnabled<Scores>(`/api/v1/acquisitions/${acquisitionId}/scores`),
    [acquisitionId, mode],
    { refreshOn: (e) => mode === "score" && e.acquisitionId === acquisitionId && (e.kind === "processing" || e.kind === "decision"), debounceMs: 2000, maxWaitMs: 6000 },
  );
  const scoreOf = new Map<string, ScoredArea>((scores.data?.items ?? []).map((a) => [a.id, a]));
  useProcessingCache([]);
  const squares = useResource(() => allPages<GridSquare>(`/api/v1/grids/${gridId}/grid-squares`, {}, 10_000), [gridId], {
    refreshOn: (e) => e.kind === "gridSquare",
    debounceMs: 1500,
  });
  const atlas = useResource(() => get<Atlas>(`/api/v1/grids/${gridId}/atlas`).catch(() => undefined), [gridId]);
  const placed = (squares.data?.items ?? []).filter((s) => s.atlasX !== undefined && s.atlasY !== undefined);
  const tiles = (atlas.data?.tiles ?? []).filter((t) => t.atlasX !== undefined && t.width !== undefined);
  const box = bounds([
    ...placed.map((s) => ({ x: s.atlasX!, y: s.atlasY!, w: s.atlasWidth ?? 50, h: s.atlasHeight ?? 50 })),
    ...tiles.map((t) => ({ x: t.atlasX! + t.width! / 2, y: t.atlasY! + (t.height ?? t.width!) / 2, w: t.width!, h: t.height ?? t.width! })),
  ]);
  const quality = mode === "quality" ? resolutionBySquare() : undefined;
  const fill = (s: GridSquare): string => {
    if (mode === "score") {
      const a = scoreOf.get(s.id);
      return a === undefined ? "transparent" : scoreColour(a.observed.micrographs > 0 ? a.observed.goodFraction : a.predicted);
    }
    if (quality !== undefined) {
      const q = quality.get(s.id);
      return q === undefined ? "transparent" : resolutionColour(q.mean);
    }
    return STATE_COLOURS[s.state ?? "Defined"] ?? "#888";
  };
  return html`<section class="panel atlas">
    <h3>Atlas <small>${squares.data === undefined ? "" : `${squares.data.total} squares`}</small>
      <span class="toggle">
        <button class=${mode === "state" ? "on" : ""} onClick=${() => setMode("state")}>state</button>
        <button class=${mode === "quality" ? "on" : ""} onClick=${() => setMode("quality")} title="mean CTF fit resolution of the micrographs loaded so far">CTF fit</button>
        <button class=${mode === "score" ? "on" : ""} data-action="atlas-score" onClick=${() => setMode("score")} title="good fraction where imaged, predicted probability of a good micrograph elsewhere">score</button>
      </span>
    </h3>
    <${ErrorBox} error=${squares.error} what="grid squares" />
    <${ErrorBox} error=${scores.error} what="scores" />
    ${box === undefined
      ? html`<p class="empty">No grid squares on the atlas yet.</p>`
      : html`<svg class="map" viewBox=${box.join(" ")} role="img" aria-label="atlas map">
          ${tiles.map((t) => html`<rect class="tile" x=${t.atlasX} y=${t.atlasY} width=${t.width} height=${t.height ?? t.width} />`)}
          ${placed.map((s) => {
            const w = s.atlasWidth ?? 50;
            const h = s.atlasHeight ?? 50;
            const q = quality?.get(s.id);
            const sc = scoreOf.get(s.id);
            return html`<rect class=${`square${s.id === selected ? " sel" : ""}`} data-square=${s.id} x=${s.atlasX! - w / 2} y=${s.atlasY! - h / 2} width=${w} height=${h}
              fill=${fill(s)} onClick=${() => onSelect(s.id)}>
              <title>${`square ${s.naturalId}: ${s.state ?? "no state"}${q === undefined ? "" : `, CTF fit ${fmt(q.mean)} Å (${q.n} micrographs)`}${
                sc === undefined ? "" : sc.observed.micrographs > 0 ? `, ${sc.observed.good}/${sc.observed.micrographs} good` : `, predicted ${fmt(sc.predicted, 2)} ± ${fmt(sc.predictedSd, 2)} (${sc.basis})`
              }`}</title>
            </rect>`;
          })}
        </svg>`}
    <${Legend} mode=${mode} />
  </section>`;
}

/** Green for a high probability of good micrographs, red for a low one. */
function scoreColour(p: number): string {
  return `hsl(${Math.round(120 * Math.min(1, Math.max(0, p)))} 70% 45%)`;
}

function Legend({ mode }: { mode: "state" | "quality" | "score" }) {
  if (mode === "score") {
    return html`<div class="legend">${[0, 0.25, 0.5, 0.75, 1].map((p) => html`<span><i style=${{ background: scoreColour(p) }}></i>${p}</span>`)}<span>good fraction (imaged) or predicted</span></div>`;
  }
  if (mode === "quality") {
    return html`<div class="legend">${[4, 6, 8, 10, 12].map((a) => html`<span><i style=${{ background: resolutionColour(a) }}></i>${a === 12 ? "≥12" : a} Å</span>`)}<span><i class="hollow"></i>no results loaded</span></div>`;
  }
  return html`<div class="legend">${["Completed", "InProgress", "Queued", "Selected", "Defined", "Skipped", "Failed"].map((s) => html`<span><i style=${{ background: STATE_COLOURS[s] }}></i>${s}</span>`)}</div>`;
}
