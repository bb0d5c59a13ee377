/**
 * Throughput and quality over the session's acquisition time, without
 * fetching every micrograph: the time range is split into bins, each bin's
 * count comes from a `limit=2` list query's `total`, and the two micrographs
 * it returns are the bin's quality samples (their processing is fetched
 * through the shared cache). About 30 small list requests and at most 60
 * processing requests, whatever the session's size.
 */
import { get } from "../api.js";
import { html } from "../html.js";
import { useResource } from "../hooks.js";
import { processingCache } from "../processing-cache.js";
import { mean, timeBins } from "../stats.js";
import type { Micrograph, Page } from "../types.js";
import { ErrorBox, useProcessingCache } from "./common.js";
import { SeriesPlot } from "./plots.js";

const BINS = 30;
const SAMPLES = 2;
const HOUR = 3_600_000;

interface Bin {
  readonly from: number;
  readonly to: number;
  readonly count: number;
  readonly samples: Micrograph[];
}

async function countFrom(acquisitionId: string, from: number, to?: number, limit = 1): Promise<Page<Micrograph>> {
  return get<Page<Micrograph>>("/api/v1/micrographs", {
    acquisitionId,
    acquiredFrom: new Date(from).toISOString(),
    acquiredTo: to === undefined ? undefined : new Date(to).toISOString(),
    limit,
  });
}

/** Bins over [first acquisition, last acquisition]; the end is found by doubling a window until nothing lies past it. */
async function loadBins(acquisitionId: string): Promise<Bin[]> {
  const first = (await get<Page<Micrograph>>("/api/v1/micrographs", { acquisitionId, limit: 1 })).items[0];
  if (first?.acquiredAt === undefined) return [];
  // Insertion order is close to acquisition order, but not exactly: start a little before the first.
  const t0 = Date.parse(first.acquiredAt) - 60_000;
  const earlier = await countFrom(acquisitionId, 0, t0);
  const start = earlier.total === 0 ? t0 : Math.min(t0, Date.parse(earlier.items[0]?.acquiredAt ?? first.acquiredAt));
  let span = HOUR / 4;
  while ((await countFrom(acquisitionId, start + span)).total > 0 && span < 400 * 24 * HOUR) span *= 2;
  const bins = timeBins(start, start + span, BINS);
  const pages = await Promise.all(bins.map(([a, b]) => countFrom(acquisitionId, a, b, SAMPLES)));
  const all = bins.map(([from, to], i): Bin => ({ from, to, count: pages[i]!.total, samples: pages[i]!.items }));
  // Drop the empty tail the doubling left.
  let last = all.length;
  while (last > 1 && all[last - 1]!.count === 0) last--;
  for (const b of all) processingCache.remember(b.samples);
  return all.slice(0, last);
}

/** The time-series panel of a session. */
export function TimeSeries({ acquisitionId }: { acquisitionId: string }) {
  const bins = useResource(() => loadBins(acquisitionId), [acquisitionId], {
    refreshOn: (e) => e.acquisitionId === acquisitionId && e.kind === "micrograph" && e.op === "created",
    debounceMs: 5000,
    maxWaitMs: 15_000,
  });
  const list = bins.data ?? [];
  useProcessingCache(list.flatMap((b) => b.samples.map((m) => m.id)));
  const metric = (pick: (m: NonNullable<ReturnType<typeof processingCache.get>>) => number | undefined) =>
    list.map((b): [number, number | undefined] => [b.from, mean(b.samples.map((s) => pick(processingCache.get(s.id) ?? {})))]);
  const rate = list.map((b): [number, number] => [b.from, (b.count / Math.max(1, b.to - b.from)) * HOUR]);
  const span = list.length === 0 ? "" : `${new Date(list[0]!.from).toLocaleString()} – ${new Date(list[list.length - 1]!.to).toLocaleTimeString()}`;
  return html`<section class="panel series">
    <h3>Over time <small>${span}${list.length === 0 ? "" : ` · ${list.length} bins, ≤${SAMPLES} sampled micrographs each`}</small></h3>
    <${ErrorBox} error=${bins.error} what="time series" />
    <div class="plots">
      <${SeriesPlot} id="throughput" title="throughput" unit="/h" digits=${0} points=${rate} />
      <${SeriesPlot} id="ctf" title="CTF fit resolution" unit="Å" points=${metric((e) => e.processing?.metrics.ctfFitResolutionA)} />
      <${SeriesPlot} id="motion" title="total motion" unit="Å" points=${metric((e) => e.processing?.metrics.totalMotionA)} />
      <${SeriesPlot} id="particles" title="particles / micrograph" unit="" digits=${0} points=${metric((e) => e.processing?.metrics.particleCount)} />
      <${SeriesPlot} id="ice" title="ice (relative thickness)" unit="" digits=${3} points=${metric((e) => e.processing?.metrics.iceMedian)} />
    </div>
  </section>`;
}
