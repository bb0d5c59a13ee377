/** planBatch: grouping by kind in KIND_ORDER, merging repeats, distinct parent keys. */
import { describe, expect, it } from "vitest";
import type { IngestItem } from "@emflow/core";
import { planBatch } from "./ingest.js";

describe("planBatch", () => {
  it("orders kinds parents-first whatever the item order", () => {
    const items: IngestItem[] = [
      { kind: "micrograph", gridId: "1", gridSquareId: "2", foilHoleId: "3", name: "FoilHole_3_Data_4_5_20250101_000000", data: {} },
      { kind: "foilHole", gridId: "1", gridSquareId: "2", foilHoleId: "3", data: {} },
      { kind: "gridSquare", gridId: "1", gridSquareId: "2", data: {} },
      { kind: "grid", gridId: "1", data: {} },
      { kind: "acquisition", data: { microscope: "Krios" } },
    ];
    const plan = planBatch(items);
    expect(plan.acquisition).toEqual({ microscope: "Krios" });
    expect(plan.steps.map((s) => s.kind)).toEqual(["grid", "gridSquare", "foilHole", "micrograph"]);
    expect(plan.steps[3]!.records[0]).toEqual({ grid_nid: "1", hole_nid: "3", natural_id: "FoilHole_3_Data_4_5_20250101_000000" });
  });

  it("merges repeats of one entity (later fields win) and dedupes parent keys", () => {
    const plan = planBatch([
      { kind: "foilHole", gridId: "1", gridSquareId: "2", foilHoleId: "3", data: { stageXUm: 1.5, state: "Queued" } },
      { kind: "foilHole", gridId: "1", gridSquareId: "2", foilHoleId: "4", data: {} },
      { kind: "foilHole", gridId: "1", gridSquareId: "2", foilHoleId: "3", data: { state: "Completed" } },
    ]);
    const [holes] = plan.steps;
    expect(holes!.records).toEqual([
      { grid_nid: "1", square_nid: "2", natural_id: "3", stage_x_um: 1.5, state: "Completed" },
      { grid_nid: "1", square_nid: "2", natural_id: "4" },
    ]);
    expect(holes!.parents).toEqual([{ grid_nid: "1", square_nid: "2" }]);
  });
});
