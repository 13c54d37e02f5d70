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

const CLUSTER = `resource "aws_rds_cluster" "orders" {
  engine            = "aurora-postgresql"
  storage_encrypted = false
}
`;

// An instance's notes: none of them is about a cluster.
const RDS_IMPACT = [
  "FORCES REPLACEMENT of the DB instance: storage_encrypted cannot change in place, so Terraform destroys the instance and creates a new, EMPTY encrypted one. Before applying, take a snapshot, copy it with a KMS key (aws_db_snapshot_copy with kms_key_id), and restore the new instance from the encrypted copy (snapshot_identifier), then cut the application over; expect downtime or use replication/DMS for a cut-over.",
  "Set final_snapshot_identifier / deletion_protection appropriately: a replacement with skip_final_snapshot = true destroys the data.",
  "Read replicas of this instance are encrypted only once they are recreated from the encrypted primary.",
  "Without kms_key_id the AWS managed key aws/rds is used; snapshots encrypted with it cannot be shared with other accounts.",
];

// A cluster's: none of them is about "the DB instance" or its read replicas.
const CLUSTER_IMPACT = [
  "FORCES REPLACEMENT of the cluster: storage_encrypted cannot change in place, so Terraform destroys the cluster, with its cluster instances, and creates a new, EMPTY encrypted one. Before applying, take a cluster snapshot and restore the new cluster from it with snapshot_identifier and kms_key_id (copying an unencrypted cluster snapshot cannot encrypt it; restoring it with a KMS key does), then cut the application over; expect downtime or use replication/DMS for a cut-over.",
  "Set final_snapshot_identifier / deletion_protection appropriately: a replacement with skip_final_snapshot = true destroys the data.",
  "Without kms_key_id the AWS managed key aws/rds is used; snapshots encrypted with it cannot be shared with other accounts.",
];

// The reason whole (JSON, the app's gate): what breaks, then the flag.
const SKIPPED =
  "disruptive — FORCES REPLACEMENT of the DB instance: storage_encrypted cannot change in place, so Terraform destroys the instance and creates a new, EMPTY encrypted one; re-run with --allow-disruptive to apply it";
// The text output says what breaks once, in the first impact line below the finding.
const SKIPPED_TEXT = "disruptive (impact below); re-run with --allow-disruptive to apply it";

function rdsDir(text = RDS): string {
  const dir = mkdtempSync(join(tmpdir(), "fixloop-impact-"));
  writeFileSync(join(dir, "db.tf"), text);
  return dir;
}

describe("fixloop fix: disruptive fixes and impact notes", () => {
  it("skips a disruptive fix without --allow-disruptive, saying what it breaks and which flag applies it", async () => {
    const dir = rdsDir();
    const r = await run(["fix", dir, "--rule", "aws-rds-encryption"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      [
        `skipped aws-rds-encryption  aws_db_instance.orders (db.tf:4): ${SKIPPED_TEXT}`,
        ...RDS_IMPACT.map((n) => `    impact: ${n}`),
        "",
        "0 fixed, 1 skipped, 0 refused. No file changed.",
        "",
      ].join("\n"),
    );
    expect(readFileSync(join(dir, "db.tf"), "utf8")).toBe(RDS);
  });

  it("gives a cluster the cluster's notes, and an instance nothing about clusters", async () => {
    const r = await run(["fix", rdsDir(CLUSTER), "--rule", "aws-rds-encryption"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      [
        `skipped aws-rds-encryption  aws_rds_cluster.orders (db.tf:3): ${SKIPPED_TEXT}`,
        ...CLUSTER_IMPACT.map((n) => `    impact: ${n}`),
        "",
        "0 fixed, 1 skipped, 0 refused. No file changed.",
        "",
      ].join("\n"),
    );
    const json = JSON.parse(
      (await run(["fix", rdsDir(CLUSTER), "--rule", "aws-rds-encryption", "--format", "json"])).stdout,
    );
    expect(json.results[0]).toMatchObject({
      status: "skipped",
      reason:
        "disruptive — FORCES REPLACEMENT of the cluster: storage_encrypted cannot change in place, so Terraform destroys the cluster, with its cluster instances, and creates a new, EMPTY encrypted one; re-run with --allow-disruptive to apply it",
      impact: CLUSTER_IMPACT,
    });
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
    // In text, what breaks is said once: in the first impact line.
    const text = (await run(args.filter((a) => a !== "--format" && a !== "json"))).stdout.split("\n");
    const at = text.findIndex((l) => l.startsWith("skipped checkov 84c8e6ae0d715e5fb57369423859ee29 "));
    expect(text.slice(at, at + 6)).toEqual([
      "skipped checkov 84c8e6ae0d715e5fb57369423859ee29 [low 27] → aws_db_instance.default (the finding names aws_db_instance.default; defined in aws/db-app.tf:2)",
      `    aws-rds-encryption: ${SKIPPED_TEXT}`,
      ...RDS_IMPACT.map((n) => `    impact: ${n}`),
    ]);
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
