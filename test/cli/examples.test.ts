// The main job on the bundled example, as a new user runs it: TerraGoat (intentionally vulnerable).

import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";

const EXAMPLE = join(import.meta.dirname, "../../examples/terragoat");

async function run(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

describe("examples/terragoat", () => {
  it("scans every file without a parse error and reports the known problems", async () => {
    const r = await run(["scan", EXAMPLE, "--format", "json"]);
    expect(r.code).toBe(1);
    const { findings, errors } = JSON.parse(r.stdout);
    expect(errors).toEqual([]);
    const byRule = (id: string) =>
      findings
        .filter((f: { ruleId: string }) => f.ruleId === id)
        .map((f: { resource: { address: string } }) => f.resource.address);
    expect(byRule("aws-rds-public")).toEqual(["aws_db_instance.default"]);
    expect(byRule("aws-sg-open-admin-ports")).toEqual(["aws_security_group.web-node"]);
    expect(byRule("azure-nsg-open-admin-ports")).toEqual([
      "azurerm_network_security_group.bad_sg",
      "azurerm_network_security_group.bad_sg",
    ]);
    expect(byRule("gcp-firewall-open-admin-ports")).toEqual(["google_compute_firewall.allow_all"]);
    expect(byRule("aws-s3-public-access-block").sort()).toEqual([
      "aws_s3_bucket.data",
      "aws_s3_bucket.data_science",
      "aws_s3_bucket.financials",
      "aws_s3_bucket.flowbucket",
      "aws_s3_bucket.logs",
      "aws_s3_bucket.operations",
    ]);
    // No aws-s3-encryption: S3 encrypts these buckets with SSE-S3 by default since January 2023, and
    // the example does not require SSE-KMS (rules.options.aws-s3-encryption.requireKms).
    expect(byRule("aws-s3-encryption")).toEqual([]);
    // TerraGoat's nine Aurora clusters leave storage_encrypted unset (provisioned: not encrypted).
    expect(byRule("aws-rds-encryption").filter((a: string) => a.startsWith("aws_rds_cluster."))).toEqual(
      Array.from({ length: 9 }, (_, i) => `aws_rds_cluster.app${i + 1}-rds-cluster`),
    );
    expect(findings).toHaveLength(32);
  });

  it("fixes everything it finds, and the written tree then scans clean", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fixloop-terragoat-"));
    cpSync(EXAMPLE, dir, { recursive: true });
    const fixed = await run(["fix", "--allow-disruptive", dir, "--format", "json"]);
    const { results, filesChanged } = JSON.parse(fixed.stdout);
    expect(results.filter((r: { status: string }) => r.status !== "fixed")).toEqual([]);
    expect(fixed.code).toBe(0);
    // The SG fix declares its CIDR variable where this module keeps its variables.
    expect(filesChanged).toContain("aws/consts.tf");
    const rescan = await run(["scan", dir]);
    expect(rescan.stderr).toBe("");
    expect(rescan.stdout).toMatch(/^No findings in \d+ Terraform files\.\n$/);
    expect(rescan.code).toBe(0);
  });
});
