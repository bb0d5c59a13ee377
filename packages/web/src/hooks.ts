/** Data hooks: a resource that reloads itself when matching change events arrive (debounced). */
import { useEffect, useRef, useState } from "preact/hooks";
import { live } from "./live.js";
import type { ChangeEvent } from "./types.js";

export interface Resource<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): void;
}

export interface ResourceOptions {
  /** Reload when a batch holds an event this accepts. */
  readonly refreshOn?: (e: ChangeEvent) => boolean;
  /** Wait this long after the last matching event before reloading (default 1000 ms)… */
  readonly debounceMs?: number;
  /** …but never longer than this after the first one (default 4000 ms), so a busy session still updates. */
  readonly maxWaitMs?: number;
  /** Also reload every this many ms (e.g. queues, which have no events of their own). */
  readonly pollMs?: number;
}

/** Load `load()` when `deps` change; keep the last data while reloading; reload on matching events. */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[], opts: ResourceOptions = {}): Resource<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    loadRef.current(ctl.signal).then(
      (data) => !ctl.signal.aborted && setState({ data, error: undefined, loading: false }),
      (error: unknown) => !ctl.signal.aborted && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);

  const { refreshOn, debounceMs = 1000, maxWaitMs = 4000, pollMs } = opts;
  useEffect(() => {
    if (refreshOn === undefined) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let first = 0;
    const unsubscribe = live.subscribe((events) => {
      if (!events.some(refreshOn)) return;
      const now = Date.now();
      if (timer === undefined) first = now;
      else clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        setTick((t) => t + 1);
      }, Math.max(0, Math.min(debounceMs, first + maxWaitMs - now)));
    });
    return () => {
      unsubscribe();
      if (timer !== undefined) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  useEffect(() => {
    if (pollMs === undefined) return;
    const t = setInterval(() => setTick((x) => x + 1), pollMs);
    return () => clearInterval(t);
  }, [pollMs]);

  return { ...state, reload: () => setTick((t) => t + 1) };
}

/** The current location hash, parsed into a path and query. */
export function useRoute(): { path: string[]; query: URLSearchParams } {
  const parse = () => {
    const raw = location.hash.replace(/^#/, "");
    const [p = "", q = ""] = raw.split("?");
    return { path: p.split("/").filter((s) => s !== "").map(decodeURIComponent), query: new URLSearchParams(q) };
  };
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const on = () => setRoute(parse());
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return route;
}

/** Replace some query parameters of the current hash route (undefined removes one). */
export function setQuery(changes: Record<string, string | undefined>): void {
  const raw = location.hash.replace(/^#/, "");
  const [p = "", q = ""] = raw.split("?");
  const query = new URLSearchParams(q);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) query.delete(k);
    else query.set(k, v);
  }
  const qs = query.toString();
  location.hash = qs === "" ? p : `${p}?${qs}`;
}
