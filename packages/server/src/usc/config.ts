/**
 * Settings of the USC-compatible session API: the `[usc]` table of
 * emflow.toml and its environment variables, validated with zod.
 *
 * ```toml
 * [usc]
 * data_root = "/cryoem1"               # EMFLOW_DATA_ROOT (relative: to this file; from the env: to the cwd)
 * tokens = ["alice:a-long-token"]      # EMFLOW_USC_TOKENS="alice:tok,bob:tok" (replaces); empty: [auth] tokens
 * admins = ["staff"]                   # EMFLOW_USC_ADMINS="staff,ops": may see every user's sessions
 * agent_project = "epu"                # EMFLOW_USC_AGENT_PROJECT: the project agent (EPU) sessions appear under
 * agent_user = "epu"                   # EMFLOW_USC_AGENT_USER: their user, unless agent_owners says otherwise
 * agent_owners = { "cm40593" = "alice" } # EPU session name prefix → user (longest prefix wins)
 * prefix = ""                          # EMFLOW_USC_PREFIX: URL prefix, e.g. "/usc"; "" = the USC service's own paths
 * cache_ttl_ms = 2000                  # how long a session's disk scan is reused
 * sync_interval_s = 30                 # EMFLOW_USC_SYNC_INTERVAL_S: register new movies of running sessions; 0 = only on requests
 * settle_s = 10                        # a movie is registered once unmodified this long (still being written otherwise)
 * ```
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import type { Credential } from "../config/config.js";
import { ValidationError } from "../errors.js";
import { formatZodError } from "../http/zod-schemas.js";
import { SafeSegment } from "./segments.js";

const UscCredential = z
  .string()
  .regex(/^[^:\s]+:\S{8,}$/, 'must be "user:token" with a token of at least 8 characters and no spaces')
  .transform((s): Credential => ({ user: s.slice(0, s.indexOf(":")), token: s.slice(s.indexOf(":") + 1) }))
  .refine((c) => SafeSegment.safeParse(c.user).success, "the user must be a plain name (letters, digits, _ . + -)");

const Prefix = z
  .string()
  .regex(/^(\/[A-Za-z0-9_-]+)*$/, 'must be "" or like "/usc" (no trailing slash)');

/** The `[usc]` table of emflow.toml (snake_case, as TOML users expect). Add it to config.ts's ConfigFile as `usc`. */
export const UscConfigSection = z
  .object({
    data_root: z.string().min(1),
    tokens: z.array(UscCredential),
    admins: z.array(SafeSegment),
    agent_project: SafeSegment,
    agent_user: SafeSegment,
    agent_owners: z.record(z.string().min(1).max(300), SafeSegment),
    prefix: Prefix,
    cache_ttl_ms: z.number().int().min(0).max(600_000),
    sync_interval_s: z.number().min(0).max(86_400),
    settle_s: z.number().min(0).max(3600),
  })
  .partial()
  .strict();
export type UscConfigSection = z.infer<typeof UscConfigSection>;

/** "a,b , c" → ["a", "b", "c"]. */
const commaList = z.string().transform((s) => s.split(",").map((t) => t.trim()).filter((t) => t.length > 0));

/** The environment variables (all optional; empty strings count as unset). */
export const UscEnv = z.object({
  EMFLOW_DATA_ROOT: z.string().min(1).optional(),
  EMFLOW_USC_TOKENS: commaList.pipe(z.array(UscCredential)).optional(),
  EMFLOW_USC_ADMINS: commaList.pipe(z.array(SafeSegment)).optional(),
  EMFLOW_USC_AGENT_PROJECT: SafeSegment.optional(),
  EMFLOW_USC_AGENT_USER: SafeSegment.optional(),
  EMFLOW_USC_PREFIX: Prefix.optional(),
  EMFLOW_USC_SYNC_INTERVAL_S: z.coerce.number().min(0).max(86_400).optional(),
});

/** The resolved settings. */
export interface UscConfig {
  /** Absolute data root; undefined = only agent (EPU) sessions are served. */
  readonly dataRoot: string | undefined;
  /** Per-user tokens of this API; empty = use the server's [auth] tokens (see auth.ts). */
  readonly tokens: readonly Credential[];
  /** Users who may see every user's sessions. */
  readonly admins: readonly string[];
  readonly agentProject: string;
  readonly agentUser: string;
  /** EPU session name prefix → user, longest prefix first. */
  readonly agentOwners: ReadonlyArray<{ readonly prefix: string; readonly user: string }>;
  /** URL prefix of every route ("" = root, as the USC service). */
  readonly prefix: string;
  readonly cacheTtlMs: number;
  /** Period of the background sync of running data-root sessions; 0 = off. */
  readonly syncIntervalMs: number;
  /** A raw movie is registered once unmodified this long. */
  readonly settleMs: number;
}

/** Where resolveUscConfig reads from. */
export interface ResolveUscConfigOptions {
  /** The parsed `[usc]` table, if the file has one. */
  readonly section?: UscConfigSection;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Directory of the config file (relative `data_root` in the file is relative to it). */
  readonly fileDir?: string;
  /** Directory relative environment paths resolve against (default process.cwd()). */
  readonly cwd?: string;
  /** CLI flags (e.g. `emflow serve --data-root DIR`), applied last; a relative dataRoot resolves against cwd. */
  readonly overrides?: Partial<UscConfig>;
}

/** Merge defaults < `[usc]` table < environment < overrides. Throws ValidationError with a one-line message. */
export function resolveUscConfig(opts: ResolveUscConfigOptions = {}): UscConfig {
  const cwd = opts.cwd ?? process.cwd();
  const file = opts.section ?? {};
  const env = opts.env ?? process.env;
  const e = UscEnv.safeParse(Object.fromEntries(Object.entries(env).filter(([k, v]) => v !== undefined && v !== "" && k in UscEnv.shape)));
  if (!e.success) throw new ValidationError(`environment: ${formatZodError(e.error)}`);
  const v = e.data;
  const o = opts.overrides ?? {};
  const dataRoot =
    o.dataRoot !== undefined
      ? resolve(cwd, o.dataRoot)
      : v.EMFLOW_DATA_ROOT !== undefined
        ? resolve(cwd, v.EMFLOW_DATA_ROOT)
        : file.data_root !== undefined
          ? resolve(opts.fileDir ?? cwd, file.data_root)
          : undefined;
  const owners = Object.entries(file.agent_owners ?? {}).map(([prefix, user]) => ({ prefix, user }));
  owners.sort((a, b) => b.prefix.length - a.prefix.length);
  const config: UscConfig = {
    dataRoot,
    tokens: v.EMFLOW_USC_TOKENS ?? file.tokens ?? [],
    admins: v.EMFLOW_USC_ADMINS ?? file.admins ?? [],
    agentProject: v.EMFLOW_USC_AGENT_PROJECT ?? file.agent_project ?? "epu",
    agentUser: v.EMFLOW_USC_AGENT_USER ?? file.agent_user ?? "epu",
    agentOwners: owners,
    prefix: v.EMFLOW_USC_PREFIX ?? file.prefix ?? "",
    cacheTtlMs: file.cache_ttl_ms ?? 2000,
    syncIntervalMs: Math.round((v.EMFLOW_USC_SYNC_INTERVAL_S ?? file.sync_interval_s ?? 30) * 1000),
    settleMs: Math.round((file.settle_s ?? 10) * 1000),
  };
  const defined = Object.fromEntries(Object.entries(o).filter(([k, val]) => val !== undefined && k !== "dataRoot"));
  return { ...config, ...defined };
}

/**
 * Standalone loader: read only the `[usc]` table of a TOML file (if given),
 * then the environment. For use before config.ts knows the table.
 */
export function loadUscConfig(opts: { file?: string; env?: Readonly<Record<string, string | undefined>>; cwd?: string; overrides?: Partial<UscConfig> } = {}): UscConfig {
  const cwd = opts.cwd ?? process.cwd();
  if (opts.file === undefined) return resolveUscConfig({ ...opts, cwd });
  const path = resolve(cwd, opts.file);
  let raw: unknown;
  try {
    raw = parseToml(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ValidationError(`${path}: ${(err as Error).message.split("\n")[0]}`, { cause: err });
  }
  const section = UscConfigSection.safeParse((raw as { usc?: unknown }).usc ?? {});
  if (!section.success) throw new ValidationError(`${path}: usc.${formatZodError(section.error)}`);
  return resolveUscConfig({ ...opts, cwd, section: section.data, fileDir: dirname(path) });
}
