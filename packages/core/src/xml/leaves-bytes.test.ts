import { describe, expect, it } from "vitest";
import { isEmflowError } from "../errors.js";
import { readEpuTestFile } from "../testing/testdata.js";
import { LeafPlan, scanLeaves, type Leaves } from "./leaves.js";
import { scanLeavesBytes } from "./leaves-bytes.js";
import { wasmScanner } from "./wasm/scan-module.js";

const EXPOSURE = readEpuTestFile("epu-dir-example/Images-Disc1/GridSquare_8999138/Data/FoilHole_9015883_Data_9017354_6_20250108_154918.xml");
const FOIL_HOLE = readEpuTestFile("epu-dir-example/Images-Disc1/GridSquare_8999138/FoilHoles/FoilHole_9015889_20250108_154725.xml");

const DOC = `<?xml version="1.0"?>
<m:Img xmlns:m="urn:m" xmlns:i="urn:i" xmlns:a="urn:a">
  <Id>7</Id><Gone i:nil="true"/><Blank>  </Blank>
  <Deep><Er><Value>1.5E-06</Value></Er><Other>x</Other></Deep>
  <Custom>
    <a:KeyValueOfstringanyType><a:Key>Dose</a:Key><a:Value>2.5</a:Value></a:KeyValueOfstringanyType>
    <a:KeyValueOfstringanyType><a:Key>Found</a:Key><a:Value><Center><x>10</x><y>20</y></Center></a:Value></a:KeyValueOfstringanyType>
    <a:KeyValueOfstringanyType><a:Key>Nothing</a:Key><a:Value i:nil = 'true'/></a:KeyValueOfstringanyType>
    <a:KeyValueOfstringanyType><a:Key>NotNil</a:Key><a:Value xnil="true">3</a:Value></a:KeyValueOfstringanyType>
    <a:KeyValueOfstringanyType><a:Value>before its key</a:Value><a:Key>Late</a:Key></a:KeyValueOfstringanyType>
    <a:KeyValueOfstringanyType><key>lower</key><value> 4 &amp; 5 </value></a:KeyValueOfstringanyType>
  </Custom>
  <Note>a &lt;b&gt;</Note>
</m:Img>
`;

const PLAN = new LeafPlan(["Id", "Gone", "Blank", "Deep/Er/Value", "Note", "Missing/Leaf"], ["Custom"]);
const PATHS = [
  "Id", "Gone", "Blank", "Deep/Er/Value", "Deep/Other", "Note", "Missing/Leaf", "Custom[Dose]", "Custom[Found]/Center/x",
  "Custom[Found]/Center/y", "Custom[Nothing]", "Custom[NotNil]", "Custom[Late]", "Custom[lower]",
];
const IMAGE_PLAN = new LeafPlan(
  ["uniqueID", "microscopeData/acquisition/camera/ExposureTime", "microscopeData/stage/Position/X", "microscopeData/optics/ImageShift/_x"],
  ["CustomData", "microscopeData/acquisition/camera/CameraSpecificInput"],
);
const IMAGE_PATHS = [
  "uniqueID", "microscopeData/acquisition/camera/ExposureTime", "microscopeData/stage/Position/X", "microscopeData/optics/ImageShift/_x",
  "CustomData[AppliedDefocus]", "CustomData[Dose]", "CustomData[FindFoilHoleCenterResults]/Center/x",
  "microscopeData/acquisition/camera/CameraSpecificInput[ElectronCountingEnabled]",
];

type Outcome = { root: string; values: Array<string | undefined> } | { error: string; line: number | undefined };

function outcome(scan: () => Leaves, paths: readonly string[]): Outcome {
  try {
    const x = scan();
    return { root: x.root, values: paths.map((p) => x.str(p)) };
  } catch (err) {
    if (!isEmflowError(err)) throw err;
    return { error: err.message, line: err.line };
  }
}

/** Both scanners agree on `text` (values, or the error and its line). */
function same(text: string, plan = PLAN, paths = PATHS): Outcome {
  const expected = outcome(() => scanLeaves(text, plan, "f.xml"), paths);
  expect(outcome(() => scanLeavesBytes(new TextEncoder().encode(text), plan, "f.xml"), paths)).toEqual(expected);
  return expected;
}

describe("scanLeavesBytes", () => {
  it("uses the WebAssembly scanner for plain files", () => {
    expect(wasmScanner()?.scan(new TextEncoder().encode(EXPOSURE))?.count).toBeGreaterThan(100);
    expect(wasmScanner()?.scan(new TextEncoder().encode(DOC))?.count).toBeGreaterThan(20);
  });

  it("reads what scanLeaves reads", () => {
    expect(same(DOC)).toMatchObject({ root: "Img", values: ["7", undefined, undefined, "1.5E-06", undefined, "a <b>", undefined, "2.5", "10", "20", undefined, "3", undefined, "4 & 5"] });
    for (const f of [EXPOSURE, FOIL_HOLE]) expect(same(f, IMAGE_PLAN, IMAGE_PATHS)).toHaveProperty("root", "MicroscopeImage");
  });

  it("captures only the dictionary keys a plan lists, when it lists them", () => {
    const plan = new LeafPlan(["Id"], ["Custom"], { Custom: ["Dose", "Found", "Late", "lower"] });
    expect(same(DOC, plan)).toMatchObject({
      values: ["7", undefined, undefined, undefined, undefined, undefined, undefined, "2.5", "10", "20", undefined, undefined, undefined, "4 & 5"],
    });
    // Keys written with padding or entities are the same keys.
    const padded = DOC.replace("<a:Key>Dose</a:Key>", "<a:Key> Dose\n</a:Key>").replace("<key>lower</key>", "<key>&#108;ower</key>");
    expect(same(padded, plan)).toMatchObject({ values: expect.arrayContaining(["2.5", "4 & 5"]) });
  });

  it("agrees on every truncation", () => {
    for (let n = 0; n < DOC.length; n++) same(DOC.slice(0, n));
    for (let n = 0; n < FOIL_HOLE.length; n += 97) same(FOIL_HOLE.slice(0, n), IMAGE_PLAN, IMAGE_PATHS);
  });

  it("agrees on constructs the WebAssembly scanner leaves to the tokenizer", () => {
    const cases = [
      DOC.replace("<Note>a", "<Note>a <!-- c --> b <![CDATA[<c>]]>"),
      DOC.replace("<Id>7</Id>", "<Id>7<?pi x?></Id>"),
      DOC.replace("<Id>7</Id>", "<Id>µ7</Id>"),
      `\ufeff${DOC}`,
      DOC.replace("<Id>7</Id>", "<Id>7\u0000</Id>"),
      `<!-- lead -->${DOC}<!-- tail -->`,
      `${DOC}<Second/>`,
      `${DOC} junk`,
      `junk ${DOC}`,
      DOC.replace("</Deep>", "</Deep >"),
      DOC.replace("</Deep>", "</Deepx>"),
      DOC.replace("</Deep>", "</Dee>"),
      DOC.replace("<Id>", "<>"),
      DOC.replace("<Id>", "<Id/ >"),
      DOC.replace("</m:Img>", "</Img>"),
      DOC.replace(`xmlns:i="urn:i"`, `xmlns:i="urn:i>`),
      `<!DOCTYPE x>${DOC}`,
      "",
      "   \n",
      "<a/>",
      "<a></a></a>",
    ];
    for (const c of cases) same(c);
  });

  it("agrees on random corruption of a real file", () => {
    let seed = 7;
    const rand = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const pieces = ["<", ">", "/", '"', "'", "</a>", "<b>", " ", "&amp;", "<!-- -->", ":", "=", "nil='true'"];
    for (let k = 0; k < 300; k++) {
      let t = FOIL_HOLE;
      for (let j = 0; j < 1 + rand(3); j++) {
        const at = rand(t.length);
        t = rand(2) === 0 ? t.slice(0, at) + pieces[rand(pieces.length)]! + t.slice(at) : t.slice(0, at) + t.slice(at + 1 + rand(20));
      }
      same(t, IMAGE_PLAN, IMAGE_PATHS);
    }
  });
});
