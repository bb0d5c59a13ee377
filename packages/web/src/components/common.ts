/** Small shared pieces: error box, state badges, a hook on the processing cache. */
import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api.js";
import { html } from "../html.js";
import { processingCache } from "../processing-cache.js";

/** The API's error, in one line, or nothing. */
export function ErrorBox({ error, what }: { error: unknown; what?: string }) {
  if (error === undefined || error === null) return null;
  return html`<div class="error" role="alert">${what === undefined ? "" : `${what}: `}${describeError(error)}</div>`;
}

/** Colour of an EPU target state. */
export const STATE_COLOURS: Record<string, string> = {
  Completed: "#2e9d57",
  InProgress: "#2f7fd8",
  Queued: "#d9a400",
  Selected: "#c9b458",
  Defined: "#8a93a0",
  Skipped: "#555c66",
  Failed: "#d2453b",
  Unknown: "#666",
};

/** A coloured label for a processing state. */
export function StateBadge({ state }: { state: string }) {
  return html`<span class=${`badge st-${state}`}>${state}</span>`;
}

/** Re-render when the processing cache changes; returns the ids to watch's unwatch on unmount. */
export function useProcessingCache(watch: readonly string[]): number {
  const [version, setVersion] = useState(processingCache.version);
  useEffect(() => processingCache.subscribe(() => setVersion(processingCache.version)), []);
  const key = watch.join(",");
  useEffect(() => processingCache.watch(watch), [key]);
  return version;
}

/** A labelled figure. */
export function Stat({ label, value, unit, id }: { label: string; value: string | number; unit?: string; id?: string }) {
  return html`<div class="stat" data-stat=${id}><span class="v">${value}</span>${unit === undefined ? "" : html`<span class="u">${unit}</span>`}<span class="l">${label}</span></div>`;
}
