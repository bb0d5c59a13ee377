import { describe, expect, it } from "vitest";
import { isEmflowError } from "../errors.js";
import { Dcs } from "./dcs.js";
import { parseXml } from "./tree.js";

const SRC = `<S xmlns:z="urn:z" xmlns:i="urn:i">
  <Name z:Id="5">Session A</Name>
  <Other><SessionName z:Ref="5" i:nil="true"/><Missing i:nil="true"/></Other>
  <N>1.5E-06</N><Bad>abc</Bad><T>true</T>
  <Dict><KeyValueOfstringanyType><Key>Dose</Key><Value>2</Value></KeyValueOfstringanyType>
        <KeyValuePairOfintX><key>7</key><value><V>x</V></value></KeyValuePairOfintX></Dict>
  <List><_items><Item><Id>1</Id></Item><Item i:nil="true"/><Item><Id>2</Id></Item></_items><_size>2</_size></List>
</S>`;

describe("Dcs accessors", () => {
  const x = new Dcs(parseXml(SRC), "s.dm");

  it("follows z:Ref back-references instead of treating them as nil", () => {
    expect(x.str(x.root, "Other/SessionName")).toBe("Session A");
    expect(x.str(x.root, "Other/Missing")).toBeUndefined();
  });

  it("reads numbers and booleans and rejects bad ones with the file named", () => {
    expect(x.num(x.root, "N")).toBe(1.5e-6);
    expect(x.bool(x.root, "T")).toBe(true);
    try {
      x.num(x.root, "Bad");
      expect.unreachable();
    } catch (err) {
      expect(isEmflowError(err, "EpuFormatError")).toBe(true);
      expect((err as Error).message).toMatch(/'abc' is not a number/);
      expect((err as { file?: string }).file).toBe("s.dm");
    }
  });

  it("reads both dictionary serialisations", () => {
    const entries = x.entries(x.child(x.root, "Dict"));
    expect(entries.map(([k]) => k)).toEqual(["Dose", "7"]);
    expect(x.str(entries[1]![1], "V")).toBe("x");
  });

  it("lists non-nil list items", () => {
    expect(x.items(x.child(x.root, "List"), "Item").map((i) => x.str(i, "Id"))).toEqual(["1", "2"]);
  });
});
