/**
 * The decision queue of a session: mode and policy, the open decisions with
 * their reasons and numbers (accept, reject, override), the ranked order of
 * grid squares, and the history of what was decided and by whom.
 */
import { useState } from "preact/hooks";
import { get, getIfEnabled, post, put, withTokenHint } from "../api.js";
import { html } from "../html.js";
import { useResource } from "../hooks.js";
import { fmt } from "../stats.js";
import type { Decision, DecisionSettings, RankedEntry, Scores } from "../types.js";
import { ErrorBox } from "./common.js";

const MODES = ["off", "advise", "auto"] as const;
const POLICIES = ["ucb", "greedy", "epu"] as const;

/** A figure for the numbers table: rounded numbers, everything else as JSON. */
function figure(v: unknown): string {
  return typeof v === "number" ? fmt(v, Math.abs(v) >= 100 ? 0 : 3) : JSON.stringify(v);
}

/** One open decision with its actions. */
function OpenDecision({ d, squares, onDone }: { d: Decision; squares: Array<{ naturalId: string; label: string }>; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [pick, setPick] = useState("");
  const run = async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
      onDone();
    } catch (e) {
      setError(withTokenHint(e));
    } finally {
      setBusy(false);
    }
  };
  const choices = squares.filter((q) => q.naturalId !== d.target);
  return html`<li class="decision open" data-decision=${d.id}>
    <div><b data-field="decision-action">${d.action.replaceAll("_", " ")}</b> ${d.target === null ? "" : html`square <b data-field="decision-target">${d.target}</b>`}
      <span class=${`badge dec-${d.state}`} data-field="decision-state">${d.state}</span> <small class="muted" data-field="decision-source">${d.source === "operator" ? `operator ${d.operator ?? ""}` : d.policy}, ${new Date(d.createdAt).toLocaleTimeString()}</small></div>
    <div class="reasons">${d.reasons.map((r) => html`<code>${r}</code> `)}</div>
    <table class="numbers"><tbody>${Object.entries(d.numbers).slice(0, 8).map(([k, v]) => html`<tr><td>${k}</td><td class="n">${figure(v)}</td></tr>`)}</tbody></table>
    ${typeof d.delivery?.error === "string"
      ? html`<div class="error" data-field="delivery-error">${d.delivery.error} (${String(d.delivery.attempts ?? 1)}×)</div>`
      : ""}
    <div class="controls">
      ${d.state === "accepted" && d.delivery?.error !== undefined
        ? html`<button data-action="send" disabled=${busy} onClick=${() => run(() => post(`/api/v1/decisions/${d.id}/send`))}>Send again</button>`
        : ""}
      <button data-action="accept" disabled=${busy || d.state !== "proposed"} onClick=${() => run(() => post(`/api/v1/decisions/${d.id}/accept`, {}))}>Accept</button>
      <button data-action="reject" disabled=${busy} onClick=${() => run(() => post(`/api/v1/decisions/${d.id}/reject`, {}))}>Reject</button>
      <select data-field="override-square" value=${pick} onChange=${(e: Event) => setPick((e.target as HTMLSelectElement).value)}>
        <option value="">override with square…</option>
        ${choices.map((q) => html`<option value=${q.naturalId}>${q.label}</option>`)}
      </select>
      <button data-action="override" disabled=${busy || pick === ""} onClick=${() => run(() => post(`/api/v1/acquisitions/${d.acquisitionId}/decisions/override`, { gridSquareId: pick }))}>Override</button>
    </div>
    <${ErrorBox} error=${error} />
  </li>`;
}

/** The decisions section of a session page. */
export function DecisionPanel({ acquisitionId }: { acquisitionId: string }) {
  const refresh = { refreshOn: (e: { kind: string; acquisitionId: string }) => e.acquisitionId === acquisitionId && e.kind === "decision", debounceMs: 300, maxWaitMs: 1500 };
  const settings = useResource(() => get<DecisionSettings>(`/api/v1/acquisitions/${acquisitionId}/decision-settings`), [acquisitionId]);
  const decisions = useResource(() => get<Decision[]>(`/api/v1/acquisitions/${acquisitionId}/decisions`, { limit: 30 }), [acquisitionId], refresh);
  const order = useResource(
    () =>
      getIfEnabled<{ policy: string; ranked: RankedEntry[] }>(`/api/v1/acquisitions/${acquisitionId}/acquisition-order`),
    [acquisitionId],
    { refreshOn: (e) => e.acquisitionId === acquisitionId && (e.kind === "decision" || e.kind === "processing"), debounceMs: 2000, maxWaitMs: 6000 },
  );
  // Every square, for overrides (the ranked order lists only squares with holes left).
  const scores = useResource(
    () =>
      getIfEnabled<Scores>(`/api/v1/acquisitions/${acquisitionId}/scores`),
    [acquisitionId],
    { refreshOn: (e) => e.acquisitionId === acquisitionId && (e.kind === "gridSquare" || e.kind === "processing"), debounceMs: 3000, maxWaitMs: 10_000 },
  );
  const [error, setError] = useState<unknown>(undefined);
  const change = async (body: Partial<Pick<DecisionSettings, "mode" | "policy">>) => {
    setError(undefined);
    try {
      await put(`/api/v1/acquisitions/${acquisitionId}/decision-settings`, body);
      settings.reload();
      order.reload();
    } catch (e) {
      setError(withTokenHint(e));
    }
  };
  const decideNow = async () => {
    setError(undefined);
    try {
      await post(`/api/v1/acquisitions/${acquisitionId}/decisions/recompute`);
      decisions.reload();
    } catch (e) {
      setError(withTokenHint(e));
    }
  };
  const all = decisions.data ?? [];
  const open = all.filter((d) => d.state === "proposed" || d.state === "accepted");
  const past = all.filter((d) => !(d.state === "proposed" || d.state === "accepted")).slice(0, 12);
  const ranked = order.data?.ranked ?? [];
  const rankOf = new Map(ranked.map((r) => [r.naturalId, r.rank]));
  const squares = (scores.data?.items ?? []).map((a) => {
    const rank = rankOf.get(a.naturalId);
    const p = a.observed.micrographs > 0 ? `${a.observed.good}/${a.observed.micrographs} good` : `p ${fmt(a.predicted, 2)}`;
    return { naturalId: a.naturalId, label: `${a.naturalId} (${rank === undefined ? "" : `rank ${rank}, `}${p})`, rank: rank ?? Number.MAX_SAFE_INTEGER };
  });
  squares.sort((a, b) => a.rank - b.rank);
  const s = settings.data;
  return html`<section class="panel decisions" data-section="decisions">
    <h3>Decisions <small>${s === undefined ? "" : `${s.mode}, ${s.policy}, link ${s.link}`}</small></h3>
    <div class="controls">
      <label>mode <select data-field="decision-mode" value=${s?.mode} onChange=${(e: Event) => change({ mode: (e.target as HTMLSelectElement).value as DecisionSettings["mode"] })}>
        ${MODES.map((m) => html`<option value=${m}>${m}</option>`)}</select></label>
      <label>policy <select data-field="decision-policy" value=${s?.policy} onChange=${(e: Event) => change({ policy: (e.target as HTMLSelectElement).value })}>
        ${POLICIES.map((p) => html`<option value=${p}>${p}</option>`)}</select></label>
      <button data-action="decide-now" disabled=${s?.mode === "off"} onClick=${decideNow}>Decide now</button>
    </div>
    <${ErrorBox} error=${error ?? settings.error ?? decisions.error ?? order.error} />
    <h4>Open <small>${open.length}</small></h4>
    ${open.length === 0
      ? html`<p class="empty">${s?.mode === "off" ? "Decisions are off for this session." : "No open decision. One is made when processing results arrive (or with Decide now)."}</p>`
      : html`<ul class="decision-list">${open.map((d) => html`<${OpenDecision} key=${d.id} d=${d} squares=${squares} onDone=${() => decisions.reload()} />`)}</ul>`}
    <h4>Ranked squares <small>${order.data?.policy ?? ""}</small></h4>
    ${ranked.length === 0
      ? html`<p class="empty">${order.data === undefined && !order.loading ? "Decisions are not enabled on this server." : "Nothing ranked yet."}</p>`
      : html`<table class="steps ranked"><thead><tr><th class="n">#</th><th>square</th><th class="n">predicted</th><th class="n">score</th><th>why</th></tr></thead>
          <tbody>${ranked.slice(0, 10).map((r) => html`<tr data-rank=${r.rank}><td class="n">${r.rank}</td><td>${r.naturalId}</td><td class="n">${r.predicted === null ? "" : fmt(r.predicted, 2)}</td><td class="n">${fmt(r.score, 3)}</td><td><small>${r.reasons.join(", ")}</small></td></tr>`)}</tbody></table>`}
    <h4>History</h4>
    ${past.length === 0
      ? html`<p class="empty">No past decisions.</p>`
      : html`<ul class="decision-history">${past.map(
          (d) => html`<li data-decision=${d.id}><span class=${`badge dec-${d.state}`}>${d.state}</span> ${d.action.replaceAll("_", " ")} ${d.target ?? ""}
            <small class="muted">${d.source === "operator" ? `by ${d.operator ?? "?"}` : d.policy}${d.operator !== null && d.source !== "operator" ? `, ${d.state} by ${d.operator}` : ""} · ${new Date(d.actedAt ?? d.createdAt).toLocaleTimeString()}</small></li>`,
        )}</ul>`}
  </section>`;
}
