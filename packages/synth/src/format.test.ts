import { describe, expect, it } from "vitest";
import { netDouble, netFloat, seconds, TimeBase, toSingle } from "./format.js";
import { createRng } from "./prng.js";

describe("netDouble writes doubles as .NET does", () => {
  it.each([
    [-9.7152028e-5, "-9.7152028E-05"],
    [1.2e-5, "1.2E-05"],
    [-2.7e-6, "-2.7E-06"],
    [0.00028714285714285712, "0.00028714285714285712"],
    [0.0167836925, "0.0167836925"],
    [1.4410836806690226e21, "1.4410836806690226E+21"],
    [35402300444806504, "35402300444806504"],
    [300000, "300000"],
    [0.89, "0.89"],
    [0, "0"],
  ])("%d → %s", (x, s) => {
    expect(netDouble(x)).toBe(s);
  });

  it("round-trips any double", () => {
    const rng = createRng(3);
    for (let i = 0; i < 2000; i++) {
      const x = rng.normal(0, 1) * 10 ** rng.int(-22, 22);
      expect(Number(netDouble(x))).toBe(x);
    }
  });

  it("rejects non-finite numbers", () => {
    expect(() => netDouble(Number.NaN)).toThrow(RangeError);
  });
});

describe("netFloat writes System.Single values", () => {
  it("uses the shortest text that round-trips as a float", () => {
    expect(netFloat(772.8941650390625)).toBe("772.894165");
    expect(netFloat(4.5767938e-5)).toBe("4.5767938E-05");
    expect(Math.fround(Number(netFloat(1495.524)))).toBe(Math.fround(1495.524));
    expect(toSingle(51.28809)).toBe(51.28809);
  });
});

describe("TimeBase", () => {
  const tb = new TimeBase(Date.parse("2025-01-08T15:49:18Z"));

  it("formats DataContract times with 100 ns ticks, trailing zeros trimmed", () => {
    expect(tb.dateTime(1_158_288)).toBe("2025-01-08T15:49:18.1158288+00:00");
    expect(tb.dateTime(seconds(1.5), "z")).toBe("2025-01-08T15:49:19.5Z");
    expect(tb.dateTime(0)).toBe("2025-01-08T15:49:18+00:00");
    expect(tb.dateTime(-1)).toBe("2025-01-08T15:49:17.9999999+00:00");
  });

  it("gives the ISO time core reads back and EPU's file stamp", () => {
    expect(tb.iso(1_158_288)).toBe("2025-01-08T15:49:18.115Z");
    expect(Date.parse(tb.dateTime(1_158_288))).toBe(Date.parse(tb.iso(1_158_288)));
    expect(tb.fileStamp(seconds(3600 * 9))).toBe("20250109_004918");
  });
});
