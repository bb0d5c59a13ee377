/** The session list: every acquisition with live counts, processing and quality at a glance. */
import { allPages, get } from "../api.js";
import { html } from "../html.js";
import { useResource } from "../hooks.js";
import { useRef, useState } from "preact/hooks";
import { fmt, ratePerHour } from "../stats.js";
import type { Acquisition, AcquisitionSummary, ProcessingSummary } from "../types.js";
import { ErrorBox } from "./common.js";

const LIVE_WINDOW_MS = 120_000;
const PAGE_ROWS = 50;

/** All sessions, newest first. */
export function SessionList() {
  const list = useResource(() => allPages<Acquisition>("/api/v1/acquisitions", {}, 1000), [], { refreshOn: (e) => e.kind === "acquisition" && e.op === "created" });
  const items = [...(list.data?.items ?? [])].reverse();
  // Each row costs two requests (and more on its events), so rows beyond the newest are opt-in.
  const [shown, setShown] = useState(PAGE_ROWS);
  return html`<section class="panel">
    <h2>Sessions <small>${list.data === undefined ? "" : `${list.data.total}`}</small></h2>
    <${ErrorBox} error=${list.error} what="sessions" />
    ${list.data !== undefined && items.length === 0 ? html`<p class="empty">No sessions yet. Point an agent at an EPU directory (<code>emflow agent watch</code>).</p>` : ""}
    <div class="table-wrap"><table class="sessions">
      <thead><tr>
        <th>session</th><th>state</th><th>processing</th><th class="n">squares</th><th class="n">holes</th><th class="n">micrographs</th><th class="n" title="micrographs acquired per hour, as seen by this page over the last few minutes">/h</th>
        <th class="n">processed</th><th class="n">failed</th><th class="n">CTF fit Å</th><th class="n">motion Å</th><th class="n">particles</th><th class="n">ice</th>
      </tr></thead>
      <tbody>${items.slice(0, shown).map((a) => html`<${SessionRow} key=${a.id} acquisition=${a} />`)}</tbody>
    </table></div>
    ${items.length > shown ? html`<button onClick=${() => setShown(shown + PAGE_ROWS)}>show ${Math.min(PAGE_ROWS, items.length - shown)} more of ${items.length - shown}</button>` : ""}
  </section>`;
}

function SessionRow({ acquisition: a }: { acquisition: Acquisition }) {
  const r = useResource(
    async (signal) => {
      const [summary, processing] = await Promise.all([
        get<AcquisitionSummary>(`/api/v1/acquisitions/${a.id}/summary`, {}, signal),
        get<ProcessingSummary>(`/api/v1/acquisitions/${a.id}/processing`, {}, signal),
      ]);
      return { summary, processing };
    },
    [a.id],
    { refreshOn: (e) => e.acquisitionId === a.id, debounceMs: 1000, maxWaitMs: 3000 },
  );
  const s = r.data?.summary;
  const p = r.data?.processing;
  // Throughput as this page sees it: micrograph counts over the last minutes (EPU's clock may differ from ours).
  const history = useRef<Array<[number, number]>>([]);
  if (s !== undefined && history.current[history.current.length - 1]?.[1] !== s.micrographs) history.current = [...history.current, [Date.now(), s.micrographs]];
  const rate = ratePerHour(history.current, Date.now());
  const last = s?.lastUpdateAt === null || s?.lastUpdateAt === undefined ? undefined : Date.parse(s.lastUpdateAt);
  const state = last === undefined ? "empty" : Date.now() - last < LIVE_WINDOW_MS ? "live" : "idle";
  return html`<tr data-session=${a.id}>
    <td><a href=${`#/session/${a.id}`}>${a.name}</a>${r.error === undefined ? "" : html`<${ErrorBox} error=${r.error} />`}</td>
    <td><span class=${`badge live-${state}`}>${state}</span></td>
    <td>${p === undefined ? "" : html`<span class=${`badge proc-${p.settings.state}`}>${p.settings.state}</span>`}</td>
    <td class="n">${s?.gridSquares ?? ""}</td>
    <td class="n">${s?.foilHoles ?? ""}</td>
    <td class="n" data-field="micrographs">${s?.micrographs ?? ""}</td>
    <td class="n" data-field="rate">${fmt(rate, 0)}</td>
    <td class="n" data-field="processed">${p?.processed ?? ""}</td>
    <td class="n">${p?.failed ?? ""}</td>
    <td class="n">${fmt(p?.means.ctfFitResolutionA)}</td>
    <td class="n">${fmt(p?.means.totalMotionA)}</td>
    <td class="n">${fmt(p?.means.particleCount, 0)}</td>
    <td class="n">${fmt(p?.means.iceMedian, 3)}</td>
  </tr>`;
}
