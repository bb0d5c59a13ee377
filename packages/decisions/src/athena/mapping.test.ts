import { describe, expect, it } from "vitest";
import { isEmflowError } from "@emflow/core";
import { acquisitionOrderDecision, athenaAreaId, athenaGridType, sessionRegistration, foilHoleArea, gridSquareArea, parseAcquisitionOrder, rankedOrderDecisions, selectionDecision } from "./mapping.js";
import { backoffDelay, DEFAULT_ATHENA_RETRY, parseRetryAfter, retryTransient } from "./retry.js";
import { athenaUrl } from "./transport.js";

const SID = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const tagOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return isEmflowError(err) ? err._tag : "other";
  }
  return "none";
};

describe("emflow → Athena mapping", () => {
  it("turns EPU ids into int32 area ids and refuses what does not fit", () => {
    expect(athenaAreaId("1850001")).toBe(1850001);
    expect(athenaAreaId(" 2147483647 ")).toBe(2147483647);
    expect(tagOf(() => athenaAreaId("2147483648"))).toBe("ValidationError");
    expect(tagOf(() => athenaAreaId("12a"))).toBe("ValidationError");
    expect(tagOf(() => athenaAreaId("0"))).toBe("ValidationError");
    expect(tagOf(() => athenaAreaId(-3))).toBe("ValidationError");
  });

  it("maps EPU grid types onto the spec's enum and leaves out unknown ones", () => {
    expect(athenaGridType("HoleyCarbon")).toBe("HoleyCarbon");
    expect(athenaGridType("holey gold")).toBe("HoleyGold");
    expect(athenaGridType("UltrAuFoil-R1.2/1.3")).toBeUndefined();
    expect(sessionRegistration("visit 7", "LaceyCarbon")).toEqual({ sessionName: "visit 7", gridType: "LaceyCarbon" });
    expect(sessionRegistration("visit 7", "Quantifoil")).toEqual({ sessionName: "visit 7" });
  });

  it("hangs squares from the atlas and holes from their square", () => {
    expect(gridSquareArea(SID, "77")).toEqual({ id: 77, sessionId: SID, areaType: "gridsquare", parentId: 1 });
    expect(gridSquareArea(SID, "77", null).parentId).toBeNull();
    expect(foilHoleArea(SID, "9001", "77")).toEqual({ id: 9001, sessionId: SID, areaType: "foilhole", parentId: 77 });
  });

  it("writes a ranked order as one acquisitionOrder decision that parses back", () => {
    const d = acquisitionOrderDecision({ sessionId: SID, parentAreaId: 77, orderedAreaIds: ["9003", 9001, "9002"] });
    expect(d).toMatchObject({ areaId: 77, decisionType: "acquisitionOrder", pluginType: "custom", decisionValue: "[9003,9001,9002]", decidedBy: "emflow" });
    expect(parseAcquisitionOrder({ decisionType: "acquisitionOrder", decisionValue: d.decisionValue })).toEqual([9003, 9001, 9002]);
    expect(tagOf(() => acquisitionOrderDecision({ sessionId: SID, parentAreaId: 77, orderedAreaIds: [1, 2, 1] }))).toBe("ValidationError");
    expect(tagOf(() => parseAcquisitionOrder({ decisionType: "include", decisionValue: "[1]" }))).toBe("ValidationError");
    expect(tagOf(() => parseAcquisitionOrder({ decisionType: "acquisitionOrder", decisionValue: "[1,\"x\"]" }))).toBe("ValidationError");
  });

  it("turns a policy's ranked order into the squares' order on the atlas, then each square's holes", () => {
    const order = { squares: [{ squareId: "20", holes: [{ holeId: "202" }, { holeId: "201" }] }, { squareId: "10", holes: [] }, { squareId: "30", holes: [{ holeId: "301" }] }] };
    const ds = rankedOrderDecisions(SID, order, { details: "policy: expected-good" });
    expect(ds.map((d) => [d.areaId, d.decisionValue])).toEqual([
      [1, "[20,10,30]"],
      [20, "[202,201]"],
      [30, "[301]"],
    ]);
    expect(ds.every((d) => d.decisionType === "acquisitionOrder" && d.details === "policy: expected-good")).toBe(true);
  });

  it("writes selections in the shape of the spec's FoilHoleSelection sample", () => {
    const d = selectionDecision({ sessionId: SID, parentAreaId: 12, of: "foilhole", verdicts: [{ areaId: 100, include: true }, { areaId: "101", include: false }] });
    expect(d.decisionType).toBe("foilHoleSelection");
    expect(JSON.parse(d.decisionValue ?? "")).toEqual([{ areaId: 100, result: "true" }, { areaId: 101, result: "false" }]);
  });
});

describe("retry policy and URLs", () => {
  it("backs off exponentially up to the cap, Retry-After included", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(DEFAULT_ATHENA_RETRY, n))).toEqual([250, 500, 1000, 2000, 4000, 5000]);
    expect(backoffDelay(DEFAULT_ATHENA_RETRY, 1, 60_000)).toBe(5000);
    expect(parseRetryAfter("3", 0)).toBe(3000);
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:10 GMT", Date.parse("2025-01-01T00:00:00Z"))).toBe(10_000);
    expect(parseRetryAfter("soon", 0)).toBeUndefined();
  });

  it("retries what is safe to repeat", () => {
    expect(retryTransient({ kind: "status", method: "GET", status: 500, retryAfterMs: undefined })).toBe(true);
    expect(retryTransient({ kind: "status", method: "POST", status: 500, retryAfterMs: undefined })).toBe(false);
    expect(retryTransient({ kind: "status", method: "POST", status: 503, retryAfterMs: undefined })).toBe(true);
    expect(retryTransient({ kind: "network", method: "POST", code: "ECONNRESET" })).toBe(false);
    expect(retryTransient({ kind: "network", method: "PATCH", code: "ECONNREFUSED" })).toBe(true);
    expect(retryTransient({ kind: "timeout", method: "POST" })).toBe(false);
    expect(retryTransient({ kind: "timeout", method: "PUT" })).toBe(true);
  });

  it("joins base URL, path and repeated query values", () => {
    expect(athenaUrl("https://host/smartepu/", { path: "/api/v1/Session/x/Decisions", query: { areaIds: [1, 2], decisionType: "include", pluginType: undefined } })).toBe(
      "https://host/smartepu/api/v1/Session/x/Decisions?areaIds=1&areaIds=2&decisionType=include",
    );
  });
});
