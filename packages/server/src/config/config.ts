/**
 * Server configuration: defaults < TOML file (emflow.toml) < environment <
 * overrides (CLI flags). Every source is validated with zod; a bad file gives
 * one line naming the file, the key and what is wrong.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse as parseToml, TomlError } from "smol-toml";
import { z } from "zod";
import { ValidationError } from "../errors.js";
import { resolveUscConfig, UscConfigSection, type UscConfig } from "../usc/config.js";

const LogLevel = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);
/** pino log levels. */
export type LogLevel = z.infer<typeof LogLevel>;

/** One write credential: `user:token`. */
export interface Credential {
  readonly user: string;
  readonly token: string;
}

const Credential = z
  .string()
  .regex(/^[^:\s]+:\S{8,}$/, 'must be "user:token" with a token of at least 8 characters and no spaces')
  .transform((s): Credential => ({ user: s.slice(0, s.indexOf(":")), token: s.slice(s.indexOf(":") + 1) }));

const Port = z.coerce.number().int().min(0).max(65535);

/** The file's shape (snake_case keys, as TOML users expect). */
const ConfigFile = z
  .object({
    server: z.object({ port: Port, host: z.string().min(1), body_limit_mb: z.number().positive().max(1024) }).partial().strict(),
    store: z.object({ data_dir: z.string().min(1), database_url: z.string().min(1) }).partial().strict(),
    auth: z.object({ tokens: z.array(Credential) }).partial().strict(),
    log: z.object({ level: LogLevel }).partial().strict(),
    processing: z
      .object({
        enabled: z.boolean(),
        root: z.string().min(1),
        transport: z.enum(["sql", "amqp"]),
        amqp_url: z.string().min(1),
        local_workers: z.boolean(),
        concurrency: z.number().int().min(1).max(64),
        motion: z.enum(["builtin", "relion", "motioncor2"]),
        ctf: z.enum(["builtin", "ctffind"]),
        pick: z.enum(["builtin", "relion", "cryolo"]),
        cs: z.number().min(0).max(20),
        ac: z.number().min(0).max(1),
        diameter: z.number().positive().max(10_000),
        relion_project: z.boolean(),
        tools: z.record(z.string(), z.string().min(1)),
      })
      .partial()
      .strict(),
    usc: UscConfigSection,
    decisions: z
      .object({
        enabled: z.boolean(),
        debounce_ms: z.number().int().min(0).max(600_000),
        athena_url: z.string().url(),
        athena_token: z.string().min(1),
        instruction_ttl_s: z.number().int().min(10).max(86_400),
        keep_instructions_days: z.number().positive().max(3650),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict();

/** Which implementation runs each step. */
export type MotionTool = "builtin" | "relion" | "motioncor2";
export type CtfTool = "builtin" | "ctffind";
export type PickTool = "builtin" | "relion" | "cryolo";

/** Live processing settings (`[processing]` in emflow.toml). */
export interface ProcessingConfig {
  /** Run live processing in this server (queue new movies, store results). */
  readonly enabled: boolean;
  /** Where outputs go: one RELION-style project directory per session under it (absolute). */
  readonly root: string;
  /** Work queues: "sql" (a job table in the store's database, the default) or "amqp" (RabbitMQ). */
  readonly transport: "sql" | "amqp";
  readonly amqpUrl: string | undefined;
  /** Run the processing services in this process too (off when `emflow worker`s elsewhere do the work). */
  readonly localWorkers: boolean;
  /** Movies processed at once by the local workers. */
  readonly concurrency: number;
  readonly motion: MotionTool;
  readonly ctf: CtfTool;
  readonly pick: PickTool;
  /** Defaults for what the files do not say: Cs (mm), amplitude contrast, particle diameter (Å). */
  readonly cs: number;
  readonly ac: number;
  readonly diameter: number;
  /** Keep a RELION project (Import/MotionCorr/CtfFind/AutoPick + default_pipeline.star) per session. */
  readonly relionProject: boolean;
  /** Paths of external programs by id (relion_run_motioncorr, relion_autopick, motioncor2, ctffind, cryolo). */
  readonly tools: Readonly<Record<string, string>>;
}

/** Acquisition decisions (`[decisions]` in emflow.toml). */
export interface DecisionsConfig {
  /** Score squares and holes and make decisions in this server (per-session mode: off, advise, auto). */
  readonly enabled: boolean;
  /** After new results, wait this long for more before deciding again. */
  readonly debounceMs: number;
  /** The Smart EPU Decision Service (Athena) for sessions whose link is "athena". */
  readonly athenaUrl: string | undefined;
  readonly athenaToken: string | undefined;
  /** How long an instruction to the agent stays valid. */
  readonly instructionTtlS: number;
  /** Closed instructions (acked, expired, superseded) older than this are deleted (hourly). */
  readonly keepInstructionsDays: number;
}

/** The resolved configuration. */
export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  /** PGlite data directory (absolute); unused when `databaseUrl` is set. */
  readonly dataDir: string;
  /** PostgreSQL connection string; switches the store to PostgreSQL. */
  readonly databaseUrl: string | undefined;
  /** Write credentials; empty = writes only from loopback. */
  readonly tokens: readonly Credential[];
  readonly logLevel: LogLevel;
  /** Largest accepted request body. */
  readonly bodyLimitBytes: number;
  /** SSE heartbeat interval. */
  readonly sseHeartbeatMs: number;
  readonly processing: ProcessingConfig;
  /** The USC CryoEM Service-compatible session API (`[usc]`; see usc/config.ts). */
  readonly usc: UscConfig;
  readonly decisions: DecisionsConfig;
  /** The file the config came from, if any. */
  readonly configFile: string | undefined;
}

/** Where `loadConfig` reads from. */
export interface LoadConfigOptions {
  /** Path of a TOML file (`--config`); else EMFLOW_CONFIG; else ./emflow.toml when it exists. */
  readonly file?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly overrides?: Partial<Omit<ServerConfig, "configFile" | "usc">>;
  /** Field-wise overrides of the USC settings (e.g. `--data-root`). */
  readonly usc?: Partial<UscConfig>;
  /** Directory relative paths are resolved against (default process.cwd()). */
  readonly cwd?: string;
}

const Env = z.object({
  EMFLOW_PORT: Port.optional(),
  EMFLOW_HOST: z.string().min(1).optional(),
  EMFLOW_DATA_DIR: z.string().min(1).optional(),
  DATABASE_URL: z.string().min(1).optional(),
  EMFLOW_TOKENS: z
    .string()
    .transform((s) => s.split(",").map((t) => t.trim()).filter((t) => t.length > 0))
    .pipe(z.array(Credential))
    .optional(),
  EMFLOW_LOG_LEVEL: LogLevel.optional(),
  AMQP_URL: z.string().min(1).optional(),
  EMFLOW_PROCESSING: z.enum(["on", "off", "true", "false", "1", "0"]).optional(),
  EMFLOW_PROCESSING_ROOT: z.string().min(1).optional(),
  EMFLOW_TRANSPORT: z.enum(["sql", "amqp"]).optional(),
  EMFLOW_DECISIONS: z.enum(["on", "off", "true", "false", "1", "0"]).optional(),
  EMFLOW_ATHENA_URL: z.string().url().optional(),
});

/** Read, validate and merge the configuration. Throws ValidationError with a one-line message. */
export function loadConfig(opts: LoadConfigOptions = {}): ServerConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const fromEnvOrDefault = opts.file ?? nonEmpty(env.EMFLOW_CONFIG) ?? (existsSync(resolve(cwd, "emflow.toml")) ? "emflow.toml" : undefined);
  const path = fromEnvOrDefault === undefined ? undefined : resolve(cwd, fromEnvOrDefault);
  const file = path === undefined ? {} : readConfigFile(path);
  // Relative paths in the file are relative to the file, so a config works from any cwd.
  const fileDir = path === undefined ? cwd : dirname(path);

  const e = Env.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== "")));
  if (!e.success) throw new ValidationError(`environment: ${formatIssue(e.error.issues[0])}`);
  const vars = e.data;

  const config: ServerConfig = {
    port: vars.EMFLOW_PORT ?? file.server?.port ?? 8080,
    host: vars.EMFLOW_HOST ?? file.server?.host ?? "127.0.0.1",
    dataDir:
      vars.EMFLOW_DATA_DIR !== undefined
        ? resolve(cwd, vars.EMFLOW_DATA_DIR)
        : file.store?.data_dir !== undefined
          ? resolve(fileDir, file.store.data_dir)
          : resolve(cwd, ".emflow"),
    databaseUrl: vars.DATABASE_URL ?? file.store?.database_url,
    tokens: vars.EMFLOW_TOKENS ?? file.auth?.tokens ?? [],
    logLevel: vars.EMFLOW_LOG_LEVEL ?? file.log?.level ?? "info",
    bodyLimitBytes: Math.round((file.server?.body_limit_mb ?? 20) * 1024 * 1024),
    sseHeartbeatMs: 15_000,
    processing: processingConfig(file.processing ?? {}, vars, cwd, fileDir),
    usc: resolveUscConfig({ ...(file.usc === undefined ? {} : { section: file.usc }), env, fileDir, cwd, ...(opts.usc === undefined ? {} : { overrides: opts.usc }) }),
    decisions: {
      enabled: vars.EMFLOW_DECISIONS === undefined ? (file.decisions?.enabled ?? true) : ["on", "true", "1"].includes(vars.EMFLOW_DECISIONS),
      debounceMs: file.decisions?.debounce_ms ?? 2000,
      athenaUrl: vars.EMFLOW_ATHENA_URL ?? file.decisions?.athena_url,
      athenaToken: file.decisions?.athena_token,
      instructionTtlS: file.decisions?.instruction_ttl_s ?? 600,
      keepInstructionsDays: file.decisions?.keep_instructions_days ?? 30,
    },
    configFile: path,
  };
  return { ...config, ...definedOnly(opts.overrides ?? {}) };
}

function processingConfig(
  f: NonNullable<z.infer<typeof ConfigFile>["processing"]>,
  vars: z.infer<typeof Env>,
  cwd: string,
  fileDir: string,
): ProcessingConfig {
  const flag = vars.EMFLOW_PROCESSING;
  const amqpUrl = vars.AMQP_URL ?? f.amqp_url;
  return {
    enabled: flag === undefined ? (f.enabled ?? false) : ["on", "true", "1"].includes(flag),
    root:
      vars.EMFLOW_PROCESSING_ROOT !== undefined
        ? resolve(cwd, vars.EMFLOW_PROCESSING_ROOT)
        : f.root !== undefined
          ? resolve(fileDir, f.root)
          : resolve(cwd, ".emflow", "processing"),
    transport: vars.EMFLOW_TRANSPORT ?? f.transport ?? "sql",
    amqpUrl,
    localWorkers: f.local_workers ?? true,
    concurrency: f.concurrency ?? 1,
    motion: f.motion ?? "builtin",
    ctf: f.ctf ?? "builtin",
    pick: f.pick ?? "builtin",
    cs: f.cs ?? 2.7,
    ac: f.ac ?? 0.1,
    diameter: f.diameter ?? 150,
    relionProject: f.relion_project ?? true,
    tools: f.tools ?? {},
  };
}

function readConfigFile(path: string): z.infer<typeof ConfigFile> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ValidationError(`${path}: cannot read the config file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (err) {
    const where = err instanceof TomlError ? `:${err.line}` : "";
    const message = (err as Error).message.split("\n")[0];
    throw new ValidationError(`${path}${where}: not valid TOML: ${message}`);
  }
  const parsed = ConfigFile.safeParse(raw);
  if (!parsed.success) throw new ValidationError(`${path}: ${formatIssue(parsed.error.issues[0])}`);
  return parsed.data;
}

function formatIssue(issue: z.core.$ZodIssue | undefined): string {
  if (issue === undefined) return "invalid";
  const path = issue.path.map(String).join(".");
  const message = issue.message.replace(/^Invalid input: /, "");
  return path.length > 0 ? `${path}: ${message}` : message;
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === "" ? undefined : s;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
