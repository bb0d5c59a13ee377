/**
 * `emflow serve` (the HTTP API) and `emflow demo` (server + synthetic session
 * + agent in one process, what `npm start` runs).
 */
import type { Command } from "commander";
import type { Logger } from "pino";
import type { ServerConfig } from "@emflow/server";
import { positive, positiveInt } from "../ui/flags.js";
import { untilInterrupted } from "../ui/signals.js";

type Run = (work: () => Promise<number>) => void;

/** Add serve and demo to the program. */
export function registerServerCommands(program: Command, run: Run, logger: () => Logger): void {
  program
    .command("serve")
    .description("run the HTTP API (and live event stream) on the embedded database, or PostgreSQL with DATABASE_URL")
    .option("--port <port>", "port to listen on (env EMFLOW_PORT; default 8080)", positiveInt("--port"))
    .option("--host <host>", "interface to bind (env EMFLOW_HOST; default 127.0.0.1; 0.0.0.0 for all)")
    .option("--data-dir <dir>", "embedded database directory (env EMFLOW_DATA_DIR; default ./.emflow)")
    .option("--config <file>", "TOML config file (env EMFLOW_CONFIG; default ./emflow.toml if present)")
    .option("--data-root <dir>", "USC-style data root <root>/<project>/sessions/<user>/<session>/raw (env EMFLOW_DATA_ROOT)")
    .option("--process", "run live processing (env EMFLOW_PROCESSING=on; [processing] in emflow.toml)")
    .option("--concurrency <n>", "movies processed at once by this server's own workers", positiveInt("--concurrency"))
    .addHelpText(
      "after",
      `
Configuration (later wins): defaults < emflow.toml < environment < flags.
  emflow.toml:  [server] port, host, body_limit_mb   [store] data_dir, database_url
                [auth] tokens = ["user:token", ...]   [log] level
  environment:  EMFLOW_PORT EMFLOW_HOST EMFLOW_DATA_DIR DATABASE_URL EMFLOW_TOKENS=user:token,... EMFLOW_LOG_LEVEL
Writes (POST /api/v1/ingest) need 'Authorization: Bearer <token>' when tokens are configured;
without tokens, only clients on this machine may write. Reads are open.
Endpoints: /api/v1/health, /api/v1/acquisitions[/:id[/summary|/grids]], /api/v1/grids/:id[/atlas|/grid-squares],
/api/v1/grid-squares/:id[/foil-holes], /api/v1/foil-holes/:id[/micrographs], /api/v1/micrographs[/:id/processing],
/api/v1/acquisitions/:id/processing[/failures|/start|/stop|/resume], /api/v1/queues[/dead-letters[/reinject]],
/api/v1/events (SSE); decisions: /api/v1/acquisitions/:id/scores|acquisition-order|decisions|decision-settings,
/api/v1/decisions/:id[/accept|/reject], /api/v1/acquisitions/:id/decisions/override; USC-compatible /{project}/{user}/sessions, /{project}/{user}/session/{id}[/start-processing|...].
Processing ([processing] in emflow.toml): transport sql (default, the job table) or amqp (AMQP_URL);
motion builtin|relion|motioncor2, ctf builtin|ctffind, pick builtin|relion|cryolo; outputs under root (a RELION
project per session). Decisions ([decisions] in emflow.toml): per session off | advise (default) | auto,
policy ucb | greedy | epu, link none | athena (athena_url, EMFLOW_ATHENA_URL) | agent.
Interactive docs at /docs, OpenAPI at /openapi.json.`,
    )
    .action((o: { port?: number; host?: string; dataDir?: string; config?: string; dataRoot?: string; process?: boolean; concurrency?: number }) =>
      run(async () => {
        const log = logger();
        const { createServer, loadConfig } = await import("@emflow/server");
        const loaded: ServerConfig = loadConfig({
          ...(o.config === undefined ? {} : { file: o.config }),
          overrides: { ...(o.port === undefined ? {} : { port: o.port }), ...(o.host === undefined ? {} : { host: o.host }), ...(o.dataDir === undefined ? {} : { dataDir: o.dataDir }) },
          ...(o.dataRoot === undefined ? {} : { usc: { dataRoot: o.dataRoot } }),
        });
        const config: ServerConfig = {
          ...loaded,
          processing: { ...loaded.processing, ...(o.process ? { enabled: true } : {}), ...(o.concurrency === undefined ? {} : { concurrency: o.concurrency }) },
        };
        const server = await createServer(config, { logger: log });
        const url = await server.listen();
        log.info({ url, docs: `${url}/docs`, store: server.store.kind }, "emflow server listening");
        const why = await untilInterrupted();
        log.info({ signal: why }, "shutting down");
        await server.close();
        return 0;
      }),
    );

  program
    .command("demo")
    .description("everything in one process: server on a fresh embedded database, a synthetic session written at EPU's pace, and the agent following it")
    .option("--port <port>", "port for the API (falls back to a free port if taken)", positiveInt("--port"), 8080)
    .option("--squares <n>", "grid squares in the synthetic session", positiveInt("--squares"), 6)
    .option("--holes-per-square <n>", "foil holes per square", positiveInt("--holes-per-square"), 20)
    .option("--shots-per-hole <n>", "exposures per hole", positiveInt("--shots-per-hole"), 4)
    .option("--speed <x>", "times faster than EPU (1 = real pace, ~6 s per exposure)", positive("--speed"), 20)
    .option("--keep", "keep the temporary directory (session, outbox, database) after Ctrl-C")
    .option("--no-process", "placeholder movies and no live processing (metadata only)")
    .action((o: { port: number; squares: number; holesPerSquare: number; shotsPerHole: number; speed: number; keep?: boolean; process: boolean }) =>
      run(async () => (await import("./demo.js")).runDemo({ ...o, keep: o.keep ?? false }, logger())),
    );
}
