import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fixture } from "../../testing/fixtures.js";
import { openTiff } from "../read.js";
import { lzwDecode, lzwDecodeJs, lzwEncode } from "../lzw.js";
import { WASM_CORRUPT, wasmLzw } from "./lzw-module.js";

const wasm = wasmLzw();

function lcg(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 8) / 16777216;
  };
}

/** Poisson(1) counts by inverse CDF, as EPU's counting movies hold. */
function poisson(n: number, seed: number): Uint8Array {
  const rand = lcg(seed);
  return Uint8Array.from({ length: n }, () => {
    let u = rand();
    let k = 0;
    for (let p = Math.exp(-1); u > p && k < 12; k++) {
      u -= p;
      p /= k + 1;
    }
    return k;
  });
}

/** Both decoders' outcome for one stream into `cap` bytes: the bytes written, or the error message. */
function both(src: Uint8Array, cap: number): [string | Uint8Array, string | Uint8Array] {
  const run = (decode: (s: Uint8Array, d: Uint8Array) => number) => {
    const dst = new Uint8Array(cap);
    try {
      return dst.slice(0, decode(src, dst));
    } catch (err) {
      return (err as Error).message;
    }
  };
  const w = run((s, d) => {
    const n = wasm!.decode(s, d);
    if (n === undefined) throw new Error("the WebAssembly decoder declined");
    return n === WASM_CORRUPT ? lzwDecode(s, d) : n;
  });
  return [w, run(lzwDecodeJs)];
}

/** The two outcomes compared cheaply (vitest's deep equality is slow over thousands of calls). */
function expectSame(src: Uint8Array, cap: number): void {
  const [w, js] = both(src, cap);
  const summary = (r: string | Uint8Array) => (typeof r === "string" ? r : `${r.length} bytes`);
  expect(summary(w)).toBe(summary(js));
  if (typeof w !== "string" && typeof js !== "string") expect(Buffer.compare(w, js)).toBe(0);
}

describe("WebAssembly LZW decoder", () => {
  it("is available here (Node 20)", () => {
    expect(wasm).toBeDefined();
  });

  it("decodes random, Poisson(1) and long-run data exactly as the JavaScript decoder", () => {
    const rand = lcg(5);
    const noise = Uint8Array.from({ length: 200_000 }, () => Math.floor(rand() * 256));
    const small = Uint8Array.from({ length: 300_000 }, () => Math.floor(rand() * 5));
    const counts = poisson(262_144 * 2, 17);
    const runs = new Uint8Array(300_000);
    for (let i = 0, v = 1; i < runs.length; v++) {
      const n = Math.floor(rand() * (v % 10 === 0 ? 20_000 : 300));
      runs.fill(v % 3 === 0 ? 0 : v & 0xff, i, i + n);
      i += n + 1;
    }
    for (const data of [noise, small, counts, runs, new Uint8Array(100_000).fill(9), new Uint8Array(1), new Uint8Array(0)]) {
      const enc = lzwEncode(data);
      const [w, js] = both(enc, data.length);
      expect(typeof w === "string" ? w : Buffer.compare(w, data)).toBe(0);
      expect(typeof js === "string" ? js : Buffer.compare(js, data)).toBe(0);
    }
  });

  it("matches on the libtiff and tifffile LZW fixtures, strip by strip", async () => {
    const names = ["libtiff-uint8-lzw.tif", "libtiff-uint8-lzw-pred.tif", "libtiff-uint16-lzw.tif", "libtiff-uint16-lzw-pred.tif"];
    names.push("libtiff-float32-lzw.tif", "libtiff-float32-lzw-pred.tif", "libtiff-float32-lzw-fpred.tif", "libtiff-uint8-lzw-clear.tif", "relion-lzw.tif");
    let strips = 0;
    for (const name of names) {
      const file = new Uint8Array(readFileSync(fixture(name)));
      const r = await openTiff(fixture(name));
      for (let p = 0; p < Math.min(r.frameCount, 3); p++) {
        const page = await r.structure.page(p);
        for (let i = 0; i < page.offsets.length; i++) {
          const strip = file.subarray(page.offsets[i]!, page.offsets[i]! + page.byteCounts[i]!);
          const [, js] = both(strip, page.width * page.chunkHeight * 4);
          expect(typeof js === "string" ? js : js.length).toBeGreaterThan(0);
          expectSame(strip, page.width * page.chunkHeight * 4);
          strips++;
        }
      }
      await r.close();
    }
    expect(strips).toBeGreaterThan(names.length);
  });

  it("matches on input cut off anywhere and on outputs shorter than the data", () => {
    const data = poisson(20_000, 3);
    data.fill(4, 5000, 9000); // long strings, copied in 16-byte words
    const enc = lzwEncode(data);
    for (let n = 0; n <= enc.length; n += n < 40 || n > enc.length - 40 ? 1 : 97) expectSame(enc.subarray(0, n), data.length);
    for (let cap = 0; cap <= data.length; cap += cap < 40 || cap > data.length - 300 ? 1 : 89) expectSame(enc, cap);
    for (let cap = 4990; cap < 9010; cap++) expectSame(enc, cap);
  });

  it("matches on corrupt streams (the JavaScript decoder gives the message) and refuses old-style LZW", () => {
    const rand = lcg(11);
    for (let t = 0; t < 300; t++) {
      const junk = Uint8Array.from({ length: 1 + Math.floor(rand() * 200) }, () => Math.floor(rand() * 256));
      junk[0] = 0x80; // a Clear code first, so the stream gets somewhere before going wrong
      expectSame(junk, 1000);
    }
    const bits = [256, 65, 300].map((c) => c.toString(2).padStart(9, "0")).join("").padEnd(32, "0");
    const beyond = Uint8Array.from({ length: 4 }, (_, i) => parseInt(bits.slice(8 * i, 8 * i + 8), 2));
    expect(wasm!.decode(beyond, new Uint8Array(10))).toBe(WASM_CORRUPT);
    expect(() => lzwDecode(beyond, new Uint8Array(10))).toThrow("LZW code 300 is beyond the table (258 entries)");
    expect(() => lzwDecode(new Uint8Array([0x00, 0x01, 0x00]), new Uint8Array(10))).toThrow("old-style");
  });

  it("reuses its memory: a small strip after a large one, then a larger one", () => {
    for (const n of [500_000, 1000, 2_000_000, 10]) {
      const data = poisson(n, n);
      expectSame(lzwEncode(data), n);
    }
  });
});
