// `fixloop fix` shows each fix's impact notes, and applies disruptive fixes only when asked to.

import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";

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

const RDS = `resource "aws_db_instance" "orders" {
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  storage_encrypted = false
}
`;

const RDS_IMPACT = [
  "FORCES REPLACEMENT of the DB instance: storage_encrypted cannot change in place, so Terraform destroys the instance and creates a new, EMPTY encrypted one. Before applying, take a snapshot, copy it with a KMS key (aws_db_snapshot_copy with kms_key_id), and restore the new instance from the encrypted copy (snapshot_identifier), then cut the application over; expect downtime or use replication/DMS for a cut-over.",
  "FORCES REPLACEMENT of an aws_rds_cluster the same way: a new, EMPTY encrypted cluster (its cluster instances are recreated with it) unless it is restored from an encrypted snapshot (snapshot_identifier with kms_key_id); plan the copy and the cut-over as for an instance.",
  "Set final_snapshot_identifier / deletion_protection appropriately: a replacement with skip_final_snapshot = true destroys the data.",
  "Read replicas of this instance are encrypted only once they are recreated from the encrypted primary.",
  "Without kms_key_id the AWS managed key aws/rds is used; snapshots encrypted with it cannot be shared with other accounts.",
];

const SKIPPED =
  "disruptive — FORCES REPLACEMENT of the DB instance: storage_encrypted cannot change in place, so Terraform destroys the instance and creates a new, EMPTY encrypted one; re-run with --allow-disruptive to apply it";

function rdsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "fixloop-impact-"));
  writeFileSync(join(dir, "db.tf"), RDS);
  return dir;
}

describe("fixloop fix: disruptive fixes and impact notes", () => {
  it("skips a disruptive fix without --allow-disruptive, saying what it breaks and which flag applies it", async () => {
    const dir = rdsDir();
    const r = await run(["fix", dir, "--rule", "aws-rds-encryption"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      [
        `skipped aws-rds-encryption  aws_db_instance.orders (db.tf:4): ${SKIPPED}`,
        ...RDS_IMPACT.map((n) => `    impact: ${n}`),
        "",
        "0 fixed, 1 skipped, 0 refused. No file changed.",
        "",
      ].join("\n"),
    );
    expect(readFileSync(join(dir, "db.tf"), "utf8")).toBe(RDS);
  });

  it("applies it with --allow-disruptive and prints every impact note under the fixed finding", async () => {
    const dir = rdsDir();
    const r = await run(["fix", dir, "--rule", "aws-rds-encryption", "--allow-disruptive"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "fixed   aws-rds-encryption  aws_db_instance.orders (db.tf:4): set storage_encrypted = true",
        ...RDS_IMPACT.map((n) => `    impact: ${n}`),
        "",
        "--- a/db.tf",
        "+++ b/db.tf",
        "@@ -1,5 +1,5 @@",
        ' resource "aws_db_instance" "orders" {',
        '   engine            = "postgres"',
        '   instance_class    = "db.t3.micro"',
        "-  storage_encrypted = false",
        "+  storage_encrypted = true",
        " }",
        "",
        "1 fixed, 0 skipped, 0 refused. Wrote 1 file.",
        "",
      ].join("\n"),
    );
    expect(readFileSync(join(dir, "db.tf"), "utf8")).toBe(RDS.replace("= false", "= true"));
  });

  it("carries an impact array per result in JSON, for a fix held back as for one applied", async () => {
    const held = JSON.parse(
      (await run(["fix", rdsDir(), "--rule", "aws-rds-encryption", "--format", "json"])).stdout,
    );
    expect(held.results).toEqual([
      {
        ruleId: "aws-rds-encryption",
        resource: { address: "aws_db_instance.orders" },
        file: "db.tf",
        line: 4,
        status: "skipped",
        reason: SKIPPED,
        impact: RDS_IMPACT,
        diff: "",
      },
    ]);
    const applied = JSON.parse(
      (await run(["fix", rdsDir(), "--rule", "aws-rds-encryption", "--format", "json", "--allow-disruptive"]))
        .stdout,
    );
    expect(applied.results[0]).toMatchObject({ status: "fixed", impact: RDS_IMPACT });
  });

  it("--findings: a scanner's finding with a disruptive fix is skipped the same way, with its notes in JSON", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fixloop-impact-tg-"));
    cpSync("examples/terragoat", dir, { recursive: true });
    const checkov = "fixtures/findings/checkov/checkov-report-multiple-check_type.json";
    const args = ["fix", dir, "--findings", checkov, "--format", "json", "--dry-run"];
    const held = JSON.parse((await run(args)).stdout);
    const rds = (json: { results: Array<{ findingId: string }> }) =>
      json.results.find((x) => x.findingId === "84c8e6ae0d715e5fb57369423859ee29");
    expect(rds(held)).toMatchObject({
      ruleId: "aws-rds-encryption",
      status: "skipped",
      reason: `aws-rds-encryption: ${SKIPPED}`,
      impact: RDS_IMPACT,
    });
    expect(held.filesChanged).toEqual([]);
    const applied = JSON.parse((await run([...args, "--allow-disruptive"])).stdout);
    expect(rds(applied)).toMatchObject({
      status: "fixed",
      reason: "aws-rds-encryption: set storage_encrypted = true",
      impact: RDS_IMPACT,
    });
  });

  it("--allow-disruptive does not combine with --open-pr: those pull requests are labelled for review", async () => {
    const r = await run(["fix", ".", "--findings", "x.json", "--open-pr", "--allow-disruptive"]);
    expect(r).toMatchObject({
      code: 2,
      stderr:
        "fixloop fix: --allow-disruptive does not apply with --open-pr: disruptive fixes open pull requests labelled for security review\n",
    });
  });
});
