import { describe, expect, it } from "vitest";
import { buildIndex } from "../../src/hcl/index.ts";
import { awsSgOpenAdminPorts } from "../../src/rules/aws-sg-open-admin-ports.ts";
import { fixDetections } from "../../src/rules/fix.ts";
import { constraintsMeet } from "../../src/rules/provider-versions.ts";
import { RULES } from "../../src/rules/registry.ts";
import { scanIndex } from "../../src/rules/scan.ts";

describe("constraintsMeet", () => {
  it.each([
    ["~> 3.74", ">= 4.62", false],
    ["= 4.61.0", ">= 4.62", false],
    [">= 4.0, < 4.62", ">= 4.62", false],
    ["<= 4.62", ">= 4.62", true],
    ["~> 4.62.0", ">= 4.62", true],
    ["~> 4.0", ">= 4.62", true],
    [">= 4.0, < 6.0", ">= 4.62", true],
    ["5.31.0", ">= 4.62", true],
    [" >=  v3.0 ", ">= 3.0", true],
    ["~> 2.46", ">= 3.0", false],
  ])("%s and %s → %s", (pinned, checked, meet) => {
    expect(constraintsMeet(pinned, checked)).toBe(meet);
  });

  it("does not judge a constraint it cannot read", () => {
    expect(constraintsMeet("latest", ">= 3.0")).toBeUndefined();
  });

  it("reads a long run of spaces in linear time (the constraint is untrusted)", () => {
    const started = performance.now();
    expect(constraintsMeet(`>=${" ".repeat(200_000)}x`, ">= 3.0")).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(200);
  });

  it("every rule declares a readable range", () => {
    for (const r of RULES) {
      expect(constraintsMeet(r.fixProviderVersions.versions, ">= 0"), r.id).toBe(true);
      for (const v of Object.values(r.fixProviderVersions.byResourceType ?? {}))
        expect(constraintsMeet(v, ">= 0"), r.id).toBe(true);
    }
  });
});

const rule = (pin: string) =>
  [
    "terraform {",
    "  required_providers {",
    "    aws = {",
    '      source  = "hashicorp/aws"',
    `      version = "${pin}"`,
    "    }",
    "  }",
    "}",
    "",
    'resource "aws_vpc_security_group_ingress_rule" "ssh" {',
    '  security_group_id = "sg-1"',
    '  cidr_ipv4         = "0.0.0.0/0"',
    "  from_port         = 22",
    '  ip_protocol       = "tcp"',
    "  to_port           = 22",
    "}",
    "",
  ].join("\n");

async function fix(files: Array<{ path: string; text: string }>) {
  const detections = scanIndex(buildIndex(files), [awsSgOpenAdminPorts]);
  return fixDetections(files, detections, [awsSgOpenAdminPorts]);
}

describe("the fix engine and pinned provider versions", () => {
  it("refuses a fix the pinned provider range is not valid for, with the reason", async () => {
    const run = await fix([{ path: "main.tf", text: rule(">= 4.0, < 4.62") }]);
    expect(run.outcomes.map((o) => [o.status, o.reason])).toEqual([
      [
        "refused",
        'the root module pins the aws provider to ">= 4.0, < 4.62", but this fix was checked against aws ">= 4.62" ' +
          "(for aws_vpc_security_group_ingress_rule); no version satisfies both, so the fix is not applied",
      ],
    ]);
    expect(run.files.size).toBe(0);
  });

  it("reads the pin of a calling module", async () => {
    const run = await fix([
      { path: "modules/sg/main.tf", text: rule(">= 4.0").replace(">= 4.0", "~> 4.0") },
      {
        path: "main.tf",
        text: 'terraform {\n  required_providers {\n    aws = "~> 3.74"\n  }\n}\n\nmodule "sg" {\n  source = "./modules/sg"\n}\n',
      },
    ]);
    expect(run.outcomes.map((o) => o.reason)).toEqual([
      'the root module pins the aws provider to "~> 3.74", but this fix was checked against aws ">= 4.62" ' +
        "(for aws_vpc_security_group_ingress_rule); no version satisfies both, so the fix is not applied",
    ]);
  });

  it("fixes where the pinned range includes the checked one", async () => {
    const run = await fix([{ path: "main.tf", text: rule("~> 5.0") }]);
    expect(run.outcomes.map((o) => o.status)).toEqual(["fixed"]);
  });
});
