/**
 * The `emflow` command: wires the packages into subcommands. Every command
 * returns an exit code; errors become one line (stack with --verbose).
 * Commands load their implementation when they run, so `emflow epu parse` does not pay for
 * importing the server, the database or image libraries (about 0.4 s of start-up).
 */
import { Command, Option } from "commander";
import { positive, positiveInt } from "./ui/flags.js";
import { cliLogger } from "./ui/logger.js";
import { registerQueueCommands } from "./commands/register-queue.js";
import { registerServerCommands } from "./commands/register-server.js";
import { registerSynthMovie } from "./commands/synth-movie.js";
import { registerProcess } from "./commands/process.js";
import { registerSimulate } from "./commands/simulate.js";
import { registerAthenaSim } from "./commands/athena-sim.js";
import type { WorkerFlags } from "./commands/worker.js";
import { registerSessionTools } from "./commands/register-session-tools.js";

/** Build the program. `run` receives each action's exit code. */
export function buildProgram(run: (work: () => Promise<number>) => void): Command {
  const program = new Command("emflow")
    .description("Live electron microscopy: follow EPU sessions as they are written, process every movie, steer acquisition.")
    .version("0.1.0")
    .option("--verbose", "show stack traces and debug logs")
    .option("--log-level <level>", "trace|debug|info|warn|error", "info")
    .option("--log-json", "log JSON lines (pino) instead of readable lines")
    .showHelpAfterError("(run with --help for usage)")
    // Set before subcommands are added so they inherit it: usage errors exit 2, --help/--version 0.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .addHelpText(
      "after",
      `
Quick start:
  emflow demo                              server + synthetic session + agent, all in one
  emflow serve --port 8080                 the API on the embedded database (.emflow/)
  emflow agent watch /data/visit --server http://127.0.0.1:8080 --token T
  emflow epu parse /data/visit             what is in a session directory
Docs: README.md, docs/ARCHITECTURE.md; API docs at http://<server>/docs`,
    );
  const logger = () => {
    const o = program.opts<{ verbose?: boolean; logLevel: string; logJson?: boolean }>();
    return cliLogger(o.verbose ? "debug" : o.logLevel, o.logJson ?? false);
  };

  const epu = program.command("epu").description("read, check, generate, record and replay EPU session directories");
  epu
    .command("parse")
    .description("parse an EPU file, a session directory, a visit directory with several sessions, or an atlas directory")
    .argument("<path>", "EpuSession.dm / Atlas.dm / GridSquare_<id>.dm / image XML, or a directory")
    .option("--json", "print the full model as JSON instead of a summary table")
    .option("--strict", "exit 1 if any file could not be parsed")
    .addHelpText(
      "after",
      `
Values are in emflow units: µm (stage, sizes), Å (pixel size, defocus), e/Å², kV, degrees, s, ISO 8601 UTC.
Bad files are listed on stderr with the file and line; the rest is still parsed.`,
    )
    .action((p: string, o: { json?: boolean; strict?: boolean }) => run(async () => (await import("./commands/epu-parse.js")).epuParse(p, o)));
  epu
    .command("validate")
    .description("check a session directory is complete: EpuSession.dm, Metadata/, Images-Disc*; exit 0 only when valid")
    .argument("<dir>", "a session directory, or a visit directory holding several")
    .option("--json", "print the verdicts as JSON")
    .action((d: string, o: { json?: boolean }) => run(async () => (await import("./commands/epu-validate.js")).epuValidate(d, o.json ?? false)));
  registerSessionTools(epu, run);

  const agent = program.command("agent").description("the agent that runs beside the microscope");
  agent
    .command("watch")
    .description("follow EPU sessions under <dir> (before, during or after acquisition) and send them to the server")
    .argument("<dir>", "a session directory, or the directory EPU writes sessions into")
    .requiredOption("--server <url>", "emflow server, e.g. http://10.0.0.5:8080")
    .addOption(new Option("--token <token>", "write token for the server").env("EMFLOW_TOKEN"))
    .option("--outbox <dir>", "durable outbox directory", ".emflow/agent-outbox")
    .option("--settle-ms <ms>", "a metadata file must be unchanged this long before it is read (a half-written one is retried anyway)", positive("--settle-ms", true), 100)
    .option("--movie-settle-ms <ms>", "a movie must be unchanged this long before it is recorded", positive("--movie-settle-ms", true), 1000)
    .option("--rescan-s <s>", "full rescan period, to catch events lost on network shares (default 30; 5 with --poll; 0: off)", positive("--rescan-s", true))
    .option("--orphan-timeout-s <s>", "after this, files whose parent's file never came are applied with an implied parent", positive("--orphan-timeout-s", true), 60)
    .option("--poll", "do not rely on file-system events (network shares that send none): rescan every --rescan-s")
    .option("--status-s <s>", "print a status line this often", positive("--status-s"), 10)
    .option("--instructions [dir]", "follow the server's instructions for this agent: each is written as JSON into [dir] (default .emflow/instructions)")
    .option("--on-instruction <command>", "run this shell command on each instruction (EMFLOW_INSTRUCTION_FILE set); a failure means not applied (implies --instructions)")
    .addOption(new Option("--agent-id <id>", "this agent's name on the server, which instructions are addressed to (default: the host name)").env("EMFLOW_AGENT_ID"))
    .action((dir: string, o: { server: string; token?: string; outbox: string; settleMs: number; movieSettleMs: number; rescanS?: number; orphanTimeoutS: number; poll?: boolean; statusS: number; instructions?: string | boolean; onInstruction?: string; agentId?: string }) =>
      run(async () => (await import("./commands/agent-watch.js")).agentWatch(dir, { ...o, poll: o.poll ?? false }, logger())),
    );

  registerServerCommands(program, run, logger);
  registerQueueCommands(program, run);
  registerSynthMovie(program.command("synth").description("simulated data with ground truth"), run);
  registerProcess(program, run);
  registerSimulate(program, run);
  registerAthenaSim(program, run);
  program
    .command("worker")
    .description("run the preprocessing services here, on the queues of a server's RabbitMQ (AMQP_URL) or PostgreSQL (DATABASE_URL)")
    .option("--services <list>", "comma-separated: motion,ctf,pick,ice,thumbnails,relion (default: all but relion, which the server keeps)")
    .option("--concurrency <n>", "movies processed at once (default: cores - 1)", positiveInt("--concurrency"))
    .option("--config <file>", "TOML config file ([processing] tools, motion/ctf/pick implementation)")
    .addOption(new Option("--queue-prefix <p>", "queue names <p>.motion, ... (must match the server's)").default("emflow").hideHelp())
    .addHelpText(
      "after",
      `
Run any number of workers on any machines that reach the broker or database and see the movies at the
same paths as the server (or map them with a shared mount). Ctrl-C finishes the steps in progress first.
Example:  AMQP_URL=amqp://user:pass@broker:5672 emflow worker --concurrency 4`,
    )
    .action((o: WorkerFlags) => run(async () => (await import("./commands/worker.js")).runWorker(o, logger())));
  return program;
}
