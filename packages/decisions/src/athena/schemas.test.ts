import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import * as S from "./schemas.js";

// The spec has no `example` fields; these are the sample requests of its operation descriptions
// (made valid JSON: some samples there miss commas).
const SID = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const samples = {
  session: { sessionName: "My Session", sessionId: "b5cdbfb9-bd0f-414e-93f8-0abca3331f8e" },
  sessionNoId: { sessionName: "My Session" },
  square: { sessionId: SID, id: 12, areaType: "gridsquare" },
  hole: { sessionId: SID, id: 1213, areaType: "foilhole", parentId: 12 },
  areaState: { sessionId: SID, areaId: 12, state: "started" },
  decision: { sessionId: SID, areaId: 12, decisionType: "include", decisionValue: "false", decidedBy: "web client", details: "bad gridsquare" },
  runStart: { sessionId: SID },
  runStop: { sessionId: SID, runNumber: 1, reason: "acquisition completed" },
};

describe("Athena schemas", () => {
  it("accept the spec's sample requests", () => {
    expect(S.AthenaSessionRegistration.parse(samples.session).sessionId).toBe(samples.session.sessionId);
    expect(S.AthenaSessionRegistration.parse(samples.sessionNoId).sessionId).toBeUndefined();
    expect(S.AthenaAreaBody.parse(samples.square)).toEqual(samples.square);
    expect(S.AthenaAreaBody.parse(samples.hole).parentId).toBe(12);
    expect(S.AthenaAreaStateChange.parse(samples.areaState).state).toBe("started");
    expect(S.AthenaDecisionBody.parse(samples.decision).decisionValue).toBe("false");
    expect(S.AthenaRunStart.parse(samples.runStart)).toEqual(samples.runStart);
    expect(S.AthenaRunStop.parse(samples.runStop).reason).toBe("acquisition completed");
  });

  it("reject what the spec's enums and types do not allow", () => {
    expect(S.AthenaAreaBody.safeParse({ ...samples.square, areaType: "GridSquare" }).success).toBe(false);
    expect(S.AthenaAreaBody.safeParse({ ...samples.square, id: 2 ** 31 }).success).toBe(false);
    expect(S.AthenaAreaBody.safeParse({ ...samples.square, id: 0 }).success).toBe(false);
    expect(S.AthenaAreaBody.safeParse({ ...samples.square, sessionId: "12" }).success).toBe(false);
    // The TimedDecision sample writes "FoilHoleSelection"; the enum says "foilHoleSelection".
    expect(S.AthenaDecisionType.safeParse("FoilHoleSelection").success).toBe(false);
    expect(S.AthenaDecisionType.parse("foilHoleSelection")).toBe("foilHoleSelection");
    expect(S.AthenaSessionRegistration.safeParse({ sessionName: "" }).success).toBe(false);
    // Bodies are closed (additionalProperties: false), records are not (a newer service may add fields).
    expect(S.AthenaRunStart.safeParse({ ...samples.runStart, extra: 1 }).success).toBe(false);
    expect(S.AthenaRun.safeParse({ sessionId: SID, runNumber: 1, startTime: null, extra: 1 }).success).toBe(true);
  });

  it("read records as a .NET service writes them: 7 fractional digits, nulls or missing nullable fields", () => {
    const decision = S.AthenaDecisionRecord.parse({
      id: "0f8fad5b-d9cb-469f-a165-70867728950e",
      sessionId: SID,
      areaId: 12,
      decisionType: "acquisitionOrder",
      pluginType: "custom",
      decisionValue: "[12,13]",
      decidedBy: null,
      timestamp: "2024-11-05T14:03:27.1234567",
    });
    expect(decision.details).toBeUndefined();
    expect(S.AthenaSession.parse({ sessionId: SID, sessionName: null, athenaId: null, timestamp: "2024-11-05T14:03:27Z", gridType: "LaceyCarbon" }).gridType).toBe("LaceyCarbon");
    expect(S.AthenaAlgorithmResult.parse({ sessionId: SID, areaId: 5, name: "ctf", result: { resolution: 3.1 }, timestamp: "2024-11-05T14:03:27+01:00" }).result).toEqual({ resolution: 3.1 });
    expect(S.AthenaDecisionRecord.safeParse({ ...decision, timestamp: undefined }).success).toBe(false);
  });
});

const SPEC = process.env.ATHENA_OPENAPI ?? "/work/shared/reference/athena-decision-service-openapi.json";

describe.skipIf(!existsSync(SPEC))("Athena schemas against the OpenAPI file", () => {
  const components = (JSON.parse(readFileSync(SPEC, "utf8")) as { components: { schemas: Record<string, { enum?: string[]; properties?: Record<string, unknown> }> } }).components.schemas;

  it("have the spec's enum members, in order", () => {
    const enums: Array<[string, z.ZodEnum]> = [
      ["AreaType", S.AthenaAreaType],
      ["AcquisitionState", S.AthenaAcquisitionState],
      ["DecisionType", S.AthenaDecisionType],
      ["PluginType", S.AthenaPluginType],
      ["GridType", S.AthenaGridType],
      ["AlgorithmResultType", S.AthenaAlgorithmResultType],
    ];
    for (const [name, schema] of enums) expect(schema.options, name).toEqual(components[name]?.enum);
  });

  it("have exactly the spec's field names", () => {
    const records: Array<[string, z.ZodObject]> = [
      ["Session", S.AthenaSession],
      ["Area", S.AthenaArea],
      ["AreaState", S.AthenaAreaState],
      ["AreaStateChange", S.AthenaAreaStateChange],
      ["DecisionRecord", S.AthenaDecisionRecord],
      ["AlgorithmResultRecord", S.AthenaAlgorithmResult],
      ["Run", S.AthenaRun],
      ["RunStart", S.AthenaRunStart],
      ["RunStop", S.AthenaRunStop],
    ];
    for (const [name, schema] of records) expect(Object.keys(schema.shape).sort(), name).toEqual(Object.keys(components[name]?.properties ?? {}).sort());
    const bodies: Array<[string, z.ZodObject]> = [
      ["Area", S.AthenaAreaBody],
      ["AreaState", S.AthenaAreaStateBody],
      ["DecisionRecord", S.AthenaDecisionBody],
      ["Session", S.AthenaSessionRegistration],
    ];
    for (const [name, schema] of bodies) expect(Object.keys(schema.shape).sort(), `${name} body`).toEqual(Object.keys(components[name]?.properties ?? {}).sort());
  });
});
