/**
 * The live decision engine: keeps one SessionModel per acquisition, updated
 * from the change stream (new squares and holes rebuild it, new processing
 * results feed it), and after results settle (debounced) asks the session's
 * policy for a ranked order and a decision. In auto mode the decision goes
 * straight to the session's link; in advise mode it waits for an operator.
 */
import { decisionOpen } from "@emflow/core";
import { DEFAULT_QUALITY_RULE, QualityRule } from "@emflow/decisions";
import type { FastifyBaseLogger } from "fastify";
import type { DecisionsConfig } from "../config/config.js";
import type { ChangeHub } from "../events/hub.js";
import type { ChangeEvent } from "../model/entities.js";
import type { Decision, DecisionSettings } from "../model/decisions.js";
import { isUuid } from "../store/cursor.js";
import type { SqlClient } from "../store/sql-client.js";
import type { DecisionControl, Scores } from "./control.js";
import { HttpError } from "../http/http-error.js";
import { actOnDecision, getDecisionSettings, insertDecision, listDecisions, recordDeliveryFailure } from "./decision-store.js";
import { readGridSnapshot, readObservations, readShotHoles } from "./grid-snapshot.js";
import type { DecisionLinks } from "./links.js";
import { rankSquares, type Ranking } from "./ranking.js";
import { SessionModel } from "./session-model.js";

/** Timers, injectable so tests control the debounce. */
export interface EngineTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What the engine needs. */
export interface DecisionEngineDeps {
  readonly db: SqlClient;
  readonly hub: ChangeHub;
  readonly logger: FastifyBaseLogger;
  readonly config: DecisionsConfig;
  readonly links: DecisionLinks;
  readonly rule?: QualityRule;
  readonly timers?: EngineTimers;
  /** Clock (ms) for the debounce's maximum wait. */
  readonly now?: () => number;
}

interface Entry {
  model: SessionModel | undefined;
  structureDirty: boolean;
  resultsDirty: boolean;
  /** New micrographs (shot, maybe not processed yet): the stage has moved. */
  shotsDirty: boolean;
  /** When the pending decision was first scheduled (ms). */
  waitingSince: number | undefined;
  /** The quality rule the model was built with (JSON), to rebuild it when the session's rule changes. */
  ruleKey: string | undefined;
  /** One refresh at a time per session. */
  refreshing: Promise<SessionModel> | undefined;
  timer: unknown;
}

const STRUCTURE: ReadonlySet<string> = new Set(["gridSquare", "foilHole", "grid"]);

/** Start the engine; `close()` stops listening and cancels pending decisions. */
export class DecisionEngine implements DecisionControl {
  private readonly sessions = new Map<string, Entry>();
  private readonly unsubscribe: () => void;
  private readonly timers: EngineTimers;
  private readonly rule: QualityRule;
  private readonly now: () => number;
  private closed = false;
  /** Decisions in progress (so close() can wait for them). */
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly deps: DecisionEngineDeps) {
    this.timers = deps.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms).unref(), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
    this.rule = deps.rule ?? DEFAULT_QUALITY_RULE;
    this.now = deps.now ?? Date.now;
    this.unsubscribe = deps.hub.subscribe((events) => this.onEvents(events));
  }

  private entry(acquisitionId: string): Entry {
    let e = this.sessions.get(acquisitionId);
    if (e === undefined) {
      e = { model: undefined, structureDirty: true, resultsDirty: false, shotsDirty: false, waitingSince: undefined, ruleKey: undefined, refreshing: undefined, timer: undefined };
      this.sessions.set(acquisitionId, e);
    }
    return e;
  }

  private onEvents(events: readonly ChangeEvent[]): void {
    const results = new Set<string>();
    for (const ev of events) {
      if (STRUCTURE.has(ev.kind)) this.entry(ev.acquisitionId).structureDirty = true;
      else if (ev.kind === "micrograph") this.entry(ev.acquisitionId).shotsDirty = true;
      else if (ev.kind === "processing") {
        this.entry(ev.acquisitionId).resultsDirty = true;
        results.add(ev.acquisitionId);
      }
    }
    for (const id of results) this.schedule(id);
  }

  /**
   * Decide once results have been quiet for `debounceMs` (a burst of steps makes one decision), but at
   * least every 5 × `debounceMs` while they keep coming (a live session never goes quiet); or after `delayMs`.
   */
  private schedule(acquisitionId: string, delayMs = this.deps.config.debounceMs): void {
    if (this.closed) return;
    const e = this.entry(acquisitionId);
    const now = this.now();
    if (e.timer !== undefined) {
      if (now - (e.waitingSince ?? now) >= 4 * this.deps.config.debounceMs) return; // let the pending one fire
      this.timers.clearTimeout(e.timer);
    } else {
      e.waitingSince = now;
    }
    e.timer = this.timers.setTimeout(() => {
      e.timer = undefined;
      e.waitingSince = undefined;
      const p = this.decideIfNew(acquisitionId).catch((err: unknown) => this.deps.logger.warn({ err, acquisitionId }, "decision failed"));
      this.running.add(p);
      void p.finally(() => this.running.delete(p));
    }, delayMs);
  }

  /** The model of a session (known to exist: it has `settings`), rebuilt or brought up to date as the change stream said. */
  private async model(acquisitionId: string, settings: DecisionSettings): Promise<SessionModel> {
    const e = this.entry(acquisitionId);
    while (e.refreshing !== undefined) await e.refreshing;
    const rule = sessionRule(settings.params, this.rule);
    if (JSON.stringify(rule) !== e.ruleKey) e.structureDirty = true;
    if (!e.structureDirty && !e.resultsDirty && !e.shotsDirty && e.model !== undefined) return e.model;
    e.refreshing = (async () => {
      if (e.structureDirty || e.model === undefined) {
        e.structureDirty = false;
        e.resultsDirty = false;
        e.shotsDirty = false;
        e.ruleKey = JSON.stringify(rule);
        e.model = new SessionModel(await readGridSnapshot(this.deps.db, acquisitionId), rule);
      } else {
        if (e.shotsDirty) {
          e.shotsDirty = false;
          e.model.shotHoles = await readShotHoles(this.deps.db, acquisitionId);
        }
        if (e.resultsDirty) {
          e.resultsDirty = false;
          e.model.observe(await readObservations(this.deps.db, acquisitionId, e.model.since));
        }
      }
      return e.model;
    })();
    try {
      return await e.refreshing;
    } finally {
      e.refreshing = undefined;
    }
  }

  /** A session's settings and model; undefined for an unknown session. */
  private async session(acquisitionId: string): Promise<{ settings: DecisionSettings; model: SessionModel } | undefined> {
    const settings = await getDecisionSettings(this.deps.db, acquisitionId);
    return settings === undefined ? undefined : { settings, model: await this.model(acquisitionId, settings) };
  }

  async squareScores(acquisitionId: string): Promise<Scores | undefined> {
    const s = await this.session(acquisitionId);
    return s === undefined ? undefined : { acquisitionId, policy: s.settings.policy, ...s.model.totals(), items: s.model.squareScores() };
  }

  async holeScores(gridSquareId: string): Promise<Scores | undefined> {
    if (!isUuid(gridSquareId)) return undefined;
    const [row] = await this.deps.db.query<{ acquisition_id: string }>("SELECT acquisition_id FROM grid_squares WHERE id = $1", [gridSquareId]);
    const s = row === undefined ? undefined : await this.session(row.acquisition_id);
    return s === undefined ? undefined : { acquisitionId: row!.acquisition_id, policy: s.settings.policy, ...s.model.totals(), items: s.model.holeScores(gridSquareId) };
  }

  private async ranking(acquisitionId: string): Promise<{ ranking: Ranking; policy: string; mode: string } | undefined> {
    const s = await this.session(acquisitionId);
    return s === undefined ? undefined : { ranking: rankSquares(s.model, s.settings.policy, s.settings.params), policy: s.settings.policy, mode: s.settings.mode };
  }

  async order(acquisitionId: string): Promise<{ policy: string; ranked: Ranking["ranked"] } | undefined> {
    const r = await this.ranking(acquisitionId);
    return r === undefined ? undefined : { policy: r.policy, ranked: r.ranking.ranked };
  }

  async decideNow(acquisitionId: string): Promise<Decision | undefined> {
    return this.decide(acquisitionId, true);
  }

  /** The engine's own decisions: only when the advice changed since the last one. */
  private decideIfNew(acquisitionId: string): Promise<Decision | undefined> {
    return this.decide(acquisitionId, false);
  }

  private async decide(acquisitionId: string, force: boolean): Promise<Decision | undefined> {
    const r = await this.ranking(acquisitionId);
    if (r === undefined || r.mode === "off" || this.closed) return undefined;
    const next = r.ranking.decision;
    if (next === undefined) return undefined;
    const [latest] = await listDecisions(this.deps.db, acquisitionId, { limit: 1 });
    const same = latest !== undefined && latest.action === next.action && latest.target === next.target && latest.state !== "rejected";
    if (same && !force) {
      // The advice stands; in auto mode, an earlier send that failed is retried.
      const unsent = r.mode === "auto" && decisionOpen(latest.state) && latest.delivery?.error !== undefined;
      return unsent ? this.sendOrRetry(latest) : undefined;
    }
    const { decision, events } = await insertDecision(this.deps.db, {
      acquisitionId,
      source: "policy",
      policy: r.policy,
      action: next.action,
      gridSquareId: next.gridSquareId,
      target: next.target,
      reasons: next.reasons,
      numbers: next.numbers,
      ranked: r.ranking.ranked.slice(0, 20),
      state: "proposed",
    });
    this.deps.hub.publish(events);
    this.deps.logger.info({ decisionId: decision.id, acquisitionId, action: decision.action, target: decision.target, reasons: decision.reasons, mode: r.mode }, "decision made");
    return r.mode === "auto" ? this.sendOrRetry(decision) : decision;
  }

  /** The engine's own sends: a failure is recorded on the decision and retried later with backoff, never thrown. */
  private async sendOrRetry(decision: Decision): Promise<Decision> {
    const r = await this.send(decision);
    if (r.error !== undefined) {
      const attempts = Number(r.decision.delivery?.attempts ?? 1);
      this.schedule(decision.acquisitionId, Math.min(300_000, 5000 * 2 ** Math.max(0, attempts - 1)));
    }
    return r.decision;
  }

  /**
   * Send a decision through its session's link and mark it sent. A failing link (Athena down, no agent)
   * is recorded on the decision (`delivery.error`, shown in the API and dashboard) and thrown as a 502.
   */
  async deliver(decision: Decision): Promise<Decision> {
    const r = await this.send(decision);
    if (r.error !== undefined) throw r.error;
    return r.decision;
  }

  /** Send through the link; a failure is recorded on the decision and returned with it, not thrown. */
  private async send(decision: Decision): Promise<{ decision: Decision; error?: HttpError }> {
    const settings = await getDecisionSettings(this.deps.db, decision.acquisitionId);
    if (settings === undefined || settings.link === "none") return { decision };
    let delivery: Record<string, unknown>;
    try {
      delivery = await this.deps.links.send(settings.link, decision);
    } catch (err) {
      const message = `sending to ${settings.link} failed: ${err instanceof Error ? err.message : String(err)}`;
      const failed = await recordDeliveryFailure(this.deps.db, decision.id, message);
      if (failed !== undefined) this.deps.hub.publish(failed.events);
      this.deps.logger.warn({ err, decisionId: decision.id, acquisitionId: decision.acquisitionId, link: settings.link }, "decision not sent");
      const error = err instanceof HttpError && err.status < 500 ? err : new HttpError(502, `decision ${decision.id}: ${message}`, { cause: err });
      return { decision: failed?.decision ?? decision, error };
    }
    const r = await actOnDecision(this.deps.db, decision.id, "send", { delivery });
    if (r === undefined) return { decision };
    this.deps.hub.publish(r.events);
    this.deps.logger.info({ decisionId: decision.id, acquisitionId: decision.acquisitionId, link: settings.link }, "decision sent");
    return { decision: r.decision };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    for (const e of this.sessions.values()) if (e.timer !== undefined) this.timers.clearTimeout(e.timer);
    await Promise.allSettled([...this.running]);
  }
}

/** A session's quality rule: `params.qualityRule` (validated when set through the API) over the engine's default. */
export function sessionRule(params: Record<string, unknown>, fallback: QualityRule): QualityRule {
  if (params.qualityRule === undefined) return fallback;
  const r = QualityRule.safeParse({ ...fallback, ...(params.qualityRule as object) });
  return r.success ? r.data : fallback;
}
