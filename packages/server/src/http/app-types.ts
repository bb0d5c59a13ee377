/** The fastify instance type every route module registers on, and what routes need. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from "fastify";
import type { ServerConfig } from "../config/config.js";
import type { ChangeHub } from "../events/hub.js";
import type { ProcessingControl } from "../processing/control.js";
import type { Store } from "../store/store.js";
import type { ZodTypeProvider } from "./zod-schemas.js";

/** fastify with our zod type provider. */
export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

/** Shared dependencies of the route modules. */
export interface RouteContext {
  readonly store: Store;
  readonly hub: ChangeHub;
  readonly config: ServerConfig;
  readonly version: string;
  readonly startedAt: number;
  /** Live processing, when this server runs it. */
  readonly processing?: ProcessingControl;
}
