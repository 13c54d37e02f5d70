// The design's seed routing payload, verbatim, through `fixloop ingest` and `fixloop fix --findings`;
// and tfsec's legacy ids in `fixloop ingest --json`.

import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { NO_CHECK_NOTE } from "../../src/ingest/notes.ts";

const ROOT = join(import.meta.dirname, "../..");
const SEED = "fixtures/findings/generic/seed-routing-payload.json";

async function run(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd: ROOT,
  });
  return { code, stdout, stderr };
}

describe("the seed routing payload through the CLI", () => {
  it("fixloop ingest accepts it and says that it names no check", async () => {
    const r = await run(["ingest", SEED]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "critical 100  generic  unspecified  arn:aws:s3:::prod-customer-data-backups",
        "    pr_after_approval: confidence 0.45 is below 0.6: a human approves before the PR opens; the source names no check, so fixloop runs its catalog on the located block",
        "    Critical risk (100/100): critical severity × internet reachable × PII × on an attack path. SLA due 2023-10-29. dedupe 5c7579463ae931d10dec4ec9",
        '    note: this finding names no check (no rule_id or control_id): fixloop runs its rule catalog on the located resource and proposes a fix only after approval; name the check with rule_id (for example "S3.8" or "CKV_AWS_20") to get a pull request for it',
        "",
        "1 finding (1 actionable), 0 rejected, 0 files unreadable.",
        "",
      ].join("\n"),
    );
  });

  it("fixloop ingest --json carries the attack path, the guidance link, the kept context and the note", async () => {
    const r = await run(["ingest", SEED, "--json"]);
    expect(r.code).toBe(0);
    const [finding] = JSON.parse(r.stdout).findings;
    expect(finding.context).toEqual({
      internetReachable: true,
      dataSensitivity: ["PII"],
      attackPath: true,
      attackPathText: "Internet -> EC2 (Instance Profile) -> S3:GetObject",
      ownerTeam: "data-platform",
      remediationUrl: "https://docs.internal.com/security/s3-encryption-guide",
      ticketProject: "DATAPLAT",
      sourceContext: {
        is_internet_reachable: true,
        contains_pii: true,
        attack_path_detected: "Internet -> EC2 (Instance Profile) -> S3:GetObject",
        owner_team: "data-platform",
        jira_project: "DATAPLAT",
        remediation_steps: "https://docs.internal.com/security/s3-encryption-guide",
      },
    });
    expect(finding.notes).toEqual([NO_CHECK_NOTE]);
  });

  it("fixloop fix --findings patches the bucket's block", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fixloop-seed-"));
    cpSync(join(ROOT, "fixtures/repos/cspm-demo"), dir, { recursive: true });
    const r = await run(["fix", "--allow-disruptive", dir, "--findings", SEED]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'fixed   generic cspm-aws-s3-042 [critical 100] → aws_s3_bucket.backups (aws_s3_bucket.backups.bucket resolves to "prod-customer-data-backups" (envs/prod/main.tf:14))\n' +
        "    aws-s3-public-access-block: block all public access (aws_s3_bucket_public_access_block.backups)\n",
    );
    expect(r.stdout).toContain(
      [
        '+resource "aws_s3_bucket_public_access_block" "backups" {',
        "+  bucket = aws_s3_bucket.backups.id",
        "+",
        "+  block_public_acls       = true",
        "+  block_public_policy     = true",
        "+  ignore_public_acls      = true",
        "+  restrict_public_buckets = true",
        "+}",
      ].join("\n"),
    );
    expect(r.stdout).toContain("1 fixed, 0 skipped, 0 refused. Wrote 1 file.");
  });
});

describe("the seed payload, stored", () => {
  it("fixloop finding shows the attack path, the guidance and every kept context key", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "fixloop-seed-store-"));
    await run(["ingest", SEED, "--store", "--data-dir", dataDir]);
    const r = await run(["finding", "5c7579463ae9", "--data-dir", dataDir]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines).toContain("  attack path    Internet -> EC2 (Instance Profile) -> S3:GetObject");
    expect(lines).toContain("  guidance link  https://docs.internal.com/security/s3-encryption-guide");
    const start = lines.indexOf("Source context");
    expect(lines.slice(start, lines.indexOf("", start))).toEqual([
      "Source context",
      "  is_internet_reachable  true",
      "  contains_pii           true",
      "  attack_path_detected   Internet -> EC2 (Instance Profile) -> S3:GetObject",
      "  owner_team             data-platform",
      "  jira_project           DATAPLAT",
      "  remediation_steps      https://docs.internal.com/security/s3-encryption-guide",
    ]);
  });

  it("the evidence record keeps the attack path, the guidance and the source's context", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "fixloop-seed-store-"));
    await run(["ingest", SEED, "--store", "--data-dir", dataDir]);
    const json = JSON.parse((await run(["evidence", "5c7579463ae9", "--data-dir", dataDir])).stdout);
    expect(json.detection.context).toEqual({
      attackPath: "Internet -> EC2 (Instance Profile) -> S3:GetObject",
      guidance: { url: "https://docs.internal.com/security/s3-encryption-guide", text: null },
      sourceContext: expect.objectContaining({ jira_project: "DATAPLAT", owner_team: "data-platform" }),
    });
    const md = (await run(["evidence", "5c7579463ae9", "--format", "md", "--data-dir", dataDir])).stdout;
    expect(md).toContain(
      [
        "- Attack path (from the source): Internet -\\> EC2 (Instance Profile) -\\> S3:GetObject",
        "- Guidance from the source: https://docs.internal.com/security/s3-encryption-guide",
        "- Source context is\\_internet\\_reachable: true",
      ].join("\n"),
    );
    expect(md).toContain("- Source context jira\\_project: DATAPLAT\n");
  });
});

describe("tfsec ids in fixloop ingest", () => {
  it("--json keeps the legacy id on rule.otherIds, and the text names it", async () => {
    const file = "fixtures/findings/tfsec/many_findings_current.json";
    const json = JSON.parse((await run(["ingest", file, "--json"])).stdout);
    expect(json.findings[0].rule).toEqual({
      nativeId: "aws-vpc-no-excessive-port-access",
      catalogId: null,
      otherIds: ["AWS050"],
    });
    const text = (await run(["ingest", file])).stdout;
    expect(text).toContain("tfsec  aws-vpc-no-excessive-port-access (also AWS050)  ");
  });
});
