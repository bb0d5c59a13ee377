/** One micrograph: thumbnail with the picks drawn over it, power spectrum, drift, figures and steps. */
import { useState } from "preact/hooks";
import { get } from "../api.js";
import { html } from "../html.js";
import { useResource } from "../hooks.js";
import { processingCache } from "../processing-cache.js";
import { fmt } from "../stats.js";
import type { Micrograph } from "../types.js";
import { ErrorBox, Stat, useProcessingCache } from "./common.js";
import { DriftPlot } from "./plots.js";

interface Overlay {
  readonly points: Array<[number, number]>;
  readonly radius: number;
}

/** The micrograph panel for `id` (or a hint when none is open). */
export function MicrographPanel({ id, onLocate }: { id: string | undefined; onLocate: (squareId: string, holeId: string) => void }) {
  const [showPicks, setShowPicks] = useState(true);
  useProcessingCache(id === undefined ? [] : [id]);
  const m = useResource(() => (id === undefined ? Promise.resolve(undefined) : get<Micrograph>(`/api/v1/micrographs/${id}`)), [id]);
  if (id === undefined) return html`<section class="panel micrograph"><h3>Micrograph</h3><p class="empty">Select a micrograph in the list.</p></section>`;
  const p = processingCache.get(id)?.processing;
  const step = (name: string) => p?.steps.find((s) => s.step === name);
  const thumbs = step("thumbnails");
  const ctf = step("ctf");
  const r = thumbs?.state === "done" ? thumbs.result : null;
  const width = typeof r?.width === "number" ? r.width : 512;
  const height = typeof r?.height === "number" ? r.height : 512;
  const overlay = r?.picks_overlay as Overlay | undefined;
  const drift = (r?.drift as { points?: Array<[number, number]> } | undefined)?.points;
  return html`<section class="panel micrograph" data-open-micrograph=${id}>
    <h3>${m.data?.naturalId ?? "Micrograph"} <small>${p?.state ?? "…"}</small>
      ${m.data === undefined ? "" : html`<span class="toggle"><button data-action="locate" title="show its square and hole" onClick=${() => onLocate(m.data!.gridSquareId, m.data!.foilHoleId)}>locate</button></span>`}
    </h3>
    <${ErrorBox} error=${m.error} what="micrograph" />
    <div class="images">
      <figure class="thumb">
        ${r === null
          ? html`<div class="empty">${p?.state === "failed" ? "processing failed" : "thumbnail not made yet"}</div>`
          : html`<div class="overlay-wrap">
              <img class="thumbnail" loading="lazy" width=${width} height=${height} alt="micrograph thumbnail" src=${`/api/v1/micrographs/${id}/images/micrograph`} />
              ${showPicks && overlay !== undefined
                ? html`<svg class="picks" viewBox=${`0 0 ${width} ${height}`}>${overlay.points.map(([x, y]) => html`<circle cx=${x} cy=${y} r=${overlay.radius} />`)}</svg>`
                : ""}
            </div>`}
        <figcaption>
          thumbnail${overlay === undefined ? "" : html` · <label><input type="checkbox" checked=${showPicks} onChange=${() => setShowPicks(!showPicks)} /> ${overlay.points.length} picks</label>`}
        </figcaption>
      </figure>
      <figure class="thumb">
        ${ctf?.state === "done"
          ? html`<img class="power-spectrum" loading="lazy" alt="power spectrum with the fitted CTF zeros" src=${`/api/v1/micrographs/${id}/images/power-spectrum`} />`
          : html`<div class="empty">no power spectrum yet</div>`}
        <figcaption>power spectrum, fitted CTF zeros</figcaption>
      </figure>
      <figure class="thumb">
        ${drift === undefined ? html`<div class="empty">no drift yet</div>` : html`<${DriftPlot} points=${drift} />`}
        <figcaption>drift</figcaption>
      </figure>
    </div>
    <div class="stats">
      <${Stat} label="CTF fit" value=${fmt(p?.metrics.ctfFitResolutionA)} unit="Å" />
      <${Stat} label="defocus" value=${fmt(p?.metrics.defocusUA === undefined ? undefined : p.metrics.defocusUA / 10_000, 2)} unit="µm" />
      <${Stat} label="astigmatism" value=${fmt(p?.metrics.astigmatismA, 0)} unit="Å" />
      <${Stat} label="motion" value=${fmt(p?.metrics.totalMotionA)} unit="Å" />
      <${Stat} label="particles" value=${fmt(p?.metrics.particleCount, 0)} />
      <${Stat} label="ice" value=${fmt(p?.metrics.iceMedian, 3)} />
    </div>
    <table class="steps">
      <thead><tr><th>step</th><th>state</th><th>tool</th><th class="n">tries</th><th class="n">s</th><th>error</th></tr></thead>
      <tbody>${(p?.steps ?? []).map(
        (s) => html`<tr><td>${s.step}</td><td><span class=${`badge st-${s.state}`}>${s.state}</span></td><td>${s.tool ?? ""}</td><td class="n">${s.attempts}</td><td class="n">${fmt(s.seconds, 1)}</td><td class="err">${s.error ?? ""}</td></tr>`,
      )}</tbody>
    </table>
  </section>`;
}

