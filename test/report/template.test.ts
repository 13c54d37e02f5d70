import { describe, expect, it } from "vitest";
import { render } from "../../src/report/template.ts";

describe("template render", () => {
  it("inserts values and repeats sections", () => {
    expect(
      render("{{a}}:\n{{#items}}\n- {{x}}\n{{/items}}done", { a: "A", items: [{ x: "1" }, { x: "2" }] }),
    ).toBe("A:\n- 1\n- 2\ndone");
  });

  it("never expands template syntax that arrives inside a value (untrusted finding text)", () => {
    const out = render("{{#items}}{{title}}\n{{/items}}{{secret}}", {
      secret: "S",
      items: [{ title: "{{secret}} and {{#items}}x{{/items}}" }],
    });
    expect(out).toBe("{{secret}} and {{#items}}x{{/items}}\nS");
  });

  it("names a missing value", () => {
    expect(() => render("{{nope}}", {})).toThrow("template value {{nope}} is missing");
  });
});
