/** One session: counts and controls, atlas, square, micrograph, time series, list, processing, decisions. */
import { allPages, get } from "../api.js";
import { html } from "../html.js";
import { setQuery, useResource } from "../hooks.js";
import type { Acquisition, AcquisitionSummary, Grid, ProcessingSummary } from "../types.js";
import { AtlasMap } from "./atlas-map.js";
import { ErrorBox, Stat } from "./common.js";
import { MicrographList } from "./micrograph-list.js";
import { MicrographPanel } from "./micrograph-panel.js";
import { DecisionPanel } from "./decision-panel.js";
import { ProcessingControls, ProcessingPanel } from "./processing-panel.js";
import { SquareView } from "./square-view.js";
import { TimeSeries } from "./time-series.js";

/** The page of acquisition `id`; the selected grid, square, hole and micrograph live in the URL. */
export function SessionPage({ id, query }: { id: string; query: URLSearchParams }) {
  const acq = useResource(() => get<Acquisition>(`/api/v1/acquisitions/${id}`), [id]);
  const summary = useResource(() => get<AcquisitionSummary>(`/api/v1/acquisitions/${id}/summary`), [id], { refreshOn: (e) => e.acquisitionId === id && e.kind !== "processing", debounceMs: 1000, maxWaitMs: 3000 });
  const processing = useResource(() => get<ProcessingSummary>(`/api/v1/acquisitions/${id}/processing`), [id], { refreshOn: (e) => e.acquisitionId === id && e.kind === "processing", debounceMs: 1000, maxWaitMs: 3000 });
  const grids = useResource(() => allPages<Grid>(`/api/v1/acquisitions/${id}/grids`), [id], { refreshOn: (e) => e.acquisitionId === id && e.kind === "grid" });
  const gridList = grids.data?.items ?? [];
  const gridId = query.get("grid") ?? gridList[0]?.id;
  const square = query.get("square") ?? undefined;
  const hole = query.get("hole") ?? undefined;
  const mg = query.get("mg") ?? undefined;
  const s = summary.data;
  const filter = { acquisitionId: id, gridSquareId: hole === undefined ? square : undefined, foilHoleId: hole };

  return html`<div class="session">
    <header class="panel session-head">
      <div>
        <a href="#/">← sessions</a>
        <h2>${acq.data?.name ?? "…"}</h2>
        <${ErrorBox} error=${acq.error} what="session" />
      </div>
      <div class="stats">
        <${Stat} id="squares" label="squares" value=${s?.gridSquares ?? "…"} />
        <${Stat} id="holes" label="holes" value=${s?.foilHoles ?? "…"} />
        <${Stat} id="micrographs" label="micrographs" value=${s?.micrographs ?? "…"} />
        <${Stat} id="processed-head" label="processed" value=${processing.data?.processed ?? "…"} />
      </div>
      <${ProcessingControls} acquisitionId=${id} summary=${processing.data} onDone=${() => processing.reload()} />
      <${ErrorBox} error=${summary.error ?? processing.error} />
    </header>
    <div class="grid-layout">
      <div class="col-maps">
        ${gridList.length > 1
          ? html`<label class="grid-pick">grid <select value=${gridId} onChange=${(e: Event) => setQuery({ grid: (e.target as HTMLSelectElement).value, square: undefined, hole: undefined })}>
              ${gridList.map((g) => html`<option value=${g.id}>${g.naturalId}${g.slot === undefined ? "" : ` (slot ${g.slot})`}</option>`)}
            </select></label>`
          : ""}
        ${gridId === undefined ? html`<section class="panel"><p class="empty">No grid yet.</p></section>` : html`<${AtlasMap} gridId=${gridId} acquisitionId=${id} selected=${square} onSelect=${(sq: string) => setQuery({ square: sq, hole: undefined })} />`}
        <${SquareView} squareId=${square} hole=${hole} onHole=${(h: string | undefined) => setQuery({ hole: h })} />
      </div>
      <${MicrographPanel} id=${mg} onLocate=${(sq: string, h: string) => setQuery({ square: sq, hole: h })} />
      <${TimeSeries} acquisitionId=${id} />
      <${MicrographList} filter=${filter} selected=${mg} onSelect=${(m: string) => setQuery({ mg: m })} />
      <${ProcessingPanel} acquisitionId=${id} summary=${processing.data} onOpen=${(m: string) => setQuery({ mg: m })} />
      <${DecisionPanel} acquisitionId=${id} />
    </div>
  </div>`;
}
