import { describe, expect, it } from "vitest";
import { type Block, blocksOf } from "../../src/hcl/ast.ts";
import type { EditOp } from "../../src/hcl/edit.ts";
import { parseHcl } from "../../src/hcl/parser.ts";
import { patchFile } from "../../src/hcl/patch-check.ts";

async function patch(text: string, ops: (blocks: Block[]) => EditOp[]) {
  const file = parseHcl("main.tf", text);
  return patchFile(file, ops(blocksOf(file.body)));
}

const BUCKET = `resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"
  acl    = "public-read"
}

resource "aws_instance" "web" {
  ami           = "ami-123"
  instance_type = "t3.micro"

  root_block_device {
    volume_size = 20
  }
}
`;

describe("format-preserving edits, verified", () => {
  it("replaces a value in place", async () => {
    const r = await patch(BUCKET, ([b]) => [{ kind: "set", block: b!, name: "acl", value: '"private"' }]);
    expect(r.ok && r.after).toBe(BUCKET.replace('"public-read"', '"private"'));
  });

  it("adds an attribute after the others, aligned like terraform fmt", async () => {
    const r = await patch(BUCKET, ([, i]) => [{ kind: "set", block: i!, name: "monitoring", value: "true" }]);
    expect(r.ok && r.after).toBe(
      BUCKET.replace(
        '  instance_type = "t3.micro"\n',
        '  instance_type = "t3.micro"\n  monitoring    = true\n',
      ),
    );
  });

  it("re-aligns the group when the new name is the longest (as terraform fmt would)", async () => {
    const r = await patch(BUCKET, ([b]) => [
      { kind: "set", block: b!, name: "force_destroy", value: "false" },
    ]);
    expect(r.ok && r.after).toContain(
      '  bucket        = "acme-logs"\n  acl           = "public-read"\n  force_destroy = false\n}',
    );
  });

  it("adds a nested block as its own paragraph", async () => {
    const r = await patch(BUCKET, ([, i]) => [
      { kind: "addBlock", parent: i!, text: 'metadata_options {\n  http_tokens = "required"\n}' },
    ]);
    expect(r.ok && r.after).toBe(
      BUCKET.replace(
        "    volume_size = 20\n  }\n}",
        '    volume_size = 20\n  }\n\n  metadata_options {\n    http_tokens = "required"\n  }\n}',
      ),
    );
  });

  it("adds a resource right after the one it protects", async () => {
    const r = await patch(BUCKET, ([b]) => [
      {
        kind: "addBlock",
        parent: null,
        after: b!,
        text: 'resource "aws_s3_bucket_versioning" "logs" {\n  bucket = aws_s3_bucket.logs.id\n}',
      },
    ]);
    expect(r.ok && r.after).toBe(
      BUCKET.replace(
        '"public-read"\n}\n',
        '"public-read"\n}\n\nresource "aws_s3_bucket_versioning" "logs" {\n  bucket = aws_s3_bucket.logs.id\n}\n',
      ),
    );
  });

  it("removes an attribute with its line", async () => {
    const r = await patch(BUCKET, ([b]) => [{ kind: "remove", block: b!, name: "acl" }]);
    expect(r.ok && r.after).toBe(BUCKET.replace(`  acl    = "public-read"\n`, ""));
  });

  it("keeps CRLF line endings and every untouched byte", async () => {
    const crlf = BUCKET.replace(/\n/g, "\r\n");
    const r = await patch(crlf, ([, i]) => [{ kind: "set", block: i!, name: "monitoring", value: "true" }]);
    expect(r.ok && r.after).toBe(
      crlf.replace(
        '  instance_type = "t3.micro"\r\n',
        '  instance_type = "t3.micro"\r\n  monitoring    = true\r\n',
      ),
    );
  });

  it("does not reformat a file that was not terraform fmt-clean", async () => {
    const messy = 'resource "aws_kms_key" "k" {\n    description = "odd indent"\n  is_enabled=true\n}\n';
    const r = await patch(messy, ([k]) => [
      { kind: "set", block: k!, name: "enable_key_rotation", value: "true" },
    ]);
    expect(r.ok && r.after).toBe(
      'resource "aws_kms_key" "k" {\n    description = "odd indent"\n  is_enabled=true\n    enable_key_rotation = true\n}\n',
    );
  });

  it("refuses an edit whose value is not valid HCL, with the reason", async () => {
    const r = await patch(BUCKET, ([b]) => [{ kind: "set", block: b!, name: "acl", value: '"private" +' }]);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/^the patched file would not parse: .*main\.tf:3/);
  });

  it("refuses an edit that changes more than intended", async () => {
    // Writing an attribute named like a nested block would change the parsed structure elsewhere.
    const r = await patch(BUCKET, ([, i]) => [
      { kind: "set", block: i!, name: "ami", value: 'var.ami\n  instance_type = "x"' },
    ]);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/the patch changes more than intended|would not parse|not valid HCL/);
  });
});

describe("comments in a replaced value", () => {
  it("are kept on their own lines above the attribute", async () => {
    const text = [
      'resource "aws_security_group_rule" "ssh" {',
      '  type = "ingress"',
      "  cidr_blocks = [ # requested in OPS-123",
      '    "0.0.0.0/0", # temporary',
      "  ]",
      "}",
      "",
    ].join("\n");
    const r = await patch(text, ([b]) => [
      { kind: "set", block: b!, name: "cidr_blocks", value: "var.ssh_allowed_cidrs" },
    ]);
    expect(r.ok && r.after).toBe(
      [
        'resource "aws_security_group_rule" "ssh" {',
        '  type = "ingress"',
        "  # requested in OPS-123",
        "  # temporary",
        "  cidr_blocks = var.ssh_allowed_cidrs",
        "}",
        "",
      ].join("\n"),
    );
  });
});
