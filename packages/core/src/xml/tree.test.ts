import { describe, expect, it } from "vitest";
import { isEmflowError } from "../errors.js";
import { parseXml } from "./tree.js";

function syntaxError(src: string): { message: string; line: number | undefined } {
  try {
    parseXml(src, "f.xml");
  } catch (err) {
    if (isEmflowError(err, "XmlSyntaxError")) return { message: err.message, line: err.line };
    throw err;
  }
  throw new Error("expected a syntax error");
}

describe("parseXml", () => {
  it("builds a tree of local names with leaf text and attributes", () => {
    const doc = parseXml(
      `<?xml version="1.0"?>\n<a:Root xmlns:a="urn:x" xmlns:i="urn:i"><a:Id>12</a:Id><Empty i:nil="true"/><B x='1 > 0'>t &amp; &lt;u&gt; &#65;&#x42;</B><!-- c --><C><![CDATA[<raw & text>]]></C></a:Root>`,
    );
    expect(doc.root.name).toBe("Root");
    expect(doc.root.children.map((c) => c.name)).toEqual(["Id", "Empty", "B", "C"]);
    expect(doc.root.children[0]!.text).toBe("12");
    expect(doc.root.children[1]!.attrs).toEqual({ nil: "true" });
    expect(doc.root.children[2]!.attrs).toEqual({ x: "1 > 0" });
    expect(doc.root.children[2]!.text).toBe("t & <u> AB");
    expect(doc.root.children[3]!.text).toBe("<raw & text>");
    expect(doc.root.text).toBe("");
  });

  it("keeps leading zeros and whitespace-trimmed text as strings", () => {
    expect(parseXml("<r><v>\n  0012 \n</v></r>").root.children[0]!.text).toBe("0012");
  });

  it("indexes DataContract z:Id objects", () => {
    const doc = parseXml(`<r xmlns:z="urn:z"><Name z:Id="5">S</Name><Ref z:Ref="5"/></r>`);
    expect(doc.ids.get("5")?.text).toBe("S");
  });

  it("rejects empty input", () => {
    expect(syntaxError("  \n ").message).toMatch(/empty file/);
  });

  it("rejects binary data with its offset", () => {
    expect(syntaxError("<r>\u0000\u0001</r>").message).toMatch(/binary data at byte 3/);
  });

  it("reports a truncated file with the element left open and its line", () => {
    const e = syntaxError("<r>\n<a>\n<b>1</b>\n");
    expect(e.message).toMatch(/truncated: <a> opened at line 2 is never closed/);
    expect(e.line).toBe(4);
  });

  it("reports a tag cut in the middle", () => {
    expect(syntaxError("<r><a x=\"1").message).toMatch(/truncated tag/);
  });

  it("reports mismatched closing tags with the line", () => {
    const e = syntaxError("<r>\n<a></b>\n</r>");
    expect(e.message).toMatch(/mismatched closing tag <\/b>, expected <\/a>/);
    expect(e.line).toBe(2);
  });

  it("rejects a second root, text outside the root and DOCTYPEs", () => {
    expect(syntaxError("<r/><s/>").message).toMatch(/second root/);
    expect(syntaxError("hello <r/>").message).toMatch(/text outside/);
    expect(syntaxError("<!DOCTYPE r><r/>").message).toMatch(/DOCTYPE/);
  });

  it("rejects a closing tag without an opening one", () => {
    expect(syntaxError("</r>").message).toMatch(/without an opening tag/);
  });
});
