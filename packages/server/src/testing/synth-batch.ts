/**
 * Deterministic synthetic sessions of any size (for paging, filters and
 * timing), with known ground truth: square i has `holesPerSquare` holes, every
 * third hole is near a grid bar, every hole has `micrographsPerHole` exposures.
 */
import { MAX_BATCH_ITEMS, type IngestBatch, type IngestItem, type SessionKey } from "@emflow/core";
import { batchOf } from "./fixtures.js";

export interface SynthShape {
  readonly grids?: number;
  readonly squares: number;
  readonly holesPerSquare: number;
  readonly micrographsPerHole: number;
}

const T0 = Date.parse("2025-01-08T15:00:00Z");

/** Natural ids used by `synthItems`. */
export const synthIds = {
  grid: (g: number) => String(9_000_000 + g),
  square: (g: number, s: number) => String(8_000_000 + g * 10_000 + s),
  hole: (g: number, s: number, h: number) => String(100_000_000 + g * 10_000_000 + s * 1000 + h),
  micrograph: (g: number, s: number, h: number, m: number) =>
    `FoilHole_${synthIds.hole(g, s, h)}_Data_9017347_${m}_20250108_${String(150000 + m).slice(0, 6)}`,
};

/** Every item of a synthetic session, parents before children. */
export function synthItems(shape: SynthShape): IngestItem[] {
  const items: IngestItem[] = [{ kind: "acquisition", data: { microscope: "Krios-synth", epuVersion: "3.8" } }];
  let shot = 0;
  for (let g = 0; g < (shape.grids ?? 1); g++) {
    const gridId = synthIds.grid(g);
    items.push({ kind: "grid", gridId, data: { slot: g + 1, gridType: "HoleyCarbon", squareCount: shape.squares } });
    for (let s = 0; s < shape.squares; s++) {
      const gridSquareId = synthIds.square(g, s);
      const state = s % 2 === 0 ? "Completed" : "Defined";
      items.push({ kind: "gridSquare", gridId, gridSquareId, data: { stageXUm: s * 50.5, stageYUm: -s * 20.25, state, selected: s % 2 === 0 } });
      for (let h = 0; h < shape.holesPerSquare; h++) {
        const foilHoleId = synthIds.hole(g, s, h);
        items.push({
          kind: "foilHole",
          gridId,
          gridSquareId,
          foilHoleId,
          data: { stageXUm: s * 50.5 + h * 0.125, stageYUm: h * 1.5, nearGridBar: h % 3 === 0, state: "Queued", selected: true },
        });
        for (let m = 0; m < shape.micrographsPerHole; m++) {
          items.push({
            kind: "micrograph",
            gridId,
            gridSquareId,
            foilHoleId,
            name: synthIds.micrograph(g, s, h, m),
            data: {
              acquiredAt: new Date(T0 + shot++ * 1000).toISOString(),
              pixelSizeA: 0.83,
              doseEA2: 50,
              voltageKv: 300,
              frameCount: 40,
              exposureTimeS: 2.5,
              appliedDefocusA: -10_000 - m * 2000,
              stageXUm: s * 50.5 + h * 0.125,
              stageYUm: h * 1.5,
              detectorModel: "Falcon 4i",
              electronCounted: true,
            },
          });
        }
      }
    }
  }
  return items;
}

/** Split items (parents first) into batches of at most `size` items. */
export function synthBatches(session: SessionKey, items: readonly IngestItem[], size = MAX_BATCH_ITEMS): IngestBatch[] {
  const out: IngestBatch[] = [];
  for (let i = 0; i < items.length; i += size) out.push(batchOf(session, items.slice(i, i + size)));
  return out;
}
