/**
 * Choosing the work transport: RabbitMQ when a broker URL is configured
 * (production, many workers), otherwise the job table in emflow's own
 * database (the embedded default, nothing to install).
 */
import { openAmqpTransport, type AmqpTransportOptions } from "./amqp/amqp-transport.js";
import type { QueueSqlClient } from "./sql/sql-client.js";
import { openSqlTransport, type SqlTransportOptions } from "./sql/sql-transport.js";
import type { WorkTransport } from "./transport.js";

/** Where the queues live. */
export interface WorkTransportConfig {
  /** RabbitMQ (e.g. from AMQP_URL); when set, the database is not used for queues. */
  readonly amqpUrl?: string | undefined;
  /** emflow's database, for the embedded transport. */
  readonly db: QueueSqlClient;
  readonly amqp?: AmqpTransportOptions;
  readonly sql?: SqlTransportOptions;
}

/** Open RabbitMQ when `amqpUrl` is set, the database transport otherwise. */
export function openWorkTransport(config: WorkTransportConfig): Promise<WorkTransport> {
  if (config.amqpUrl !== undefined && config.amqpUrl !== "") return openAmqpTransport(config.amqpUrl, config.amqp);
  return openSqlTransport(config.db, config.sql);
}
