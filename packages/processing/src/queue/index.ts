/** Durable work queues: the port, its two adapters, and the helpers around them. */
export type { ConsumeOptions, Consumer, DeadLetter, Delivery, Handler, Json, MessageHeaders, OutgoingMessage, PublishOptions, QueueStats, ReinjectSelection, RetryPolicy, WorkTransport } from "./transport.js";
export { PUBLISHED, reduceMessage, type MessageAction, type MessageState, type MessageStatus } from "./message-state.js";
export { DEFAULT_DELIVERY_LIMIT, cappedBackoff, silentLogger, systemClock, type Clock, type QueueLogger, type TransportOptions } from "./options.js";
export { checkQueueName } from "./validate.js";
export { idempotent, ledgerKey, memoryLedger, type IdempotencyLedger } from "./idempotency.js";
export type { QueueSqlClient, SqlQueryable as QueueSqlQueryable } from "./sql/sql-client.js";
export { migrateQueueTables } from "./sql/schema.js";
export { openSqlTransport, type SqlTransportOptions } from "./sql/sql-transport.js";
export { sqlLedger } from "./sql/sql-ledger.js";
export { openAmqpTransport, type AmqpTransportOptions } from "./amqp/amqp-transport.js";
export { openWorkTransport, type WorkTransportConfig } from "./open.js";
