/**
 * The dashboard on a 50,000-micrograph session (no processing on this
 * server): the list renders only the rows in view, fetches pages as it
 * scrolls, and the page's requests stay few; the processing panel says
 * processing is off instead of failing.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, loadConfig, type EmflowServer } from "@emflow/server";
import { openTestStore } from "../../packages/server/src/testing/pglite-snapshot.js";
import { synthBatches, synthItems } from "../../packages/server/src/testing/synth-batch.js";
import { uniqueSession } from "../../packages/server/src/testing/fixtures.js";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SHOTS = path.join(ROOT, "test-artifacts", "screenshots");
const TOTAL = 50 * 100 * 10;

describe.skipIf(!existsSync(CHROMIUM))("dashboard on a 50,000-micrograph session", () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  let browser: Browser;
  let server: EmflowServer;
  let url: string;
  let acquisitionId: string;

  beforeAll(async () => {
    const tsc = spawnSync(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-b", path.join(ROOT, "packages/web")], { encoding: "utf8" });
    if (tsc.status !== 0) throw new Error(`building packages/web failed: ${tsc.stdout}${tsc.stderr}`);
    mkdirSync(SHOTS, { recursive: true });
    const store = await openTestStore();
    cleanup.push(() => store.close());
    server = await createServer(loadConfig({ env: {}, overrides: { port: 0, host: "127.0.0.1", tokens: [] } }), { store, logger: pino({ level: "silent" }), closeGraceMs: 100 });
    cleanup.push(() => server.close());
    const session = uniqueSession("scale");
    for (const batch of synthBatches(session, synthItems({ squares: 50, holesPerSquare: 100, micrographsPerHole: 10 }))) {
      acquisitionId = (await store.ingest(batch)).acquisitionId;
    }
    url = await server.listen();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    cleanup.push(() => browser.close());
  }, 90_000);

  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  }, 30_000);

  it("renders a window of rows, pages as it scrolls, and keeps requests few", async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    const requests: string[] = [];
    page.on("request", (r) => requests.push(new URL(r.url()).pathname + new URL(r.url()).search));
    await page.goto(`${url}/#/session/${acquisitionId}`);
    await page.waitForFunction((n) => document.querySelector("[data-field=list-total]")?.textContent === String(n), TOTAL, { timeout: 20_000 });
    await page.waitForSelector("[data-micrograph]");
    const rendered = await page.locator(".mview .mrow").count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(80);
    expect(await page.locator(".processing .empty").first().textContent()).toBe("Processing is not enabled on this server.");
    // The throughput plot is built from per-bin counts, not from every micrograph.
    await page.waitForSelector("[data-plot=throughput] svg path", { timeout: 20_000 });

    // Jump to the end: pages are fetched up to it, and the last micrograph is drawn.
    await page.locator(".mview").evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.waitForFunction((n) => [...document.querySelectorAll(".mview [data-micrograph] span:first-child")].some((s) => s.textContent === String(n)), TOTAL, { timeout: 60_000 });
    expect(await page.locator(".mview .mrow").count()).toBeLessThan(80);
    await page.screenshot({ path: path.join(SHOTS, "05-50k-session.png"), fullPage: true });

    const processing = requests.filter((r) => /\/api\/v1\/micrographs\/[^/]+\/processing/.test(r)).length;
    const pages = requests.filter((r) => r.startsWith("/api/v1/micrographs?") && r.includes("limit=1000")).length;
    // A page of 1000 per 1000 rows, and processing only for rows in view and the plot samples.
    expect(pages).toBeLessThanOrEqual(TOTAL / 1000 + 1);
    expect(processing).toBeLessThan(200);
    await page.close();
  }, 90_000);
});
