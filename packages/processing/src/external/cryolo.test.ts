import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isEmflowError, PickResult } from "@emflow/core";
import { afterAll, describe, expect, it } from "vitest";
import { cryoloArgs, cryoloPick, readCryoloPicks } from "./cryolo.js";
import { parseCbox, parseCryoloStar, parseEmanBox } from "./cryolo-output.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "emflow-cryolo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The particles the samples were written from: centres (px) and confidences; box 160 px. */
const CENTRES: [number, number][] = [
  [512.5, 1024],
  [1500.2, 300.7],
  [2048, 2048],
  [3000.4, 3500.9],
  [800, 3200],
  [3700, 600],
];
const CONFIDENCE = [0.91, 0.78, 0.55, 0.31, 0.22, 0.05];
const ABOVE = CENTRES.filter((_, i) => (CONFIDENCE[i] ?? 0) >= 0.3);

describe("crYOLO command line", () => {
  it("builds cryolo_predict.py's argv", () => {
    expect(cryoloArgs("input/", "output/", { config: "config.json", weights: "gmodel_phosnet.h5", threshold: 0.25, gpus: [0, 1], distance: 40, otf: true, numCpu: 8 })).toEqual([
      "-c", "config.json", "-w", "gmodel_phosnet.h5", "-i", "input/", "-o", "output/", "-t", "0.25",
      "-g", "0", "1", "-d", "40", "--otf", "-nc", "8",
    ]); // prettier-ignore
    expect(cryoloArgs("in", "out", { config: "c.json", weights: "w.h5" })).toEqual(["-c", "c.json", "-w", "w.h5", "-i", "in", "-o", "out", "-t", "0.3"]);
  });
});

describe("crYOLO output", () => {
  it("reads CBOX (STAR form): corner to centre, confidence as figure of merit, threshold applied", () => {
    const r = parseCbox(readFileSync(fixture("cryolo/CBOX/mic_0001.cbox"), "utf8"), 0.3);
    expect(r.picks).toEqual(ABOVE);
    expect(r.fom).toEqual([0.91, 0.78, 0.55, 0.31]);
    expect(r.widths).toEqual([160, 160, 160, 160]);
    expect(parseCbox(readFileSync(fixture("cryolo/CBOX/mic_0001.cbox"), "utf8"), 0).picks).toEqual(CENTRES);
  });

  it("reads the older whitespace CBOX", () => {
    const r = parseCbox(readFileSync(fixture("cryolo-old/CBOX/mic_0001.cbox"), "utf8"), 0.5);
    expect(r.picks).toEqual(CENTRES.slice(0, 3));
    expect(r.fom).toEqual([0.91, 0.78, 0.55]);
  });

  it("reads STAR and EMAN box files", () => {
    const star = parseCryoloStar(readFileSync(fixture("cryolo/STAR/mic_0001.star"), "utf8"));
    expect(star.picks).toEqual(ABOVE);
    expect(star.fom).toBeUndefined(); // crYOLO writes -999 placeholders there
    const box = parseEmanBox(readFileSync(fixture("cryolo/EMAN/mic_0001.box"), "utf8"));
    box.picks.forEach(([x, y], i) => {
      expect(Math.abs(x - (ABOVE[i]?.[0] ?? 0))).toBeLessThanOrEqual(0.5);
      expect(Math.abs(y - (ABOVE[i]?.[1] ?? 0))).toBeLessThanOrEqual(0.5);
    });
    expect(() => parseEmanBox("1 2 3\n", "a.box")).toThrow(/expected 'x y width height'/);
  });

  it("prefers CBOX, then STAR, then EMAN", async () => {
    cpSync(fixture("cryolo"), join(dir, "all"), { recursive: true });
    expect((await readCryoloPicks(join(dir, "all"), "mic_0001", 0.3)).file).toBe(join(dir, "all", "CBOX", "mic_0001.cbox"));
    rmSync(join(dir, "all", "CBOX"), { recursive: true });
    expect((await readCryoloPicks(join(dir, "all"), "mic_0001", 0.3)).file).toBe(join(dir, "all", "STAR", "mic_0001.star"));
    rmSync(join(dir, "all", "STAR"), { recursive: true });
    expect((await readCryoloPicks(join(dir, "all"), "mic_0001", 0.3)).result.picks).toHaveLength(4);
    rmSync(join(dir, "all", "EMAN"), { recursive: true });
    await expect(readCryoloPicks(join(dir, "all"), "mic_0001", 0.3)).rejects.toThrow(/crYOLO wrote no coordinates for mic_0001/);
  });
});

describe("crYOLO adapter", () => {
  it("runs the program and reads its CBOX output (fake crYOLO)", async () => {
    const fake = join(dir, "cryolo_predict.py");
    writeFileSync(fake, `#!/bin/sh\necho "$@" > "${dir}/argv.txt"\nmkdir -p output/CBOX\ncp "${fixture("cryolo/CBOX/mic_0001.cbox")}" output/CBOX/mic_0001.cbox\n`);
    chmodSync(fake, 0o755);
    writeFileSync(join(dir, "mic_0001.mrc"), "");
    const out = await cryoloPick({ micrograph: join(dir, "mic_0001.mrc"), workDir: join(dir, "work"), options: { executable: fake, config: "/m/config.json", weights: "/m/w.h5", threshold: 0.5 } });
    const r = PickResult.parse(out.result);
    expect(r.picks).toEqual(CENTRES.slice(0, 3));
    expect(r.fom).toEqual([0.91, 0.78, 0.55]);
    expect(readFileSync(join(dir, "argv.txt"), "utf8").trim()).toBe("-c /m/config.json -w /m/w.h5 -i input/ -o output/ -t 0.5");
  });

  it("says which binary is missing and where to configure it", async () => {
    const missing = join(dir, "not-installed", "cryolo_predict.py");
    const e = await cryoloPick({ micrograph: join(dir, "mic_0001.mrc"), workDir: join(dir, "w2"), options: { executable: missing, config: "c", weights: "w" } }).catch((x: unknown) => x as Error);
    expect(isEmflowError(e, "ExternalToolError")).toBe(true);
    expect(e.message).toBe(`${missing} not found: install cryolo_predict.py or set processing.tools.cryolo to its path`);
  });
});
