/**
 * Live processing in the server: the ProcessingControl behind the API.
 *
 * - Work goes on a WorkTransport: the job table in the store's own database
 *   (embedded default) or RabbitMQ (`[processing] transport = "amqp"`).
 * - Every micrograph with a movie in a running session starts emflow's
 *   preprocessing recipe (on start/resume for what is there, on ingest for
 *   what arrives); finished micrographs are never queued again.
 * - The services run here too (worker threads) unless `local_workers = false`,
 *   when `emflow worker` processes elsewhere do the work.
 * - Step status updates come back on the results queue and are written to
 *   the store (core's step state machine) and fanned out over SSE.
 */
import { isAbsolute, join } from "node:path";
import type { FastifyBaseLogger } from "fastify";
import { EmflowError, StepUpdate } from "@emflow/core";
import {
  ComputePool,
  openWorkTransport,
  preprocessServices,
  queueNames,
  runServices,
  startPreprocessing,
  type PreprocessJob,
  type RunningServices,
  type WorkTransport,
} from "@emflow/processing";
import type { ProcessingConfig } from "../config/config.js";
import type { ChangeHub } from "../events/hub.js";
import type { IngestOutcome, Store } from "../store/store.js";
import type { DeadLetterInfo, ProcessingControl, QueueBacklog, StartParams } from "./control.js";

export interface LiveProcessingOptions {
  readonly store: Store;
  readonly hub: ChangeHub;
  readonly logger: FastifyBaseLogger;
  readonly config: ProcessingConfig;
  /** Queue-name prefix (default "emflow"; tests use their own). */
  readonly queuePrefix?: string;
  /** Compute in this thread instead of worker threads (tests running from sources). */
  readonly inlineCompute?: boolean;
  readonly now?: () => Date;
}

/** Open the transport, start the local services and the results consumer. */
export async function startLiveProcessing(o: LiveProcessingOptions): Promise<ProcessingControl> {
  const cfg = o.config;
  if (cfg.transport === "amqp" && (cfg.amqpUrl === undefined || cfg.amqpUrl === "")) {
    throw new EmflowError("ValidationError", "processing transport amqp needs a broker URL: set AMQP_URL or [processing] amqp_url");
  }
  const transport = await openWorkTransport({ amqpUrl: cfg.transport === "amqp" ? cfg.amqpUrl : undefined, db: o.store.sql });
  const live = new LiveProcessing(o, transport);
  try {
    await live.begin();
  } catch (err) {
    await live.close();
    throw err;
  }
  return live;
}

class LiveProcessing implements ProcessingControl {
  readonly transport: string;
  private readonly queues: ReturnType<typeof queueNames>;
  private pool: ComputePool | undefined;
  private services: RunningServices | undefined;
  private results: { cancel(): Promise<void> } | undefined;
  /** Per session, queueing runs one at a time (start, resume and ingests never race). */
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly now: () => Date;
  private closed = false;

  constructor(
    private readonly o: LiveProcessingOptions,
    private readonly work: WorkTransport,
  ) {
    this.transport = work.kind;
    this.queues = queueNames(o.queuePrefix);
    this.now = o.now ?? (() => new Date());
  }

  async begin(): Promise<void> {
    const cfg = this.o.config;
    this.results = await this.work.consume(this.queues.results, (d) => this.onResult(d.body), { prefetch: 16 });
    if (cfg.localWorkers) {
      this.pool = new ComputePool({ motion: cfg.motion, ctf: cfg.ctf, pick: cfg.pick, tools: cfg.tools }, { size: cfg.concurrency, ...(this.o.inlineCompute ? { inline: true } : {}) });
      const only = cfg.relionProject ? undefined : (["motion", "ctf", "pick", "ice", "thumbnails"] as const);
      this.services = await runServices(
        this.work,
        preprocessServices({ transport: this.work, pool: this.pool, prefetch: cfg.concurrency, ...(this.o.queuePrefix === undefined ? {} : { queuePrefix: this.o.queuePrefix }), ...(only === undefined ? {} : { only }) }),
      );
    }
    this.o.logger.info({ transport: this.work.kind, localWorkers: cfg.localWorkers, threads: this.pool?.threaded ? cfg.concurrency : 0, root: cfg.root }, "live processing ready");
  }

  private async onResult(body: unknown): Promise<void> {
    const parsed = StepUpdate.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new EmflowError("ValidationError", `not a step status update: ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
    }
    const outcome = await this.o.store.recordSteps([parsed.data]);
    if (outcome.events.length > 0) this.o.hub.publish(outcome.events);
    for (const i of outcome.ignored) this.o.logger.debug({ micrographId: parsed.data.micrographId, step: parsed.data.step, reason: i.reason }, "status update ignored");
  }

  /** Run `work` after the session's previous queueing finished. */
  private serial<T>(acquisitionId: string, work: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(acquisitionId) ?? Promise.resolve();
    const next = prev.then(work, work);
    const settled = next.catch(() => undefined);
    this.chains.set(acquisitionId, settled);
    void settled.then(() => {
      if (this.chains.get(acquisitionId) === settled) this.chains.delete(acquisitionId);
    });
    return next;
  }

  async start(acquisitionId: string, params: StartParams = {}): Promise<{ queued: number }> {
    await this.o.store.putProcessingSettings(acquisitionId, { state: "running", params: { ...params } });
    return this.serial(acquisitionId, () => this.queueSession(acquisitionId));
  }

  async resume(acquisitionId: string): Promise<{ queued: number }> {
    await this.o.store.putProcessingSettings(acquisitionId, { state: "running" });
    return this.serial(acquisitionId, () => this.queueSession(acquisitionId));
  }

  async stop(acquisitionId: string): Promise<void> {
    await this.o.store.putProcessingSettings(acquisitionId, { state: "stopped" });
  }

  onIngest(outcome: IngestOutcome): void {
    if (this.closed || outcome.duplicate) return;
    const ids = [...new Set(outcome.events.filter((e) => e.kind === "micrograph").map((e) => e.id))];
    if (ids.length === 0) return;
    const acq = outcome.acquisitionId;
    this.serial(acq, async () => {
      const settings = await this.o.store.getProcessingSettings(acq);
      if (settings.state !== "running") return { queued: 0 };
      return this.queueSession(acq, ids, settings.params);
    }).catch((err: unknown) => this.o.logger.error({ err, acquisitionId: acq }, "could not queue new micrographs"));
  }

  /** Queue the session's micrographs (or those of `ids`) that have a movie and are not done, in flight, or queued. */
  private async queueSession(acquisitionId: string, ids?: readonly string[], params?: Record<string, unknown>): Promise<{ queued: number }> {
    const acquisition = await this.o.store.getAcquisition(acquisitionId);
    if (acquisition === undefined) return { queued: 0 };
    const settingsParams = params ?? (await this.o.store.getProcessingSettings(acquisitionId)).params;
    let queued = 0;
    let afterSeq = 0;
    for (;;) {
      const page = await this.o.store.unprocessedMicrographs(acquisitionId, { afterSeq, limit: 500, ...(ids === undefined ? {} : { ids }) });
      if (page.length === 0) break;
      afterSeq = page[page.length - 1]!.seq;
      for (const m of page) {
        const states = Object.values(m.steps);
        if (states.includes("queued") || states.includes("running")) continue; // already on its way
        if (this.closed) return { queued };
        if (await this.queueOne(acquisition.directory ?? undefined, acquisitionId, m.id, settingsParams, states.length > 0)) queued++;
      }
      if (page.length < 500) break;
    }
    if (queued > 0) this.o.logger.info({ acquisitionId, queued }, "micrographs queued for processing");
    return { queued };
  }

  private async queueOne(directory: string | undefined, acquisitionId: string, micrographId: string, params: Record<string, unknown>, retry: boolean): Promise<boolean> {
    const m = await this.o.store.getMicrograph(micrographId);
    if (m === undefined || m.movieFile === undefined || m.movieFile === null) return false;
    const cfg = this.o.config;
    const num = (k: string): number | undefined => (typeof params[k] === "number" ? (params[k] as number) : undefined);
    const apix = num("apix") ?? m.pixelSizeA ?? undefined;
    const prior = retry ? await this.o.store.getProcessing(micrographId) : undefined;
    const attemptBase = Math.max(0, ...(prior?.steps.map((s) => s.attempts) ?? [0]));
    const at = this.now().toISOString();
    const movie = isAbsolute(m.movieFile) || directory === undefined ? m.movieFile : join(directory, m.movieFile);
    if (apix === undefined) {
      await this.record({ micrographId, step: "motion", state: "failed", attempt: attemptBase + 1, error: "pixel size unknown: start processing with apix (Å/px)", at });
      return false;
    }
    const job: PreprocessJob = {
      micrograph_id: micrographId,
      name: m.naturalId,
      movie,
      out_dir: join(cfg.root, acquisitionId),
      apix,
      kv: num("kv") ?? m.voltageKv ?? 300,
      cs: num("cs") ?? cfg.cs,
      ac: num("ac") ?? cfg.ac,
      diameter: num("diameter") ?? cfg.diameter,
      ...(num("dosePerFrame") !== undefined ? { dose_per_frame: num("dosePerFrame")! } : m.doseEA2 != null && m.doseEA2 > 0 ? { dose_total: m.doseEA2 } : {}),
      ...(m.appliedDefocusA != null ? { applied_defocus: Math.abs(m.appliedDefocusA) } : {}),
      ...(typeof params.gain === "string" ? { gain: params.gain } : {}),
      attempt_base: attemptBase,
    };
    await startPreprocessing(this.work, job, { run: String(attemptBase + 1), ...(this.o.queuePrefix === undefined ? {} : { queuePrefix: this.o.queuePrefix }) });
    await this.record({ micrographId, step: "motion", state: "queued", attempt: attemptBase + 1, at });
    return true;
  }

  private async record(u: StepUpdate): Promise<void> {
    const r = await this.o.store.recordSteps([u]);
    if (r.events.length > 0) this.o.hub.publish(r.events);
  }

  async backlog(): Promise<QueueBacklog[]> {
    const names = Object.values(this.queues);
    return (await this.work.stats(names)).map((s) => ({ queue: s.queue, ready: s.ready, inFlight: s.inFlight, dead: s.dead }));
  }

  async deadLetters(queue?: string): Promise<DeadLetterInfo[]> {
    const letters = await this.work.deadLetters(queue);
    return letters.map((d) => {
      const job = (d.body as { environment?: { job?: { micrograph_id?: unknown } }; payload?: { micrograph_id?: unknown } } | null) ?? {};
      const mid = job.payload?.micrograph_id ?? job.environment?.job?.micrograph_id;
      const step = Object.entries(this.queues).find(([, q]) => q === d.queue)?.[0];
      return {
        id: d.id,
        queue: d.queue,
        error: d.error,
        deliveries: d.deliveryCount,
        ...(typeof mid === "string" ? { micrographId: mid } : {}),
        ...(step === undefined ? {} : { step }),
        at: d.deadAt.toISOString(),
      };
    });
  }

  reinject(ids?: readonly string[]): Promise<number> {
    return this.work.reinject(ids === undefined || ids.length === 0 ? "all" : ids);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.chains.values()]);
    await this.services?.stop().catch(() => undefined);
    await this.results?.cancel().catch(() => undefined);
    await this.work.close().catch(() => undefined);
    await this.pool?.close();
  }
}
