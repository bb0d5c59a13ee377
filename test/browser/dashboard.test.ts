/**
 * The dashboard in a real browser (Debian's chromium through playwright-core):
 * a server with live processing on an in-memory store, a synthetic session
 * with simulated movies written while the page is open, followed by a real
 * agent. The page must show the session and its counts arriving over SSE,
 * start processing and show the results, stop it, open a micrograph with its
 * thumbnail, show the decisions made from the results and override one, and
 * show API errors. Screenshots go to
 * test-artifacts/screenshots/.
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSyntheticMovie } from "@emflow/processing";
import { createServer, loadConfig, startLiveProcessing, type EmflowServer } from "@emflow/server";
import { synthesizeSession } from "@emflow/synth";
import { openTestStore } from "../../packages/server/src/testing/pglite-snapshot.js";
import { tempDir, testAgent } from "../e2e/harness.js";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SHOTS = path.join(ROOT, "test-artifacts", "screenshots");
const MICROGRAPHS = 2 * 2 * 2;

if (!existsSync(CHROMIUM)) console.warn(`browser tests skipped: ${CHROMIUM} is missing (apt-get install chromium)`);

describe.skipIf(!existsSync(CHROMIUM))("dashboard in headless Chromium", () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  let browser: Browser;
  let page: Page;
  let server: EmflowServer;
  let url: string;
  let home: string;
  const pageErrors: string[] = [];

  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const text = async (selector: string) => (await page.locator(selector).first().textContent())?.trim() ?? "";

  beforeAll(async () => {
    // The server serves packages/web/dist: build it (a no-op when it is up to date).
    const tsc = spawnSync(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-b", path.join(ROOT, "packages/web")], { encoding: "utf8" });
    if (tsc.status !== 0) throw new Error(`building packages/web failed: ${tsc.stdout}${tsc.stderr}`);
    mkdirSync(SHOTS, { recursive: true });
    home = tempDir("browser", cleanup);

    const store = await openTestStore();
    cleanup.push(() => store.close());
    // No tokens: writes are accepted from loopback, as for a local single user.
    const loaded = loadConfig({ env: {}, overrides: { port: 0, host: "127.0.0.1", tokens: [] } });
    const config = { ...loaded, processing: { ...loaded.processing, enabled: true, root: path.join(home, "processing") } };
    server = await createServer(config, {
      store,
      logger: pino({ level: "silent" }),
      closeGraceMs: 100,
      processing: (s, hub, logger) => startLiveProcessing({ store: s, hub, logger, inlineCompute: true, queuePrefix: `web${randomUUID().slice(0, 6)}`, config: { ...config.processing, concurrency: 2 } }),
    });
    cleanup.push(() => server.close());
    url = await server.listen();

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    cleanup.push(() => browser.close());
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.on("pageerror", (e) => pageErrors.push(e.message));
  }, 60_000);

  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  }, 30_000);

  it("shows a session appear and its counts rise live, without reloading", async () => {
    await page.goto(url);
    await page.waitForSelector("[data-live=live]", { timeout: 10_000 });
    expect(await page.locator("tr[data-session]").count()).toBe(0);

    // Only now does the session start being written: everything the page shows arrives over SSE.
    const movies: Uint8Array[] = [];
    for (const seed of [1, 2]) {
      const f = path.join(home, `pool${seed}.tiff`);
      await writeSyntheticMovie(f, { width: 256, height: 256, frameCount: 8, pixelSize: 1.0559, dosePerFrame: 5, seed, particles: { diameter: 120, count: 6, contrast: 1 }, ice: { contrast: 0.2 } });
      movies.push(readFileSync(f));
    }
    const visit = tempDir("browser-visit", cleanup);
    const stop = new AbortController();
    const writing = synthesizeSession({ dir: visit, squares: 2, holesPerSquare: 2, shotsPerHole: 2, speed: 60, seed: 7, movies, signal: stop.signal });
    cleanup.push(async () => {
      stop.abort();
      await writing.catch(() => undefined);
    });
    const agent = await testAgent(visit, url, path.join(home, "outbox"));
    cleanup.push(() => agent.stop());

    await page.waitForSelector("tr[data-session]", { timeout: 20_000 });
    const seen: number[] = [];
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const n = Number(await text("tr[data-session] td[data-field=micrographs]"));
      if (Number.isFinite(n) && n !== seen[seen.length - 1]) seen.push(n);
      if (n === MICROGRAPHS) break;
      await page.waitForTimeout(100);
    }
    await shot("01-session-list");
    expect(seen[seen.length - 1]).toBe(MICROGRAPHS);
    // Counts only ever grow, and the page saw them before the end (more than one value).
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.length).toBeGreaterThan(1);
    // Throughput at a glance: the page's own rate from the counts it saw rise.
    expect(Number(await text("tr[data-session] td[data-field=rate]"))).toBeGreaterThan(0);
    await writing;
  }, 60_000);

  it("opens the session page, starts processing, shows processed micrographs, and stops", async () => {
    await page.click("tr[data-session] a");
    await page.waitForSelector(".map .square", { timeout: 10_000 });
    expect(await text("[data-stat=micrographs] .v")).toBe(String(MICROGRAPHS));
    expect(await text("[data-field=processing-state]")).toBe("stopped");

    await page.click("button[data-action=start]");
    await page.waitForFunction(() => document.querySelector("[data-field=processing-state]")?.textContent === "running", undefined, { timeout: 10_000 });
    // Processed micrographs appear in the list (state badges and CTF figures) and the counts.
    await page.waitForSelector("[data-micrograph] .badge.st-done", { timeout: 60_000 });
    await page.waitForFunction(() => Number(document.querySelector("[data-stat=processed-head] .v")?.textContent) >= 2, undefined, { timeout: 60_000 });
    await shot("02-session-processing");

    await page.click("button[data-action=stop]");
    await page.waitForFunction(() => document.querySelector("[data-field=processing-state]")?.textContent === "stopped", undefined, { timeout: 10_000 });
    expect(await page.locator("button[data-action=start]").isEnabled()).toBe(true);
    const summary = (await (await fetch(`${url}/api/v1/acquisitions/${page.url().split("/session/")[1]!.split("?")[0]}/processing`)).json()) as { settings: { state: string } };
    expect(summary.settings.state).toBe("stopped");
  }, 90_000);

  it("opens a processed micrograph: its thumbnail loads, picks and drift are drawn", async () => {
    const done = page.locator("[data-micrograph]", { has: page.locator(".badge.st-done") }).first();
    await done.click();
    await page.waitForSelector("img.thumbnail", { timeout: 10_000 });
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>("img.thumbnail");
      return img !== null && img.complete && img.naturalWidth > 0;
    }, undefined, { timeout: 10_000 });
    await page.waitForFunction(() => (document.querySelector<HTMLImageElement>("img.power-spectrum")?.naturalWidth ?? 0) > 0, undefined, { timeout: 10_000 });
    expect(await page.locator("svg.drift polyline").count()).toBe(1);
    expect(await page.locator("svg.picks").count()).toBe(1);
    // Locate it: its square is selected on the atlas, its hole in the square view, the list shows the hole's micrographs.
    await page.click("button[data-action=locate]");
    await page.waitForSelector(".map .square.sel", { timeout: 10_000 });
    await page.waitForSelector(".map.holes .hole.sel", { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector("[data-field=list-total]")?.textContent === "2", undefined, { timeout: 10_000 });
    await shot("03-micrograph");
  }, 30_000);

  it("shows the decisions made from the results, overrides one, and sees it in the history", async () => {
    // The engine decided (advise mode) once results came in; the queue shows it with its reasons.
    await page.waitForSelector("[data-section=decisions] li.decision.open", { timeout: 20_000 });
    const first = page.locator("[data-section=decisions] li.decision.open").first();
    const firstId = await first.getAttribute("data-decision");
    expect(await first.locator("[data-field=decision-state]").textContent()).toBe("proposed");
    expect(await first.locator(".reasons code").count()).toBeGreaterThan(0);
    await page.waitForFunction(() => (document.querySelector("[data-field=override-square]") as HTMLSelectElement | null)?.options.length! > 1, undefined, { timeout: 10_000 });
    const square = await first.locator("[data-field=override-square] option").nth(1).getAttribute("value");
    await first.locator("[data-field=override-square]").selectOption(square!);
    await shot("04-decision-before-override");
    await first.locator("button[data-action=override]").click();
    // The operator's decision replaces it in the queue; the policy's moves to the history as overridden.
    await page.waitForFunction(
      (target) => [...document.querySelectorAll("[data-section=decisions] li.decision.open [data-field=decision-target]")].some((e) => e.textContent === target),
      square,
      { timeout: 10_000 },
    );
    const open = page.locator("[data-section=decisions] li.decision.open").first();
    expect(await open.locator("[data-field=decision-state]").textContent()).toBe("accepted");
    expect(await open.locator("[data-field=decision-source]").textContent()).toMatch(/^operator local/);
    await page.waitForSelector(`.decision-history li[data-decision="${firstId}"] .badge.dec-overridden`, { timeout: 10_000 });
    const acq = page.url().split("/session/")[1]!.split("?")[0]!;
    const stored = (await (await fetch(`${url}/api/v1/acquisitions/${acq}/decisions?limit=5`)).json()) as Array<{ id: string; state: string; source: string; target: string; overrides: string | null }>;
    expect(stored[0]).toMatchObject({ source: "operator", target: square, state: "accepted", overrides: firstId });
    expect(stored.find((d) => d.id === firstId)?.state).toBe("overridden");
    // The atlas can colour squares by the server's scores.
    await page.click("button[data-action=atlas-score]");
    await page.waitForFunction(() => [...document.querySelectorAll(".map .square")].some((r) => (r.getAttribute("fill") ?? "transparent") !== "transparent"), undefined, { timeout: 10_000 });
    await shot("05-decisions");
  }, 40_000);

  it("shows API errors clearly", async () => {
    await page.goto(`${url}/#/session/00000000-0000-4000-8000-000000000000`);
    await page.waitForSelector(".error", { timeout: 10_000 });
    expect(await text(".error")).toMatch(/^session: 404 not_found: /);
    await shot("06-error");
    expect(pageErrors).toEqual([]);
  }, 20_000);
});
