// Suppression syntax exactly as each tool documents it:
// - Checkov docs, "Suppressing and Skipping Policies" (checkov.io, Apache-2.0): the aws_s3_bucket example.
// - tfsec docs, "Ignoring Checks" (aquasecurity.github.io/tfsec, MIT): inline, line above, several
//   on one line, `:exp:yyyy-mm-dd`.
// - Trivy docs, "Filtering" (trivy.dev, Apache-2.0): `#trivy:ignore:<id>`, `.trivyignore` with
//   `exp:`, `.trivyignore.yaml` misconfigurations with id/paths/statement/expired_at.
// - KICS docs, "Using commands on scanned files as comments" and KICS's own comment parser tests
//   (Checkmarx/kics pkg/parser/terraform/comment, Apache-2.0): ignore-line, ignore-block.
import { describe, expect, it } from "vitest";
import { buildIndex } from "../../src/hcl/index.ts";
import { RULES } from "../../src/rules/registry.ts";
import { scanWithSuppressions } from "../../src/rules/scan.ts";
import { suppressionsInText } from "../../src/suppress/comments.ts";
import { parseTrivyignore, parseTrivyignoreYaml } from "../../src/suppress/ignore-files.ts";
import { collectSuppressions } from "../../src/suppress/index.ts";
import { suppressionProblems } from "../../src/suppress/policy.ts";

const TODAY = "2026-12-05";

function scan(files: Record<string, string>, ignoreFiles: Array<{ path: string; text: string }> = []) {
  const sources = Object.entries(files).map(([path, text]) => ({ path, text }));
  const { suppressions } = collectSuppressions(sources, ignoreFiles);
  const r = scanWithSuppressions(buildIndex(sources), RULES, suppressions, TODAY);
  return {
    active: r.active.map((d) => `${d.ruleId} ${d.resource.address}`),
    suppressed: r.suppressed.map(
      (s) => `${s.detection.ruleId} ${s.detection.resource.address} <- ${s.suppression.text}`,
    ),
    expired: [...r.expired.values()].map((s) => s.text),
  };
}

// Checkov's documented example, byte for byte.
const CHECKOV_DOC = `resource "aws_s3_bucket" "foo-bucket" {
  region        = var.region
    #checkov:skip=CKV_AWS_20:The bucket is a public static content host
  bucket        = local.bucket_name
  force_destroy = true
  acl           = "public-read"
}
`;

describe("comments", () => {
  it("reads checkov's skip with its reason, inside the block", () => {
    expect(suppressionsInText("main.tf", CHECKOV_DOC)).toEqual([
      {
        syntax: "checkov:skip",
        ids: ["CKV_AWS_20"],
        reason: "The bucket is a public static content host",
        file: "main.tf",
        line: 3,
        text: "#checkov:skip=CKV_AWS_20:The bucket is a public static content host",
        scope: { kind: "enclosing-block" },
      },
    ]);
  });

  it("reads tfsec's several ignores on one line and the expiry", () => {
    const text = `#tfsec:ignore:aws-s3-enable-bucket-encryption tfsec:ignore:aws-s3-enable-bucket-logging
resource "aws_s3_bucket" "my-bucket" {
  bucket = "foobar"
  acl    = "private"
}
#tfsec:ignore:aws-s3-enable-bucket-encryption:exp:2022-01-02
`;
    const got = suppressionsInText("s3.tf", text).map((s) => [s.ids[0], s.expires ?? null, s.scope]);
    expect(got).toEqual([
      ["aws-s3-enable-bucket-encryption", null, { kind: "target-line", line: 2 }],
      ["aws-s3-enable-bucket-logging", null, { kind: "target-line", line: 2 }],
      ["aws-s3-enable-bucket-encryption", "2022-01-02", { kind: "target-line", line: 7 }],
    ]);
  });

  it("reads `# checkov:skip=` with a space and `//` comments; a skip in another block does not apply", () => {
    const r = scan({
      "kms.tf": `resource "aws_kms_key" "a" {
  # checkov:skip=CKV_AWS_7:HSM rotates this key
  description = "a"
}

resource "aws_kms_key" "b" {
  // checkov:skip=CKV_AWS_20:not this rule
  description = "b"
}
`,
    });
    expect(r.suppressed).toEqual([
      "aws-kms-rotation aws_kms_key.a <- # checkov:skip=CKV_AWS_7:HSM rotates this key",
    ]);
    expect(r.active).toEqual(["aws-kms-rotation aws_kms_key.b"]);
  });

  it("does not read a marker inside a string", () => {
    expect(suppressionsInText("a.tf", `locals { x = "#checkov:skip=CKV_AWS_20:no" }\n`)).toEqual([]);
  });

  it("reads kics-scan disable only before the first code line", () => {
    const text = `# kics-scan disable=22fbfeac-7b5a-421a-8a27-7a2178bb910b\nresource "aws_kms_key" "k" {}\n# kics-scan disable=x\n`;
    expect(suppressionsInText("k.tf", text).map((s) => s.ids)).toEqual([
      ["22fbfeac-7b5a-421a-8a27-7a2178bb910b"],
    ]);
  });
});

describe("scan with suppressions", () => {
  it("checkov skip suppresses the public ACL finding by its checkov alias, and nothing else", () => {
    const r = scan({ "main.tf": CHECKOV_DOC });
    expect(r.suppressed).toEqual([
      "aws-s3-public-acl aws_s3_bucket.foo-bucket <- #checkov:skip=CKV_AWS_20:The bucket is a public static content host",
    ]);
    expect(r.active).not.toContain("aws-s3-public-acl aws_s3_bucket.foo-bucket");
    expect(r.active).toContain("aws-s3-versioning aws_s3_bucket.foo-bucket");
  });

  it("tfsec ignore on the attribute line (tfsec's security group example)", () => {
    const r = scan({
      "sg.tf": `resource "aws_security_group_rule" "my-rule" {
    type = "ingress"
    from_port = 22
    to_port = 22
    protocol = "tcp"
    security_group_id = "sg-123"
    cidr_blocks = ["0.0.0.0/0"] #tfsec:ignore:aws-vpc-no-public-ingress-sgr
}
`,
    });
    expect(r.active).toEqual([]);
    expect(r.suppressed).toEqual([
      'aws-sg-open-admin-ports aws_security_group_rule.my-rule <- cidr_blocks = ["0.0.0.0/0"] #tfsec:ignore:aws-vpc-no-public-ingress-sgr',
    ]);
  });

  it("an expired trivy ignore counts as none and is reported as expired", () => {
    const text = `#trivy:ignore:AVD-AWS-0065:exp:2025-01-02
resource "aws_kms_key" "k" {
  description = "x"
}
`;
    const r = scan({ "kms.tf": text });
    expect(r.active).toEqual(["aws-kms-rotation aws_kms_key.k"]);
    expect(r.expired).toEqual(["#trivy:ignore:AVD-AWS-0065:exp:2025-01-02"]);
    // Valid through its own day.
    const today = scan({ "kms.tf": text.replace("2025-01-02", TODAY) });
    expect(today.active).toEqual([]);
  });

  it("kics ignore-line covers the line below only; ignore-block the block below", () => {
    const line = scan({
      "kms.tf": `resource "aws_kms_key" "k" {
  description = "x"
  # kics-scan ignore-line
  enable_key_rotation = false
}
`,
    });
    expect(line.suppressed).toEqual(["aws-kms-rotation aws_kms_key.k <- # kics-scan ignore-line"]);
    const block = scan({
      "kms.tf": `// kics-scan ignore-block
resource "aws_kms_key" "k" {
  description = "x"
}
`,
    });
    expect(block.suppressed).toEqual(["aws-kms-rotation aws_kms_key.k <- // kics-scan ignore-block"]);
  });

  it(".trivyignore and .trivyignore.yaml (paths filter) apply tree-wide", () => {
    const files = {
      "a/kms.tf": `resource "aws_kms_key" "a" {}\n`,
      "b/kms.tf": `resource "aws_kms_key" "b" {}\n`,
    };
    const yaml = `misconfigurations:
  - id: AVD-AWS-0065
    paths:
      - "a/*.tf"
    statement: Keys rotated by the HSM team
    expired_at: 2027-01-01
`;
    const r = scan(files, [{ path: ".trivyignore.yaml", text: yaml }]);
    expect(r.suppressed).toEqual(["aws-kms-rotation aws_kms_key.a <- id: AVD-AWS-0065"]);
    expect(r.active).toEqual(["aws-kms-rotation aws_kms_key.b"]);
  });
});

describe("ignore files", () => {
  it("reads Trivy's documented .trivyignore", () => {
    const text = `# Accept the risk
CVE-2018-14618

# Accept the risk until 2023-01-01
CVE-2019-14697 exp:2023-01-01

# No impact in our settings
CVE-2019-1543

# Ignore misconfigurations
AVD-DS-0002
`;
    expect(
      parseTrivyignore(text).map((s) => [s.ids[0], s.reason ?? null, s.expires ?? null, s.line]),
    ).toEqual([
      ["CVE-2018-14618", "Accept the risk", null, 2],
      ["CVE-2019-14697", "Accept the risk until 2023-01-01", "2023-01-01", 5],
      ["CVE-2019-1543", "No impact in our settings", null, 8],
      ["AVD-DS-0002", "Ignore misconfigurations", null, 11],
    ]);
  });

  it("names the entry of a malformed .trivyignore.yaml", () => {
    expect(() => parseTrivyignoreYaml("misconfigurations:\n  - paths: [a]\n")).toThrow(
      ".trivyignore.yaml: misconfigurations[0]: id must be a string",
    );
  });
});

describe("policy", () => {
  it("reports a suppression without reason or with a far expiry", () => {
    const s = [
      ...suppressionsInText("main.tf", CHECKOV_DOC),
      ...suppressionsInText("k.tf", "#tfsec:ignore:aws-kms-auto-rotate-keys:exp:2027-12-31\n"),
      ...suppressionsInText("k2.tf", "#tfsec:ignore:aws-kms-auto-rotate-keys:exp:2027-01-01 HSM rotates\n"),
    ];
    expect(suppressionProblems(s, { requireReason: true, maxDays: 90 }, TODAY).map((p) => p.message)).toEqual(
      [
        "checkov:skip suppression has no expiry (at most 90 days required)",
        "tfsec:ignore suppression gives no reason and expires on 2027-12-31, 391 days away (at most 90 allowed)",
      ],
    );
  });
});
