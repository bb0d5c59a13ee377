// Live ingest. A synthetic session (30 squares × 100 holes × 6 shots by default) is generated once
// (cached), then replayed into a directory followed by `emflow agent watch`, which sends it to
// `emflow serve` (embedded PGlite): three processes, as in production. The replay hard-links each
// final file into place in the order EPU wrote it, so the replayer costs almost no CPU and the
// agent and server are what is measured. From this process's clock:
//   latency = first file of a micrograph landed → its entity announced on the server's SSE stream
//   sustained entities/s = entities created / (last creation − first file landed)
// Two runs: "burst" (files land as fast as they can be linked: capacity) and "paced" (files land
// at BENCH_RATE files/s, default 3000 ≈ 1,000 micrographs/s).
// Targets: ≥ 2,000 entities/s sustained, p99 ≤ 500 ms.
import { spawn } from "node:child_process";
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { synthesizeSession } from "../packages/synth/dist/index.js";
import { CACHE, percentile, ROOT, writeResult } from "./lib.mjs";

const SHAPE = {
  squares: Number(process.env.BENCH_SQUARES ?? 30),
  holesPerSquare: Number(process.env.BENCH_HOLES ?? 100),
  shotsPerHole: Number(process.env.BENCH_SHOTS ?? 6),
  seed: 5,
};
const RATE = Number(process.env.BENCH_RATE ?? 3000);
const BIN = path.join(ROOT, "packages/cli/dist/bin.js");
const TOKEN = "bench-token-0123456789";

/** The session, generated once, and the order its files first appeared in. */
async function source() {
  const dir = path.join(CACHE, `live-${SHAPE.squares}x${SHAPE.holesPerSquare}x${SHAPE.shotsPerHole}`);
  const orderFile = path.join(dir, "write-order.json");
  if (!existsSync(orderFile)) {
    rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`writing the synthetic session to ${dir} (once; cached)...\n`);
    const order = [];
    const seen = new Set();
    await synthesizeSession({
      dir: path.join(dir, "visit"),
      ...SHAPE,
      speed: 0,
      onProgress: (p) => {
        const final = p.path.replace(/\.tmp$/, "");
        if (!seen.has(final)) order.push(final);
        seen.add(final);
      },
    });
    writeFileSync(orderFile, JSON.stringify(order));
  }
  return { visit: path.join(dir, "visit"), order: JSON.parse(readFileSync(orderFile, "utf8")), truth: JSON.parse(readFileSync(path.join(dir, "visit", "synth-truth.json"), "utf8")) };
}

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

async function run(mode, src) {
  const home = mkdtempSync(path.join(tmpdir(), "emflow-bench-ingest-"));
  const target = path.join(home, "visit");
  mkdirSync(target);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { ...process.env, CI: "true", EMFLOW_TOKENS: `bench:${TOKEN}`, DATABASE_URL: "" };
  const children = [];
  const start = (args, who) => {
    const prof = process.env.BENCH_PROFILE ? ["--cpu-prof", "--cpu-prof-dir", path.join(process.env.BENCH_PROFILE, `${mode}-${who}`)] : [];
    const c = spawn(process.execPath, [...prof, BIN, "--log-level", process.env.BENCH_LOG_LEVEL ?? "warn", ...args], { env, stdio: ["ignore", "ignore", "inherit"] });
    children.push(c);
  };
  start(["serve", "--port", String(port), "--data-dir", path.join(home, "db")], "server");
  for (let i = 0; !(await fetch(`${url}/api/v1/health`).then((r) => r.ok, () => false)); i++) {
    if (i > 300) throw new Error("server did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  const events = [];
  const sse = new AbortController();
  const listening = (async () => {
    const res = await fetch(`${url}/api/v1/events`, { signal: sse.signal });
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ done: true }));
      if (done) return;
      const now = performance.now();
      buf += dec.decode(value, { stream: true });
      for (let i = buf.indexOf("\n\n"); i !== -1; i = buf.indexOf("\n\n")) {
        const data = buf.slice(0, i).split("\n").find((l) => l.startsWith("data:"));
        buf = buf.slice(i + 2);
        if (data !== undefined) events.push({ t: now, ...JSON.parse(data.slice(5)) });
      }
    }
  })();
  start(["agent", "watch", target, "--server", url, "--token", TOKEN, "--outbox", path.join(home, "outbox"), "--status-s", "3600"], "agent");
  await new Promise((r) => setTimeout(r, 1500)); // the agent is watching before the first file lands

  // Land the files: hard links appear atomically with their final content.
  const landed = new Map(); // micrograph name → first file landed
  const made = new Set();
  const t0 = performance.now();
  for (let i = 0; i < src.order.length; i++) {
    const rel = src.order[i];
    const dst = path.join(target, rel);
    const dir = path.dirname(dst);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    linkSync(path.join(src.visit, rel), dst);
    const m = /Data\/(FoilHole_\d+_Data_\d+_\d+_\d{8}_\d{6})/.exec(rel);
    if (m !== null && !landed.has(m[1])) landed.set(m[1], performance.now());
    if (mode === "paced") {
      const due = t0 + ((i + 1) * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    } else if (i % 500 === 499) {
      await new Promise((r) => setImmediate(r)); // let SSE events in
    }
  }
  const landSeconds = (performance.now() - t0) / 1000;

  let acq;
  for (const deadline = Date.now() + 600_000; ; ) {
    const list = await (await fetch(`${url}/api/v1/acquisitions`)).json();
    acq = list.items[0];
    if (acq !== undefined) {
      const s = await (await fetch(`${url}/api/v1/acquisitions/${acq.id}/summary`)).json();
      if (s.micrographs === src.truth.totals.micrographs && s.foilHoles === src.truth.totals.foilHoles) break;
    }
    if (Date.now() > deadline) throw new Error("timed out waiting for the server to catch up");
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 500));
  sse.abort();
  await listening;
  const names = new Map();
  for (let cursor = null; ; ) {
    const q = new URLSearchParams({ acquisitionId: acq.id, limit: "1000", ...(cursor ? { cursor } : {}) });
    const page = await (await fetch(`${url}/api/v1/micrographs?${q}`)).json();
    for (const m of page.items) names.set(m.id, m.naturalId);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  children.forEach((c) => c.kill("SIGINT"));
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.on("exit", r)))));
  rmSync(home, { recursive: true, force: true });

  const createdAt = new Map();
  const committedAt = new Map();
  for (const e of events) {
    if (e.op !== "created" || createdAt.has(e.id)) continue;
    createdAt.set(e.id, e.t);
    committedAt.set(e.id, Date.parse(e.at) - performance.timeOrigin);
  }
  const latency = [];
  const commitLatency = [];
  for (const [id, name] of names) {
    const l = landed.get(name);
    const c = createdAt.get(id);
    if (l !== undefined && c !== undefined) latency.push(c - l);
    if (l !== undefined && committedAt.has(id)) commitLatency.push(committedAt.get(id) - l);
  }
  const created = events.filter((e) => e.op === "created");
  const span = (Math.max(...created.map((e) => e.t)) - t0) / 1000;
  const round = (x) => (x === undefined ? null : Math.round(x));
  return {
    mode,
    ...(mode === "paced" ? { rateFilesPerS: RATE } : {}),
    files: src.order.length,
    landSeconds: Number(landSeconds.toFixed(2)),
    entitiesCreated: created.length,
    changeEvents: events.length,
    sustainedEntitiesPerS: Math.round(created.length / span),
    spanSeconds: Number(span.toFixed(2)),
    micrographCommitLatencyMs: { p50: round(percentile(commitLatency, 50)), p99: round(percentile(commitLatency, 99)) },
    micrographLatencyMs: { n: latency.length, p50: round(percentile(latency, 50)), p90: round(percentile(latency, 90)), p99: round(percentile(latency, 99)), max: round(Math.max(...latency)) },
  };
}

const src = await source();
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const runs = [];
const summary = {};
for (const mode of (process.env.BENCH_MODES ?? "burst,paced").split(",")) {
  const mine = [];
  for (let i = 0; i < REPEAT; i++) {
    const r = await run(mode, src);
    mine.push(r);
    console.log(
      `live ingest (${mode}${mode === "paced" ? ` ${RATE} files/s` : ""}): ${r.sustainedEntitiesPerS} entities/s sustained over ${r.spanSeconds} s ` +
        `(files landed in ${r.landSeconds} s); micrograph latency p50 ${r.micrographLatencyMs.p50} ms, p99 ${r.micrographLatencyMs.p99} ms`,
    );
  }
  runs.push(...mine);
  const med = (f) => percentile(mine.map(f), 50);
  summary[mode] = {
    medianSustainedEntitiesPerS: med((r) => r.sustainedEntitiesPerS),
    medianP50Ms: med((r) => r.micrographLatencyMs.p50),
    medianP99Ms: med((r) => r.micrographLatencyMs.p99),
  };
  console.log(`  ${mode}: median of ${REPEAT}: ${JSON.stringify(summary[mode])}`);
}
const file = writeResult("live-ingest", {
  summary,
  setup: "final files of a synthetic session hard-linked into place in EPU's order, followed by `emflow agent watch`, sent to `emflow serve` (PGlite); three processes on this machine",
  session: { ...SHAPE, files: src.order.length, micrographs: src.truth.totals.micrographs, foilHoles: src.truth.totals.foilHoles },
  targets: { sustainedEntitiesPerS: 2000, p99Ms: 500 },
  runs,
});
console.log(`→ ${file}`);
process.exit(0);
