import { describe, expect, it } from "vitest";
import { type Block, blocksOf } from "../../src/hcl/ast.ts";
import { HclSyntaxError } from "../../src/hcl/errors.ts";
import { parseHcl } from "../../src/hcl/parser.ts";

const slice = (text: string, n: { start: number; end: number }) => text.slice(n.start, n.end);

describe("parseHcl", () => {
  it("gives every block and attribute its exact source span and line", () => {
    const text = [
      "# header comment",
      'resource "aws_s3_bucket" "logs" {',
      '  bucket = "acme-logs" // trailing',
      "  /* block comment */",
      "  versioning {",
      "    enabled = true",
      "  }",
      "}",
      "",
    ].join("\n");
    const file = parseHcl("main.tf", text);
    const [bucket] = blocksOf(file.body) as [Block];
    expect(bucket.labels).toEqual(["aws_s3_bucket", "logs"]);
    expect(bucket.line).toBe(2);
    expect(bucket.endLine).toBe(8);
    expect(slice(text, bucket).startsWith('resource "aws_s3_bucket" "logs" {')).toBe(true);
    expect(slice(text, bucket).endsWith("}")).toBe(true);
    const attr = bucket.body[0]!;
    expect(attr.kind === "attribute" && attr.line).toBe(3);
    expect(slice(text, attr)).toBe('bucket = "acme-logs"');
    const versioning = blocksOf(bucket.body, "versioning")[0]!;
    expect(versioning.line).toBe(5);
    expect(slice(text, versioning.body[0]!)).toBe("enabled = true");
  });

  it("reads heredocs, indented heredocs and template interpolations", () => {
    const text = [
      "locals {",
      "  policy = <<EOF",
      '{"Resource": "${aws_s3_bucket.b.arn}/*"}',
      "EOF",
      "  script = <<-EOT",
      "    echo ${var.name}",
      "  EOT",
      '  name = "${var.env}-${lower(var.team)}-logs"',
      "}",
    ].join("\n");
    const [locals] = blocksOf(parseHcl("l.tf", text).body) as [Block];
    const [policy, script, name] = locals.body;
    expect(policy?.kind === "attribute" && policy.expr.kind).toBe("template");
    expect(script?.kind === "attribute" && script.expr.kind === "template" && script.expr.heredoc).toEqual({
      marker: "EOT",
      indented: true,
    });
    expect(
      name?.kind === "attribute" && name.expr.kind === "template" && name.expr.parts.map((p) => p.kind),
    ).toEqual(["interp", "text", "interp", "text"]);
    expect(slice(text, script!)).toBe("script = <<-EOT\n    echo ${var.name}\n  EOT");
  });

  it("accepts unquoted labels, dynamic blocks, for_each, count, one-line blocks and for expressions", () => {
    const text = [
      "variable region {}",
      'resource "aws_security_group" "web" {',
      "  count = var.enabled ? 1 : 0",
      '  dynamic "ingress" {',
      "    for_each = { for r in var.rules : r.name => r if r.enabled }",
      "    content { from_port = ingress.value.port }",
      "  }",
      '  tags = merge(var.tags, { Name = "web-${count.index}" })',
      "  ids = aws_subnet.private[*].id",
      "}",
    ].join("\n");
    const [variable, sg] = blocksOf(parseHcl("sg.tf", text).body) as [Block, Block];
    expect(variable.labels).toEqual(["region"]);
    const dyn = blocksOf(sg.body, "dynamic")[0]!;
    expect(dyn.labels).toEqual(["ingress"]);
    expect(blocksOf(dyn.body, "content")[0]!.body.map((i) => i.kind === "attribute" && i.name)).toEqual([
      "from_port",
    ]);
  });

  // Shapes `terraform fmt` and HashiCorp's parser accept that fixloop used to reject (issue 13).
  describe("valid HCL shapes HashiCorp's parser accepts", () => {
    const firstValue = (text: string) => {
      const [locals] = blocksOf(parseHcl("main.tf", text).body) as [Block];
      const attr = locals.body[0]!;
      if (attr.kind !== "attribute") throw new Error("expected an attribute");
      return attr.expr;
    };

    it("reads a newline before .attr inside parentheses as the same traversal", () => {
      const e = firstValue("locals {\n  a = try(\n    var.x\n    .y, null)\n}\n");
      expect(e.kind === "call" && e.args[0]).toMatchObject({
        kind: "traversal",
        root: "var",
        steps: [
          { kind: "attr", name: "x" },
          { kind: "attr", name: "y" },
        ],
      });
    });

    it("reads a newline before [index] and [*] inside brackets and parentheses as the same traversal", () => {
      const e = firstValue(
        "locals {\n  a = [\n    var.x\n    [0],\n    (aws_instance.web\n    [*].id)\n  ]\n}\n",
      );
      expect(e.kind === "tuple" && e.items.length).toBe(2);
      expect(e.kind === "tuple" && e.items[0]).toMatchObject({ kind: "traversal", root: "var" });
      expect(e.kind === "tuple" && e.items[0]!.kind === "traversal" && e.items[0]!.steps[1]).toMatchObject({
        kind: "index",
      });
    });

    it("reads a newline between a function name and ( inside brackets as a call", () => {
      const e = firstValue("locals {\n  a = [\n    max\n    (1, 2)\n  ]\n}\n");
      expect(e.kind === "tuple" && e.items[0]).toMatchObject({ kind: "call", name: "max" });
    });

    it("reads provider-defined functions, also inside a conditional", () => {
      const text = "locals {\n  a = var.b ? provider::aws::arn_parse(var.c).account_id : null\n}\n";
      const e = firstValue(text);
      expect(e.kind).toBe("conditional");
      const then = e.kind === "conditional" ? e.then : undefined;
      expect(then).toMatchObject({
        kind: "relative",
        source: { kind: "call", name: "provider::aws::arn_parse" },
      });
      expect(then && text.slice(then.start, then.end)).toBe("provider::aws::arn_parse(var.c).account_id");
    });

    it("keeps a newline significant outside brackets: the next line is not a traversal step", () => {
      expect(() => parseHcl("main.tf", "locals {\n  a = var.x\n  .y\n}\n")).toThrow(
        'main.tf:3:3: expected an attribute name or block type, found "."',
      );
    });

    it("names what is wrong in a malformed provider function", () => {
      expect(() => parseHcl("main.tf", "locals {\n  a = provider::aws::arn_parse\n}\n")).toThrow(
        'main.tf:2:31: expected "(" after function name, found a newline',
      );
    });
  });

  it("keeps offsets right with CRLF line endings", () => {
    const text = 'resource "aws_kms_key" "k" {\r\n  enable_key_rotation = false\r\n}\r\n';
    const [key] = blocksOf(parseHcl("k.tf", text).body) as [Block];
    const attr = key.body[0]!;
    expect(slice(text, attr)).toBe("enable_key_rotation = false");
    expect(attr.kind === "attribute" && attr.line).toBe(2);
    expect(key.endLine).toBe(3);
  });

  it.each([
    [
      'resource "aws_s3_bucket" "b" {\n  bucket = \n}\n',
      "main.tf:2:12: expected an expression, found a newline",
    ],
    [
      'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n',
      'main.tf:3:1: unexpected end of file: block resource "aws_s3_bucket" "b" opened on line 1 has no closing "}"',
    ],
    ['locals {\n  a = "unterminated\n}\n', "main.tf:2:7: unterminated string: newline before closing quote"],
    [
      "locals {\n  a = <<EOF\nnever closed\n}\n",
      "main.tf:2:7: unterminated heredoc: no line with closing marker EOF",
    ],
    ["a = 1 b\n", 'main.tf:1:7: expected a newline after the value of attribute a, found "b"'],
  ])("reports a syntax error with file, line and column: %j", (text, message) => {
    expect(() => parseHcl("main.tf", text)).toThrow(HclSyntaxError);
    expect(() => parseHcl("main.tf", text)).toThrow(message);
  });
});
