/**
 * Loggers for CLI commands: pino underneath (structured, with ids), shown as
 * short human lines on a terminal, or as JSON lines with --log-json.
 */
import { pino, type Logger } from "pino";

const LEVELS: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };
const SKIP = new Set(["level", "time", "pid", "hostname", "msg", "v"]);

/** A pino logger writing to stderr; `json` keeps pino's own format. */
export function cliLogger(level: string, json: boolean): Logger {
  // (The server adds its request serializer, which keeps `?access_token=` out of the logs.)
  if (json) return pino({ level }, pino.destination(2));
  const human = {
    write(line: string): void {
      const o = JSON.parse(line) as Record<string, unknown>;
      const t = new Date(o["time"] as number).toISOString().slice(11, 19);
      const extra = Object.entries(o)
        .filter(([k]) => !SKIP.has(k))
        .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
        .join(" ");
      process.stderr.write(`${t} ${(LEVELS[o["level"] as number] ?? "log").padEnd(5)} ${String(o["msg"] ?? "")}${extra ? `  ${extra}` : ""}\n`);
    },
  };
  return pino({ level }, human);
}
