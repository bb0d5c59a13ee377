/**
 * A virtualised micrograph list: only the rows in view are rendered, pages of
 * 1000 are fetched as the view reaches them, and processing results are
 * fetched for the rows in view only. New micrographs (live) extend the tail.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { get } from "../api.js";
import { html } from "../html.js";
import { live } from "../live.js";
import { processingCache } from "../processing-cache.js";
import { fmt, visibleRange } from "../stats.js";
import type { Micrograph, Page } from "../types.js";
import { ErrorBox, useProcessingCache } from "./common.js";

const ROW = 28;
const PAGE = 1000;

interface Pages {
  /** The cursor each loaded page was fetched with (undefined = the first page). */
  readonly cursors: Array<string | undefined>;
  readonly items: Micrograph[];
  readonly total: number;
  readonly next: string | null;
}

/** The micrographs of a session, a square or a hole. */
export function MicrographList({ filter, selected, onSelect }: { filter: Record<string, string | undefined>; selected: string | undefined; onSelect: (id: string) => void }) {
  const key = JSON.stringify(filter);
  const [pages, setPages] = useState<Pages | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [scroll, setScroll] = useState({ top: 0, height: 560 });
  const view = useRef<HTMLDivElement>(null);
  const loading = useRef(false);
  const pagesRef = useRef(pages);
  pagesRef.current = pages;

  const fetchPage = async (cursor: string | undefined): Promise<Page<Micrograph>> => {
    const page = await get<Page<Micrograph>>("/api/v1/micrographs", { ...filter, limit: PAGE, cursor });
    processingCache.remember(page.items);
    return page;
  };

  // First page on a new filter.
  useEffect(() => {
    setPages(undefined);
    setError(undefined);
    view.current?.scrollTo(0, 0);
    let stale = false;
    fetchPage(undefined).then(
      (p) => !stale && setPages({ cursors: [undefined], items: p.items, total: p.total, next: p.nextCursor }),
      (e: unknown) => !stale && setError(e),
    );
    return () => {
      stale = true;
    };
  }, [key]);

  // Live: refetch the last page (its cursor is known) when micrographs of this session are created.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = live.subscribe((events) => {
      if (!events.some((e) => e.kind === "micrograph" && e.op === "created" && e.acquisitionId === filter.acquisitionId)) return;
      timer ??= setTimeout(async () => {
        timer = undefined;
        const p = pagesRef.current;
        if (p === undefined || p.next !== null || loading.current) return;
        loading.current = true;
        try {
          const last = p.cursors.length - 1;
          const page = await fetchPage(p.cursors[last]);
          setPages((cur) => (cur !== p ? cur : { cursors: p.cursors, items: [...p.items.slice(0, last * PAGE), ...page.items], total: page.total, next: page.nextCursor }));
        } catch (e) {
          setError(e);
        } finally {
          loading.current = false;
        }
      }, 1500);
    });
    return () => {
      unsubscribe();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [key]);

  const total = pages?.total ?? 0;
  const [start, end] = visibleRange(scroll.top, scroll.height, ROW, total);

  // Next page when the view reaches rows not loaded yet.
  useEffect(() => {
    const p = pages;
    if (p === undefined || p.next === null || end <= p.items.length || loading.current) return;
    loading.current = true;
    fetchPage(p.next)
      .then((page) => setPages((cur) => (cur !== p ? cur : { cursors: [...p.cursors, p.next!], items: [...p.items, ...page.items], total: page.total, next: page.nextCursor })))
      .catch((e: unknown) => setError(e))
      .finally(() => {
        loading.current = false;
      });
  }, [pages, end]);

  const rows = (pages?.items ?? []).slice(start, end);
  // Watch the rows in view (after a short pause in scrolling).
  const [watched, setWatched] = useState<string[]>([]);
  const ids = rows.map((m) => m.id).join(",");
  useEffect(() => {
    const t = setTimeout(() => setWatched(ids === "" ? [] : ids.split(",")), 150);
    return () => clearTimeout(t);
  }, [ids]);
  useProcessingCache(watched);

  useEffect(() => {
    const el = view.current;
    if (el === null) return;
    const measure = () => setScroll({ top: el.scrollTop, height: el.clientHeight });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  return html`<section class="panel mlist">
    <h3>Micrographs <small data-field="list-total">${pages === undefined ? "…" : total}</small></h3>
    <${ErrorBox} error=${error} what="micrographs" />
    <div class="mrow head"><span>#</span><span>name</span><span>acquired</span><span>state</span><span class="n">CTF Å</span><span class="n">motion Å</span><span class="n">particles</span><span class="n">ice</span></div>
    <div class="mview" ref=${view} onScroll=${(e: Event) => {
      const el = e.currentTarget as HTMLDivElement;
      setScroll({ top: el.scrollTop, height: el.clientHeight });
    }}>
      <div style=${{ height: `${total * ROW}px`, position: "relative" }}>
        ${Array.from({ length: end - start }, (_, k) => {
          const i = start + k;
          const m = pages?.items[i];
          const top = `${i * ROW}px`;
          if (m === undefined) return html`<div class="mrow" style=${{ top }} key=${`i${i}`}><span>${i + 1}</span><span class="muted">loading…</span></div>`;
          const p = processingCache.get(m.id)?.processing;
          return html`<div class=${`mrow${m.id === selected ? " sel" : ""}`} style=${{ top }} key=${m.id} data-micrograph=${m.id} onClick=${() => onSelect(m.id)}>
            <span>${i + 1}</span>
            <span class="name" title=${m.naturalId}>${m.naturalId}</span>
            <span>${m.acquiredAt === undefined ? "" : new Date(m.acquiredAt).toLocaleTimeString()}</span>
            <span>${p === undefined ? "" : html`<span class=${`badge st-${p.state}`}>${p.state}</span>`}</span>
            <span class="n">${fmt(p?.metrics.ctfFitResolutionA)}</span>
            <span class="n">${fmt(p?.metrics.totalMotionA)}</span>
            <span class="n">${fmt(p?.metrics.particleCount, 0)}</span>
            <span class="n">${fmt(p?.metrics.iceMedian, 3)}</span>
          </div>`;
        })}
      </div>
    </div>
  </section>`;
}
