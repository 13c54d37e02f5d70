// for_each and count over statically known collections: each.key / each.value / count.index per
// instance, for detection and location; an unknown collection stays unknown, with its reason.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/findings/model.ts";
import { parseFindings } from "../../src/findings/registry.ts";
import { buildIndex, findResource, resourceInstances } from "../../src/hcl/index.ts";
import { readTerraformTree } from "../../src/hcl/load.ts";
import { locate } from "../../src/locate/locate.ts";
import { awsKmsRotation } from "../../src/rules/aws-kms-rotation.ts";
import { awsSgOpenAdminPorts } from "../../src/rules/aws-sg-open-admin-ports.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";

const ROOT = join(import.meta.dirname, "../..");
const demo = buildIndex(await readTerraformTree(join(ROOT, "fixtures/repos/instances-demo")));
const resource = (address: string) => findResource(demo, address)[0]!;

describe("resourceInstances", () => {
  it("expands a for_each map (keys sorted), a count, and says why an unknown collection is not", () => {
    const admin = resourceInstances(demo, resource("aws_security_group_rule.admin"));
    expect(admin.kind === "known" && admin.list.map((i) => [i.label, i.binding.each?.value])).toEqual([
      ['["https"]', { port: 443, cidr: "0.0.0.0/0" }],
      ['["rdp"]', { port: 3389, cidr: "10.0.0.0/8" }],
      ['["ssh"]', { port: 22, cidr: "0.0.0.0/0" }],
    ]);
    const counted = resourceInstances(demo, resource("aws_security_group_rule.ingress_with_cidr_blocks"));
    expect(counted.kind === "known" && counted.list.map((i) => i.label)).toEqual(["[0]", "[1]"]);
    expect(resourceInstances(demo, resource("aws_security_group_rule.extra"))).toEqual({
      kind: "unknown",
      reason: "for_each var.extra_rules has no default and no value in terraform.tfvars or *.auto.tfvars",
    });
    expect(resourceInstances(demo, resource("aws_security_group.apps"))).toEqual({ kind: "single" });
  });

  it("does not expand more than 1,000 instances of an untrusted count", () => {
    const index = buildIndex([
      { path: "main.tf", text: 'resource "aws_kms_key" "k" {\n  count = 1000000000\n}\n' },
    ]);
    expect(resourceInstances(index, index.resources[0]!)).toEqual({
      kind: "unknown",
      reason: "count is 1000000000; fixloop expands at most 1000",
    });
  });
});

describe("rules over instances", () => {
  it("reports the one instance whose each.value opens an admin port, and leaves an unknown for_each alone", () => {
    const detections = awsSgOpenAdminPorts.detect({ index: demo });
    expect(detections.map((d) => [d.resource.file, d.line, d.key, d.message])).toEqual([
      ["apps.tf", 24, '["ssh"]', 'aws_security_group_rule.admin["ssh"] allows SSH (22) from 0.0.0.0/0'],
      [
        "modules/security-group/main.tf",
        43,
        "[0]",
        "aws_security_group_rule.ingress_with_cidr_blocks[0] allows SSH (22) from 0.0.0.0/0",
      ],
    ]);
    expect(awsSgOpenAdminPorts.fix!(detections[0]!, { index: demo })).toEqual({
      kind: "unfixable",
      reason:
        'aws_security_group_rule.admin["ssh"] is open because of its for_each/count value; change that instance\'s entry in the collection where it is defined',
    });
  });

  it("an attribute rule reads each.value per instance", () => {
    const index = buildIndex([
      {
        path: "main.tf",
        text: `locals {
  keys = {
    orders = { rotate = true }
    audit  = { rotate = false }
  }
}

resource "aws_kms_key" "k" {
  for_each            = local.keys
  description         = each.key
  enable_key_rotation = each.value.rotate
}
`,
      },
    ]);
    expect(awsKmsRotation.detect({ index }).map((d) => [d.key, d.message])).toEqual([
      ['["audit"]', 'aws_kms_key.k["audit"] sets enable_key_rotation = false'],
    ]);
  });
});

describe("locating an instance", () => {
  const tfsec = parseFindings(
    JSON.parse(readFileSync(join(ROOT, "fixtures/findings/tfsec/many_findings_current.json"), "utf8")),
    { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null },
  ).findings.filter((f) => f.resource.terraformAddress?.includes("ingress_with_cidr_blocks"));

  it("locates the block of a tfsec finding on a count instance and keeps the instance", () => {
    expect(tfsec.map((f) => f.resource.terraformAddress)).toEqual([
      "module.SG_EXPOSE_APPS.aws_security_group_rule.ingress_with_cidr_blocks[1]",
      "module.SG_EXPOSE_APPS.aws_security_group_rule.ingress_with_cidr_blocks[0]",
    ]);
    const where = locate(tfsec[0]!, demo, { resourceTypes: awsSgOpenAdminPorts.resourceTypes });
    expect(where.kind === "located" && [where.candidate.resource?.address, where.candidate.instance]).toEqual(
      ["aws_security_group_rule.ingress_with_cidr_blocks", "[1]"],
    );
  });

  // Findings written in this test (no real document names a for_each key of this tree).
  const named = (terraformAddress: string): Finding => ({
    source: { tool: "generic", format: "generic", findingId: "f1" },
    rule: { nativeId: "EC2.13", catalogId: "aws-sg-open-admin-ports" },
    title: "t",
    severity: { native: "HIGH", normalized: "high" },
    resource: { terraformAddress },
    status: "failed",
    context: { dataSensitivity: [] },
    raw: {},
  });

  it("names the instance in the evidence, and refuses a key the known collection does not have", () => {
    const ssh = locate(named('aws_security_group_rule.admin["ssh"]'), demo);
    expect(ssh.kind === "located" && ssh.candidate).toMatchObject({
      instance: '["ssh"]',
      evidence:
        'the finding names aws_security_group_rule.admin["ssh"]; instance ["ssh"] of its for_each, defined in apps.tf:18',
    });
    expect(locate(named('aws_security_group_rule.admin["telnet"]'), demo)).toEqual({
      kind: "not-found",
      reason: 'no Terraform block in this checkout defines aws_security_group_rule.admin["telnet"]',
    });
    const extra = locate(named('aws_security_group_rule.extra["x"]'), demo);
    expect(extra.kind === "located" && extra.candidate.evidence).toBe(
      'the finding names aws_security_group_rule.extra["x"]; instance ["x"] cannot be checked (for_each var.extra_rules has no default and no value in terraform.tfvars or *.auto.tfvars); defined in apps.tf:32',
    );
  });
});
