/** A session's processing: switch (start/stop/resume), per-step counts, queue backlog and failures. */
import { useState } from "preact/hooks";
import { get, getIfEnabled, post, withTokenHint } from "../api.js";
import { html } from "../html.js";
import { useResource } from "../hooks.js";
import { fmt } from "../stats.js";
import type { ProcessingFailure, ProcessingSummary, Queues } from "../types.js";
import { ErrorBox, Stat } from "./common.js";

const STEPS = ["motion", "ctf", "pick", "ice", "thumbnails"];

/** Start / stop / resume buttons with the session's processing state. */
export function ProcessingControls({ acquisitionId, summary, onDone }: { acquisitionId: string; summary: ProcessingSummary | undefined; onDone: () => void }) {
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [note, setNote] = useState("");
  const act = async (action: "start" | "stop" | "resume") => {
    setBusy(action);
    setError(undefined);
    try {
      const r = await post<{ queued: number }>(`/api/v1/acquisitions/${acquisitionId}/processing/${action}`, action === "start" ? {} : undefined);
      setNote(`${action}: ${r.queued} queued`);
      onDone();
    } catch (e) {
      setError(withTokenHint(e));
    } finally {
      setBusy(undefined);
    }
  };
  const state = summary?.settings.state;
  return html`<div class="controls">
    <span class=${`badge proc-${state ?? "unknown"}`} data-field="processing-state">${state ?? "…"}</span>
    <button data-action="start" disabled=${busy !== undefined || state === "running"} onClick=${() => act("start")}>Start</button>
    <button data-action="stop" disabled=${busy !== undefined || state !== "running"} onClick=${() => act("stop")}>Stop</button>
    <button data-action="resume" disabled=${busy !== undefined} onClick=${() => act("resume")} title="queue what is not done; finished micrographs are never reprocessed">Resume</button>
    <span class="muted">${busy === undefined ? note : `${busy}…`}</span>
    <${ErrorBox} error=${error} />
  </div>`;
}

/** Step counts and means, backlog and failures of one session. */
export function ProcessingPanel({ acquisitionId, summary, onOpen }: { acquisitionId: string; summary: ProcessingSummary | undefined; onOpen: (micrographId: string) => void }) {
  const queues = useResource(
    () =>
      getIfEnabled<Queues>("/api/v1/queues"),
    [acquisitionId],
    { refreshOn: (e) => e.kind === "processing", debounceMs: 2000, maxWaitMs: 5000, pollMs: 15_000 },
  );
  const failed = summary?.failed ?? 0;
  const failures = useResource(() => get<ProcessingFailure[]>(`/api/v1/acquisitions/${acquisitionId}/processing/failures`, { limit: 20 }), [acquisitionId, failed]);
  const s = summary;
  return html`<section class="panel processing">
    <h3>Processing</h3>
    <div class="stats">
      <${Stat} id="processed" label="processed" value=${s?.processed ?? "…"} />
      <${Stat} label="started" value=${s?.started ?? "…"} />
      <${Stat} label="movies" value=${s?.movies ?? "…"} />
      <${Stat} id="failed" label="failed" value=${s?.failed ?? "…"} />
      <${Stat} label="median CTF fit" value=${fmt(s?.means.ctfFitResolutionMedianA)} unit="Å" />
      <${Stat} label="mean motion" value=${fmt(s?.means.totalMotionA)} unit="Å" />
    </div>
    <table class="steps">
      <thead><tr><th>step</th><th class="n">queued</th><th class="n">running</th><th class="n">done</th><th class="n">failed</th></tr></thead>
      <tbody>${STEPS.map((name) => {
        const c = s?.steps[name];
        return html`<tr><td>${name}</td><td class="n">${c?.queued ?? ""}</td><td class="n">${c?.running ?? ""}</td><td class="n">${c?.done ?? ""}</td><td class="n">${c?.failed ?? ""}</td></tr>`;
      })}</tbody>
    </table>
    <h4>Backlog <small>${queues.data?.transport ?? ""}</small></h4>
    <${ErrorBox} error=${queues.error} what="queues" />
    ${queues.data === undefined && !queues.loading
      ? html`<p class="empty">Processing is not enabled on this server.</p>`
      : html`<table class="steps backlog">
          <thead><tr><th>queue</th><th class="n">ready</th><th class="n">in flight</th><th class="n">dead</th></tr></thead>
          <tbody>${(queues.data?.queues ?? []).map((q) => html`<tr><td>${q.queue}</td><td class="n">${q.ready}</td><td class="n">${q.inFlight}</td><td class=${`n${q.dead > 0 ? " bad" : ""}`}>${q.dead}</td></tr>`)}</tbody>
        </table>`}
    <h4>Failures <small>${failed}</small></h4>
    <${ErrorBox} error=${failures.error} what="failures" />
    ${(failures.data ?? []).length === 0
      ? html`<p class="empty">No failures.</p>`
      : html`<ul class="failures">${failures.data!.map(
          (f) => html`<li><a href="#" onClick=${(e: Event) => {
            e.preventDefault();
            onOpen(f.micrographId);
          }}>${f.naturalId}</a> <b>${f.step}</b> (${f.attempts}×${f.tool === null ? "" : `, ${f.tool}`}): <span class="err">${f.error}</span></li>`,
        )}</ul>`}
  </section>`;
}
