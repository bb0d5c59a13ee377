import { describe, expect, it } from "vitest";
import { isEmflowError } from "../errors.js";
import { LeafPlan, scanLeaves } from "./leaves.js";

const DOC = `<?xml version="1.0"?>
<m:Img xmlns:m="urn:m" xmlns:i="urn:i" xmlns:a="urn:a">
  <Id>7</Id><Gone i:nil="true"/>
  <Deep><Er><Value>1.5E-06</Value></Er><Other>x</Other></Deep>
  <Custom>
    <a:KeyValueOfstringanyType><a:Key>Dose</a:Key><a:Value>2.5</a:Value></a:KeyValueOfstringanyType>
    <a:KeyValueOfstringanyType><a:Key>Found</a:Key><a:Value><Center><x>10</x><y>20</y></Center></a:Value></a:KeyValueOfstringanyType>
    <a:KeyValueOfstringanyType><a:Key>Nothing</a:Key><a:Value i:nil="true"/></a:KeyValueOfstringanyType>
  </Custom>
  <Note>a <!-- c --> b &amp; <![CDATA[<c>]]></Note>
</m:Img>`;

const PLAN = new LeafPlan(["Id", "Gone", "Deep/Er/Value", "Note", "Missing/Leaf"], ["Custom"]);

describe("scanLeaves", () => {
  const x = scanLeaves(DOC, PLAN, "doc.xml");

  it("captures wanted leaves by path and nothing else", () => {
    expect(x.root).toBe("Img");
    expect(x.str("Id")).toBe("7");
    expect(x.num("Deep/Er/Value")).toBe(1.5e-6);
    expect(x.str("Deep/Other")).toBeUndefined();
    expect(x.str("Missing/Leaf")).toBeUndefined();
  });

  it("treats nil as absent", () => {
    expect(x.str("Gone")).toBeUndefined();
    expect(x.str("Custom[Nothing]")).toBeUndefined();
  });

  it("reads dictionary entries, plain and structured", () => {
    expect(x.num("Custom[Dose]")).toBe(2.5);
    expect(x.num("Custom[Found]/Center/x")).toBe(10);
    expect(x.num("Custom[Found]/Center/y")).toBe(20);
  });

  it("joins text interrupted by comments and CDATA, decoding entities outside CDATA", () => {
    expect(x.str("Note")).toBe("a  b & <c>");
  });

  it("names the path of a bad number", () => {
    expect(() => x.num("Note")).toThrow(/Note: 'a  b & <c>' is not a number/);
  });

  it("rejects truncated input with the same located error as parseXml", () => {
    try {
      scanLeaves(DOC.slice(0, 200), PLAN, "doc.xml");
      expect.unreachable();
    } catch (err) {
      expect(isEmflowError(err, "XmlSyntaxError")).toBe(true);
      expect((err as Error).message).toMatch(/truncated/);
      expect((err as { file?: string }).file).toBe("doc.xml");
    }
  });
});
