/**
 * `emflow queue status|dlq list|dlq reinject`: the work queues of a running
 * server, through its API (the embedded database belongs to the server
 * process, so the CLI never opens it behind the server's back).
 */
import { Option, type Command } from "commander";
import { table } from "../ui/table.js";
import { UsageError } from "../ui/errors.js";

type Run = (work: () => Promise<number>) => void;

interface ServerOpts {
  server: string;
  token?: string;
  json?: boolean;
}

/** Call the server's API; a non-2xx answer becomes one line with the server's message. */
export async function callServer<T>(o: ServerOpts, method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  let url: URL;
  try {
    url = new URL(path, o.server.endsWith("/") ? o.server : `${o.server}/`);
  } catch {
    throw new UsageError(`--server: not a URL: ${o.server}`);
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { ...(o.token === undefined ? {} : { authorization: `Bearer ${o.token}` }), ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new Error(`cannot reach the emflow server at ${o.server}: ${(err as Error).message}`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${method} ${url.pathname}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const message = (json as { error?: { message?: string } }).error?.message ?? text.slice(0, 200);
    throw new Error(`${method} ${url.pathname}: HTTP ${res.status}: ${message}`);
  }
  return json as T;
}

const serverOptions = (c: Command): Command =>
  c
    .addOption(new Option("--server <url>", "emflow server").env("EMFLOW_SERVER").default("http://127.0.0.1:8080"))
    .addOption(new Option("--token <token>", "write token (for reinject)").env("EMFLOW_TOKEN"))
    .option("--json", "print JSON instead of a table");

interface Backlog {
  queue: string;
  ready: number;
  inFlight: number;
  dead: number;
}
interface DeadLetter {
  id: string;
  queue: string;
  error: string;
  deliveries: number;
  micrographId?: string;
  step?: string;
  at?: string;
}

/** Add `queue` to the program. */
export function registerQueueCommands(program: Command, run: Run): void {
  const queue = program.command("queue").description("the processing work queues of a running server: backlog and dead letters");
  serverOptions(queue.command("status").description("ready, in-flight and dead messages per queue")).action((o: ServerOpts) =>
    run(async () => {
      const r = await callServer<{ transport: string; queues: Backlog[] }>(o, "GET", "api/v1/queues");
      if (o.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      else {
        process.stdout.write(`transport: ${r.transport}\n`);
        process.stdout.write(`${table(["queue", "ready", "in flight", "dead"], r.queues.map((q) => [q.queue, q.ready, q.inFlight, q.dead]))}\n`);
      }
      return 0;
    }),
  );

  const dlq = queue.command("dlq").description("messages that failed their delivery limit");
  serverOptions(dlq.command("list").description("list dead letters with their last error").option("--queue <name>", "only this queue")).action(
    (o: ServerOpts & { queue?: string }) =>
      run(async () => {
        const qs = o.queue === undefined ? "" : `?queue=${encodeURIComponent(o.queue)}`;
        const letters = await callServer<DeadLetter[]>(o, "GET", `api/v1/queues/dead-letters${qs}`);
        if (o.json) process.stdout.write(`${JSON.stringify(letters, null, 2)}\n`);
        else if (letters.length === 0) process.stdout.write("no dead letters\n");
        else {
          const rows = letters.map((d) => [d.id, d.queue, d.step ?? "", d.micrographId ?? "", d.deliveries, d.error.length > 80 ? `${d.error.slice(0, 77)}...` : d.error]);
          process.stdout.write(`${table(["id", "queue", "step", "micrograph", "deliveries", "error"], rows)}\n`);
        }
        return 0;
      }),
  );
  serverOptions(
    dlq
      .command("reinject")
      .description("put dead letters back on their queues (after fixing the cause)")
      .argument("[ids...]", "dead-letter ids from `dlq list`")
      .option("--all", "every dead letter"),
  ).action((ids: string[], o: ServerOpts & { all?: boolean }) =>
    run(async () => {
      if (ids.length === 0 && !o.all) throw new UsageError("give dead-letter ids, or --all");
      if (ids.length > 0 && o.all) throw new UsageError("give ids or --all, not both");
      const r = await callServer<{ reinjected: number }>(o, "POST", "api/v1/queues/dead-letters/reinject", o.all ? {} : { ids });
      process.stdout.write(o.json ? `${JSON.stringify(r)}\n` : `reinjected ${r.reinjected} message(s)\n`);
      return 0;
    }),
  );
}
