/**
 * One view over both kinds of USC session: directories under the data root
 * and agent (EPU) sessions in the store. Resolves `{project}/{user}/{id}` to
 * a session and computes its status from the disk and the store.
 */
import type { Acquisition } from "../model/entities.js";
import type { ProcessingSummary } from "../model/processing.js";
import type { Store } from "../store/store.js";
import { findAgentSession, listAgentSessions, type AgentMapping } from "./agent-sessions.js";
import type { DataRootRef } from "./register.js";
import type { DataRootScanner, SessionScan } from "./scanner.js";
import { uscStatus, type StatusCounts, type StatusNumbers } from "./status.js";
import type { DataRootSync } from "./sync.js";

/** A session directory under the data root. */
export interface DataRootSession {
  readonly source: "data_root";
  readonly id: string;
  readonly ref: DataRootRef;
  readonly scan: SessionScan;
}

/** An EPU session an agent sent. */
export interface AgentSession {
  readonly source: "agent";
  readonly id: string;
  readonly acquisition: Acquisition;
}

export type UscSession = DataRootSession | AgentSession;

/** Start parameters in the USC service's names. */
export interface UscParams {
  readonly apix?: number;
  readonly fmdose?: number;
  readonly kev?: number;
  readonly superresolution?: boolean;
}

/** A session's status: the USC numbers plus where it comes from. */
export interface SessionStatus extends StatusNumbers {
  readonly session_id: string;
  readonly source: "data_root" | "agent";
  /** The store's acquisition, once the session is registered (always for agent sessions). */
  readonly acquisition_id?: string;
  /** The EPU session name (agent sessions). */
  readonly name?: string;
  /** Stored start parameters. */
  readonly params: UscParams;
}

/** Collaborators of UscCatalog. */
export interface CatalogDeps {
  readonly store: Store;
  readonly mapping: AgentMapping;
  readonly sync: DataRootSync;
  /** Absent when no data root is configured. */
  readonly scanner?: DataRootScanner;
}

/** Resolves and describes USC sessions. */
export class UscCatalog {
  constructor(private readonly deps: CatalogDeps) {}

  /** Every session of (project, user): data-root directories first (by name), then agent sessions (oldest first). */
  async list(project: string, user: string): Promise<UscSession[]> {
    const out: UscSession[] = [];
    const scanner = this.deps.scanner;
    for (const session of (await scanner?.listSessions(project, user)) ?? []) {
      const scan = await scanner!.scanSession(project, user, session);
      if (scan !== undefined) out.push({ source: "data_root", id: session, ref: { project, user, session }, scan });
    }
    for (const a of await listAgentSessions(this.deps.store, this.deps.mapping, project, user)) out.push({ source: "agent", id: a.id, acquisition: a });
    return out;
  }

  /**
   * The session `id` of (project, user), or undefined. An id that is the UUID
   * of an agent session of this project and user names that session; any
   * other id is a directory under the data root.
   */
  async resolve(project: string, user: string, id: string): Promise<UscSession | undefined> {
    const agent = await findAgentSession(this.deps.store, this.deps.mapping, project, user, id);
    if (agent !== undefined) return { source: "agent", id, acquisition: agent };
    const scan = await this.deps.scanner?.scanSession(project, user, id);
    return scan === undefined ? undefined : { source: "data_root", id, ref: { project, user, session: id }, scan };
  }

  /** The store's acquisition of a session; undefined for a data-root session never registered. */
  async acquisitionId(s: UscSession): Promise<string | undefined> {
    return s.source === "agent" ? s.acquisition.id : this.deps.sync.acquisitionId(s.ref);
  }

  /**
   * The session's status. A running data-root session is synced first, so
   * movies that arrived since are registered (and queued by processing).
   */
  async status(s: UscSession): Promise<SessionStatus> {
    if (s.source === "agent") {
      const summary = await this.deps.store.processingSummary(s.acquisition.id);
      return this.build(s, fromSummary(summary, summary?.movies ?? 0), s.acquisition.id, summary, s.acquisition.name);
    }
    const acquisitionId = await this.deps.sync.acquisitionId(s.ref);
    if (acquisitionId === undefined) {
      const counts: StatusCounts = { raw: s.scan.movies.length, processed: s.scan.processed, failedMicrographs: 0, failedJobs: 0, started: 0, inFlight: 0, running: false };
      return this.build(s, counts, undefined, undefined);
    }
    let summary = await this.deps.store.processingSummary(acquisitionId);
    if (summary?.settings.state === "running" && (await this.deps.sync.sync(s.ref, s.scan)).added > 0) {
      summary = await this.deps.store.processingSummary(acquisitionId);
    }
    return this.build(s, fromSummary(summary, s.scan.movies.length), acquisitionId, summary);
  }

  private build(s: UscSession, counts: StatusCounts, acquisitionId: string | undefined, summary: ProcessingSummary | undefined, name?: string): SessionStatus {
    return {
      ...uscStatus(counts),
      session_id: s.id,
      source: s.source,
      ...(acquisitionId === undefined ? {} : { acquisition_id: acquisitionId }),
      ...(name === undefined ? {} : { name }),
      params: uscParams(summary?.settings.params ?? {}),
    };
  }
}

/** Status counts from the store's summary; `raw` is given (disk count for data-root sessions). */
export function fromSummary(summary: ProcessingSummary | undefined, raw: number): StatusCounts {
  if (summary === undefined) return { raw, processed: 0, failedMicrographs: 0, failedJobs: 0, started: 0, inFlight: 0, running: false };
  const steps = Object.values(summary.steps);
  return {
    raw,
    processed: summary.processed,
    failedMicrographs: summary.failed,
    failedJobs: steps.reduce((n, c) => n + c.failed, 0),
    started: summary.started,
    inFlight: steps.reduce((n, c) => n + c.queued + c.running, 0),
    running: summary.settings.state === "running",
  };
}

/** The stored settings' parameters (emflow names: apix, dosePerFrame, kv, superResolution) in USC names. */
export function uscParams(params: Record<string, unknown>): UscParams {
  const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  const out: { apix?: number; fmdose?: number; kev?: number; superresolution?: boolean } = {};
  const apix = num(params.apix);
  const fmdose = num(params.dosePerFrame);
  const kev = num(params.kv);
  if (apix !== undefined) out.apix = apix;
  if (fmdose !== undefined) out.fmdose = fmdose;
  if (kev !== undefined) out.kev = kev;
  if (typeof params.superResolution === "boolean") out.superresolution = params.superResolution;
  return out;
}
