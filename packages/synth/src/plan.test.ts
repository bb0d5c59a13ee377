import { describe, expect, it } from "vitest";
import { isEmflowError } from "@emflow/core";
import { planSession, PIXEL_SIZES } from "./plan.js";
import { IMAGE_H, IMAGE_W } from "./plan-square.js";
import { ATLAS_PIXEL_UM, MESH_PITCH_M } from "./plan-atlas.js";

describe("planSession geometry and ids", () => {
  const plan = planSession({ squares: 6, holesPerSquare: 60, shotsPerHole: 4, extraTargetsPerSquare: 10, seed: 11 });

  it("hands out 7-digit ids that increase in creation order", () => {
    const ids = [
      plan.atlas.id,
      ...plan.atlas.tiles.map((t) => t.id),
      ...plan.atlas.squares.map((s) => s.id),
      plan.epuId,
      ...plan.areas.flatMap((a) => [a.id, a.settingId]),
      ...plan.squares.flatMap((s) => [...s.holes.map((h) => h.id), ...s.holes.flatMap((h) => h.shots.map((x) => x.acquisitionId))]),
    ];
    for (const id of ids) expect(id).toMatch(/^\d{7}$/);
    const n = ids.map(Number);
    for (let i = 1; i < n.length; i++) expect(n[i]!).toBeGreaterThan(n[i - 1]!);
  });

  it("places squares on the mesh lattice, consistently on the atlas and the stage", () => {
    expect(plan.atlas.squares.length).toBeGreaterThanOrEqual(12);
    const pa = ATLAS_PIXEL_UM * 1e-6;
    for (const s of plan.atlas.squares) {
      // Atlas pixels map back to the stage through the atlas pixel size (y flipped).
      expect((s.atlasX - plan.atlas.width / 2) * pa).toBeCloseTo(s.stage.x, 5);
      expect(-(s.atlasY - plan.atlas.height / 2) * pa).toBeCloseTo(s.stage.y, 5);
      const tile = plan.atlas.tiles.find((t) => t.id === s.tileId)!;
      expect(s.atlasX).toBeGreaterThanOrEqual(tile.x - 1);
      expect(s.atlasX).toBeLessThanOrEqual(tile.x + tile.width + 1);
    }
    // Neighbouring squares are one mesh pitch apart.
    const [a, ...rest] = plan.atlas.squares;
    const nearest = Math.min(...rest.map((b) => Math.hypot(b.stage.x - a!.stage.x, b.stage.y - a!.stage.y)));
    expect(nearest).toBeCloseTo(MESH_PITCH_M, 7);
  });

  it("puts holes inside their square, with stage positions that follow the image pixels", () => {
    for (const sq of plan.squares) {
      expect(sq.holes).toHaveLength(70);
      expect(sq.holes.filter((h) => h.selected)).toHaveLength(60);
      // The refined position stays within a micrometre or two of the atlas estimate.
      expect(Math.hypot(sq.stage.x - sq.atlas.stage.x, sq.stage.y - sq.atlas.stage.y)).toBeLessThan(3e-6);
      for (const h of sq.holes) {
        const dx = (h.pixelX - IMAGE_W / 2) * PIXEL_SIZES.gridSquare;
        const dy = -(h.pixelY - IMAGE_H / 2) * PIXEL_SIZES.gridSquare;
        expect(h.stage.x - sq.stage.x).toBeCloseTo(dx, 8);
        expect(h.stage.y - sq.stage.y).toBeCloseTo(dy, 8);
        expect(Math.hypot(dx, dy)).toBeLessThan((sq.atlas.sizeM / 2) * Math.SQRT2);
      }
    }
    const near = plan.squares.flatMap((s) => s.holes).filter((h) => h.nearGridBar);
    expect(near.length).toBeGreaterThan(0);
    // Holes by the bars look dark in the square image.
    const meanNear = near.reduce((t, h) => t + h.intensityMean, 0) / near.length;
    expect(meanNear).toBeLessThan(500);
  });

  it("keeps holes one lattice spacing apart and shots on a ring inside the hole", () => {
    const holes = plan.squares[0]!.holes;
    const d = Math.min(...holes.slice(1).map((h) => Math.hypot(h.stage.x - holes[0]!.stage.x, h.stage.y - holes[0]!.stage.y)));
    expect(d).toBeGreaterThanOrEqual(2.5e-6 - 1e-9);
    const hole = holes[0]!;
    for (const shot of hole.shots) {
      const r = Math.hypot(shot.image.stage.x - hole.stage.x, shot.image.stage.y - hole.stage.y);
      expect(r).toBeLessThan(0.6e-6);
      expect(shot.name).toBe(`FoilHole_${hole.id}_Data_${shot.areaId}_${shot.settingId}_${shot.name.slice(-15)}`);
    }
  });

  it("schedules holes and exposures at EPU's pace", () => {
    const sq = plan.squares[1]!;
    const holes = sq.holes.filter((h) => h.selected);
    const perHole = (holes.at(-1)!.endAt - holes[0]!.startAt) / holes.length / 1e7;
    expect(perHole).toBeGreaterThan(15 + 6 * 4 - 4);
    expect(perHole).toBeLessThan(15 + 6 * 4 + 4);
    for (const h of holes) for (let k = 1; k < h.shots.length; k++) expect(h.shots[k]!.image.stampAt).toBeGreaterThan(h.shots[k - 1]!.image.acquiredAt);
  });

  it("supports a hexagonal hole lattice", () => {
    const hex = planSession({ squares: 1, holesPerSquare: 200, shotsPerHole: 1, holeLattice: "hexagonal", seed: 2 });
    const hs = hex.squares[0]!.holes;
    const first = hs[0]!;
    const neighbours = hs.filter((h) => h !== first && Math.hypot(h.stage.x - first.stage.x, h.stage.y - first.stage.y) < 2.6e-6);
    expect(neighbours.length).toBeGreaterThan(0);
    expect(neighbours.length).toBeLessThanOrEqual(6);
  });

  it("refuses more holes than fit in a square, with a clear error", () => {
    let caught: unknown;
    try {
      planSession({ squares: 1, holesPerSquare: 2000 });
    } catch (e) {
      caught = e;
    }
    expect(isEmflowError(caught, "ValidationError")).toBe(true);
    expect(String(caught)).toMatch(/only \d+ holes .* fit in a .* square; asked for 2000/);
  });
});
