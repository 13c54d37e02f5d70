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
