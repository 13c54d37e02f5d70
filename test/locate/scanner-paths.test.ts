// A scanner finding names a file relative to the folder it scanned and a line. The file at exactly
// that path wins over files that merely end the same way, and a block of a type the finding's rule
// does not cover is never a candidate. The finding is the real Checkov 2.0.209 report
// (fixtures/findings/checkov/checkov-report-multiple-check_type.json: CKV_AWS_79 on
// aws_instance.db_app, /aws/db-app.tf lines 242-412).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkovParser } from "../../src/findings/parsers/checkov.ts";
import { buildIndex } from "../../src/hcl/index.ts";
import { locate } from "../../src/locate/locate.ts";
import { resolveRuleId, ruleById } from "../../src/rules/registry.ts";

const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
const report = JSON.parse(
  readFileSync(
    join(import.meta.dirname, "../../fixtures/findings/checkov/checkov-report-multiple-check_type.json"),
    "utf8",
  ),
);
const imdsFinding = checkovParser
  .parse(report, ctx)
  .findings.find((f) => f.rule.nativeId === "CKV_AWS_79" && f.status === "failed")!;
const imds = { resourceTypes: ruleById("aws-ec2-imdsv2")!.resourceTypes };

/** `count` blank lines, so that the next block starts on line count + 1. */
const pad = (count: number) => "\n".repeat(count);

const instance = `${pad(241)}resource "aws_instance" "db_app" {
  ami           = "ami-04169656fea786776"
  instance_type = "t2.nano"
}
`;
// The root module of the same repository: a load balancer spanning the same line numbers.
const rootLb = `${pad(229)}resource "aws_lb" "front" {
  name               = "front"
  load_balancer_type = "application"
${pad(20)}}
`;

describe("locating a scanner finding by file and line", () => {
  it("reads the real report as aws/db-app.tf:242 on aws_instance.db_app", () => {
    expect(imdsFinding.resource).toMatchObject({
      file: "aws/db-app.tf",
      line: 242,
      terraformAddress: "aws_instance.db_app",
    });
    expect(imdsFinding.rule.catalogId).toBe("aws-ec2-imdsv2");
  });

  it("prefers the file at exactly the reported path over a root file of the same name", () => {
    const index = buildIndex([
      { path: "aws/db-app.tf", text: instance },
      { path: "db-app.tf", text: rootLb },
    ]);
    const loc = locate(imdsFinding, index, imds);
    expect(loc).toMatchObject({
      kind: "located",
      candidate: {
        by: "file-line",
        evidence: "aws/db-app.tf:242 is inside aws_instance.db_app (aws/db-app.tf:242-245)",
      },
      alternatives: [],
    });
    // Without the rule's types the exact path alone decides it.
    const untyped = locate(imdsFinding, index);
    expect(untyped.kind === "located" && untyped.candidate.resource?.address).toBe("aws_instance.db_app");
  });

  it("never offers a block of a type the rule does not cover", () => {
    const index = buildIndex([{ path: "aws/db-app.tf", text: rootLb }]);
    expect(locate(imdsFinding, index, imds)).toEqual({
      kind: "not-found",
      reason:
        "no Terraform block in this checkout defines aws_instance.db_app of a type its rule covers (aws_instance, aws_launch_template, aws_launch_configuration); aws_lb.front in aws/db-app.tf matches (aws/db-app.tf:242 is inside aws_lb.front (aws/db-app.tf:230-253)), but the rule does not cover aws_lb",
    });
  });

  it("keeps the longest matching tail for an absolute path from a CI runner", () => {
    const index = buildIndex([
      { path: "aws/db-app.tf", text: instance },
      { path: "db-app.tf", text: instance },
    ]);
    const absolute = {
      ...imdsFinding,
      resource: {
        ...imdsFinding.resource,
        file: "/home/runner/work/infra/aws/db-app.tf",
        terraformAddress: undefined,
      },
    };
    const loc = locate(absolute, index, imds);
    expect(loc.kind === "located" && loc.candidate.resource?.file).toBe("aws/db-app.tf");
  });
});
