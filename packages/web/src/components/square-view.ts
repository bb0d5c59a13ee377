/** One grid square with its foil holes at their pixel positions, coloured by state or by CTF fit. */
import { useState } from "preact/hooks";
import { allPages, get } from "../api.js";
import { html } from "../html.js";
import { useResource } from "../hooks.js";
import { processingCache } from "../processing-cache.js";
import { bounds, fmt, mean, resolutionColour } from "../stats.js";
import type { FoilHole, GridSquare } from "../types.js";
import { ErrorBox, STATE_COLOURS, useProcessingCache } from "./common.js";

/** The selected square's holes; clicking one filters the micrograph list to it. */
export function SquareView({ squareId, hole, onHole }: { squareId: string | undefined; hole: string | undefined; onHole: (id: string | undefined) => void }) {
  const [mode, setMode] = useState<"state" | "quality">("state");
  useProcessingCache([]);
  const square = useResource(() => (squareId === undefined ? Promise.resolve(undefined) : get<GridSquare>(`/api/v1/grid-squares/${squareId}`)), [squareId]);
  const holes = useResource(
    () => (squareId === undefined ? Promise.resolve(undefined) : allPages<FoilHole>(`/api/v1/grid-squares/${squareId}/foil-holes`, {}, 10_000)),
    [squareId],
    { refreshOn: (e) => e.kind === "foilHole", debounceMs: 1500 },
  );
  if (squareId === undefined) return html`<section class="panel square"><h3>Grid square</h3><p class="empty">Select a square on the atlas.</p></section>`;
  const placed = (holes.data?.items ?? []).filter((h) => h.pixelX !== undefined && h.pixelY !== undefined);
  const box = bounds(placed.map((h) => ({ x: h.pixelX!, y: h.pixelY!, w: h.diameterPx ?? 20, h: h.diameterPx ?? 20 })), 0.08);
  let quality: Map<string, number> | undefined;
  if (mode === "quality") {
    const acc = new Map<string, number[]>();
    for (const e of processingCache.all()) {
      const r = e.processing?.metrics.ctfFitResolutionA;
      const h = e.micrograph?.foilHoleId;
      if (r !== undefined && h !== undefined && e.micrograph?.gridSquareId === squareId) acc.set(h, [...(acc.get(h) ?? []), r]);
    }
    quality = new Map([...acc].map(([k, v]) => [k, mean(v)!]));
  }
  // Holes stay visible (and clickable) however far apart they are.
  const minR = box === undefined ? 0 : box[2] / 70;
  const s = square.data;
  return html`<section class="panel square">
    <h3>Square ${s?.naturalId ?? ""} <small>${s?.state ?? ""} · ${holes.data?.total ?? "…"} holes</small>
      <span class="toggle">
        <button class=${mode === "state" ? "on" : ""} onClick=${() => setMode("state")}>state</button>
        <button class=${mode === "quality" ? "on" : ""} onClick=${() => setMode("quality")}>CTF fit</button>
        ${hole === undefined ? "" : html`<button onClick=${() => onHole(undefined)}>all holes</button>`}
      </span>
    </h3>
    <${ErrorBox} error=${square.error ?? holes.error} what="grid square" />
    ${box === undefined
      ? html`<p class="empty">No foil holes yet.</p>`
      : html`<svg class="map holes" viewBox=${box.join(" ")} role="img" aria-label="foil holes">
          ${placed.map((h) => {
            const q = quality?.get(h.id);
            const fill = quality !== undefined ? (q === undefined ? "transparent" : resolutionColour(q)) : (STATE_COLOURS[h.state ?? "Defined"] ?? "#888");
            return html`<circle class=${`hole${h.id === hole ? " sel" : ""}`} data-hole=${h.id} cx=${h.pixelX} cy=${h.pixelY} r=${Math.max((h.diameterPx ?? 20) / 2, minR)} fill=${fill}
              onClick=${() => onHole(h.id === hole ? undefined : h.id)}>
              <title>${`hole ${h.naturalId}: ${h.state ?? "no state"}${h.nearGridBar === true ? ", near grid bar" : ""}${q === undefined ? "" : `, CTF fit ${fmt(q)} Å`}`}</title>
            </circle>`;
          })}
        </svg>`}
  </section>`;
}
