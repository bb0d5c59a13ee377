/**
 * `emflow worker`: the preprocessing services on this machine, consuming the
 * work queues of a server's RabbitMQ (AMQP_URL) or PostgreSQL (DATABASE_URL)
 * job table. Status updates go back on the results queue, which the server
 * consumes; a worker never touches the store's tables.
 */
import { availableParallelism } from "node:os";
import type { Logger } from "pino";
import { ComputePool, openAmqpTransport, openSqlTransport, preprocessServices, runServices, SERVICE_NAMES, type ServiceName, type WorkTransport } from "@emflow/processing";
import { loadConfig, openPostgres } from "@emflow/server";
import { UsageError } from "../ui/errors.js";
import { untilInterrupted } from "../ui/signals.js";

export interface WorkerFlags {
  services?: string;
  concurrency?: number;
  config?: string;
  queuePrefix?: string;
}

/** Parse `--services motion,ctf`. */
export function serviceList(s: string | undefined): ServiceName[] | undefined {
  if (s === undefined) return undefined;
  const names = s.split(",").map((x) => x.trim()).filter((x) => x.length > 0);
  const bad = names.filter((n) => !(SERVICE_NAMES as readonly string[]).includes(n));
  if (bad.length > 0 || names.length === 0) throw new UsageError(`--services: unknown ${bad.join(", ") || "(empty)"}; choose from ${SERVICE_NAMES.join(", ")}`);
  return names as ServiceName[];
}

/** Run the services until Ctrl-C. */
export async function runWorker(o: WorkerFlags, log: Logger): Promise<number> {
  const config = loadConfig(o.config === undefined ? {} : { file: o.config });
  const p = config.processing;
  // The RELION project has one writer: leave it to the server unless asked for.
  const only = serviceList(o.services) ?? SERVICE_NAMES.filter((s) => s !== "relion");
  const concurrency = o.concurrency ?? Math.max(1, availableParallelism() - 1);
  let close: (() => Promise<void>) | undefined;
  let transport: WorkTransport;
  if (p.amqpUrl !== undefined) {
    transport = await openAmqpTransport(p.amqpUrl);
  } else if (config.databaseUrl !== undefined) {
    const db = await openPostgres({ connectionString: config.databaseUrl });
    close = () => db.close();
    transport = await openSqlTransport(db);
  } else {
    throw new UsageError("a worker needs the server's queues: set AMQP_URL (RabbitMQ) or DATABASE_URL (PostgreSQL job table); the embedded database is private to its server");
  }
  const pool = new ComputePool({ motion: p.motion, ctf: p.ctf, pick: p.pick, tools: p.tools }, { size: concurrency });
  const services = await runServices(transport, preprocessServices({ transport, pool, only, prefetch: concurrency, ...(o.queuePrefix === undefined ? {} : { queuePrefix: o.queuePrefix }) }));
  log.info({ transport: transport.kind, services: only, threads: concurrency }, "emflow worker running; Ctrl-C stops after the steps in progress");
  const why = await untilInterrupted();
  log.info({ signal: why }, "stopping");
  await services.stop();
  await transport.close();
  await pool.close();
  await close?.();
  return 0;
}
