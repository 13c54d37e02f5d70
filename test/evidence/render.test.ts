// The escaping the evidence renderers rely on, case by case (the CLI tests cover whole documents).

import { describe, expect, it } from "vitest";
import { csvField, mdText } from "../../src/evidence/render.ts";

describe("csvField", () => {
  it("quotes per RFC 4180 only when needed", () => {
    expect(csvField("plain text")).toBe("plain text");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField(45)).toBe("45");
    expect(csvField(null)).toBe("");
  });

  it("turns every cell a spreadsheet would run as a formula into text", () => {
    expect(csvField("=1+1")).toBe("'=1+1");
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("-2+3")).toBe("'-2+3");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("\tx")).toBe("'\tx");
    expect(csvField("\r=x")).toBe('"\'\r=x"');
    expect(csvField("  =1+1")).toBe("'  =1+1"); // some importers trim before they look
    expect(csvField('=HYPERLINK("https://evil.example","x")')).toBe(
      '"\'=HYPERLINK(""https://evil.example"",""x"")"',
    );
    expect(csvField("a=b")).toBe("a=b");
  });
});

describe("mdText", () => {
  it("escapes markup, keeps text on one line and stops @mentions", () => {
    expect(mdText("[x](https://e.example) <b>|</b> `c` *d* _e_ #1 ~f~ !g &h \\i")).toBe(
      "\\[x\\](https://e.example) \\<b\\>\\|\\</b\\> \\`c\\` \\*d\\* \\_e\\_ \\#1 \\~f\\~ \\!g \\&h \\\\i",
    );
    expect(mdText("one\r\ntwo\nthree")).toBe("one two three");
    expect(mdText("ping @octocat and @acme/security")).toBe("ping @\u200Boctocat and @\u200Bacme/security");
    expect(mdText("a\u001b[2Jb")).toBe("a\uFFFD\\[2Jb");
    expect(mdText(null)).toBe("");
  });
});
