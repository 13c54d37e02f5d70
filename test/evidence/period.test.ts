// Period evidence: which findings a month's report shows, what each row says, read as of the end of
// the period (so a past month's report does not change when later events arrive), and the CSV and
// Markdown an auditor receives. Real sample documents (Security Hub S3.8, the generic CSPM batch),
// store calls standing in for the GitHub App steps, and a clock moved by hand.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import {
  InvalidPeriodError,
  PERIOD_CSV_COLUMNS,
  type Period,
  parsePeriod,
  parsePeriodBound,
  periodEvidence,
  renderPeriodEvidence,
} from "../../src/evidence/period.ts";
import { persistFindings } from "../../src/ingest/persist.ts";
import { changeState } from "../../src/lifecycle/change-state.ts";
import { recordRemediation, updateRemediation } from "../../src/store/remediations.ts";
import { Store } from "../../src/store/store.ts";
import { recordVerifications } from "../../src/store/verifications.ts";
import { describeEachEngine, freshLocation, manualClock, type TestLocation } from "../store/engines.ts";
import { asffS38, readFixture, triage } from "../store/helpers.ts";

const BUCKET = "5c7579463ae931d10dec4ec9"; // generic, first seen 2026-11-02, awaiting approval
const SG = "b71bcea8a45d481aa71bc276"; // generic EC2.13, first seen 2026-10-30, fixing
const S3_8 = "ae0285f654a07dbf10547f88"; // Security Hub S3.8, first seen 2021-07-14, fixing
const PR = "https://github.com/acme/infra/pull/42";
const OCTOCAT = { kind: "github-user", login: "octocat", id: 583231 } as const;
const ALICE = { kind: "github-user", login: "alice", id: 1001 } as const;
const APP = { kind: "app" } as const;

const t = (iso: string) => Date.parse(iso);
const NOVEMBER: Period = { since: t("2026-11-01T00:00:00Z"), until: t("2026-12-01T00:00:00Z") };
const DECEMBER: Period = { since: t("2026-12-01T00:00:00Z"), until: t("2027-01-01T00:00:00Z") };

/**
 * November: the three findings arrive; S3.8 is fixed by PR #42 (merged by octocat), checked by CI,
 * by fixloop's code re-scan and by Security Hub, and resolved. December: the bucket is confirmed a
 * false positive, and Security Hub reports S3.8 failing again (reopened).
 */
async function history(store: Store, clock: ReturnType<typeof manualClock>): Promise<void> {
  const at = (iso: string) => clock.set(t(iso));
  at("2026-11-03T09:00:00Z");
  await persistFindings(store, [
    ...triage(readFixture("generic/cspm-batch.json"), new Date(store.now())),
    ...triage(asffS38("FAILED"), new Date(store.now())),
  ]);
  at("2026-11-03T09:05:00Z");
  const fix = await store.transaction((tx) =>
    recordRemediation(
      tx,
      {
        findingId: S3_8,
        repository: "acme/infra",
        branch: "fixloop/aws-s3-public-access-block-example",
        prNumber: 42,
        prUrl: PR,
        commitSha: "1a2b3c4d5e6f",
        files: ["storage/s3.tf"],
        diff: "",
        assignment: { team: "acme/storage", reviewers: ["octocat"], decidedBy: "codeowners" },
      },
      store.now(),
    ),
  );
  await changeState(store, {
    findingId: S3_8,
    to: "pr_open",
    actor: APP,
    reason: "opened #42",
    links: { pr: PR },
  });
  at("2026-11-04T10:00:00Z");
  await store.transaction((tx) =>
    updateRemediation(tx, fix, { mergeCommitSha: "9f8e7d6c5b4a" }, store.now()),
  );
  await changeState(store, { findingId: S3_8, to: "merged", actor: OCTOCAT, reason: "#42 merged" });
  await changeState(store, { findingId: S3_8, to: "verifying", actor: APP, reason: "waiting for checks" });
  at("2026-11-04T10:20:00Z");
  await store.transaction((tx) =>
    recordVerifications(tx, [
      {
        findingId: S3_8,
        kind: "ci",
        result: "passed",
        checkedBy: "terraform-plan",
        observedAt: store.now(),
        detail: "",
        links: {},
      },
      {
        findingId: S3_8,
        kind: "code",
        result: "passed",
        checkedBy: "fixloop",
        observedAt: store.now(),
        detail: "",
        links: {},
      },
    ]),
  );
  at("2026-11-04T12:00:00Z");
  await persistFindings(store, triage(asffS38("PASSED", "2026-11-04T11:58:00.000Z"), new Date(store.now())));
  at("2026-11-04T12:01:00Z");
  await changeState(store, { findingId: S3_8, to: "resolved", actor: APP, reason: "CI and re-scans passed" });

  at("2026-12-01T10:00:00Z");
  await changeState(store, {
    findingId: BUCKET,
    to: "false_positive_pending",
    actor: ALICE,
    reason: "test data",
  });
  at("2026-12-02T10:00:00Z");
  await changeState(store, { findingId: BUCKET, to: "suppressed", actor: ALICE, reason: "confirmed" });
  at("2026-12-05T08:00:00Z");
  await persistFindings(store, triage(asffS38("FAILED", "2026-12-05T07:00:00.000Z"), new Date(store.now())));
}

describeEachEngine("period evidence", (engine) => {
  let loc: TestLocation;
  let store: Store;

  beforeEach(async () => {
    loc = await freshLocation(engine);
    const clock = manualClock();
    store = await loc.open(clock.clock);
    await history(store, clock);
  });
  afterEach(async () => {
    await store.close();
    await loc.dispose();
  });

  it("has one row per finding with activity in the month, as it stood at the end of the month", async () => {
    const rows = await periodEvidence(store, NOVEMBER);
    expect(rows.map((r) => [r.id, r.state, r.activity])).toEqual([
      [S3_8, "resolved", ["state_changed", "resolved"]],
      [SG, "fixing", ["state_changed"]],
      [BUCKET, "awaiting_approval", ["detected", "state_changed"]],
    ]);
    const s38 = rows[0]!;
    expect(s38).toEqual({
      id: S3_8,
      title: "S3.8 S3 Block Public Access setting should be enabled at the bucket-level",
      rule: "S3.8 → aws-s3-public-access-block",
      tier: "medium",
      riskScore: 45,
      detectedAt: "2021-07-14T17:06:07.284Z",
      sources: [
        {
          tool: "securityhub",
          sourceFindingId:
            "arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/e0182181-9218-420f-bef2-ed09ed230c59",
        },
      ],
      team: "acme/storage",
      reviewers: ["octocat"],
      mergedBy: "GitHub user octocat (id 583231)",
      prUrl: PR,
      commit: "1a2b3c4d5e6f",
      mergeCommit: "9f8e7d6c5b4a",
      verification: {
        ci: { result: "passed", checkedBy: "terraform-plan", observedAt: "2026-11-04T10:20:00.000Z" },
        code: { result: "passed", checkedBy: "fixloop", observedAt: "2026-11-04T10:20:00.000Z" },
        runtime: { result: "passed", checkedBy: "securityhub", observedAt: "2026-11-04T11:58:00.000Z" },
      },
      resolvedAt: "2026-11-04T12:01:00.000Z",
      // Detection (2021-07-14T17:06:07.284Z) to resolution: 46,530.91 hours.
      timeToRemediateHours: 46530.91,
      slaDue: "2021-08-13T17:06:07.284Z",
      slaBreached: true,
      state: "resolved",
      activity: ["state_changed", "resolved"],
    });
    const [, sg, bucket] = rows;
    expect(sg).toMatchObject({
      team: "payments",
      mergedBy: null,
      prUrl: null,
      resolvedAt: null,
      timeToRemediateHours: null,
    });
    // Open at the end of November and past its due date: breached, though no sweep recorded it.
    expect(Date.parse(sg!.slaDue)).toBeLessThan(NOVEMBER.until);
    expect(sg!.slaBreached).toBe(true);
    // Critical: due two days after it was first seen, and still awaiting approval at the end of November.
    expect(bucket).toMatchObject({
      slaDue: "2026-11-04T08:15:00.000Z",
      slaBreached: true,
      team: "data-platform",
    });
  });

  it("shows December's changes in December, without rewriting November", async () => {
    const december = await periodEvidence(store, DECEMBER);
    expect(december.map((r) => [r.id, r.state, r.activity, r.resolvedAt])).toEqual([
      [S3_8, "reopened", ["state_changed"], null],
      [BUCKET, "suppressed", ["state_changed"], null],
    ]);
    // The bucket was suppressed as a false positive: its SLA is not counted as breached.
    expect(december[1]!.slaBreached).toBe(false);
    const november = await periodEvidence(store, NOVEMBER);
    expect(november.find((r) => r.id === BUCKET)?.state).toBe("awaiting_approval");
    expect(november.find((r) => r.id === S3_8)?.resolvedAt).toBe("2026-11-04T12:01:00.000Z");
  });

  it("leaves out checks and transitions after the end of the period", async () => {
    const rows = await periodEvidence(store, { since: NOVEMBER.since, until: t("2026-11-04T11:59:00Z") });
    const s38 = rows.find((r) => r.id === S3_8)!;
    expect(s38).toMatchObject({
      state: "verifying",
      resolvedAt: null,
      timeToRemediateHours: null,
      activity: ["state_changed"],
    });
    // Security Hub's pass was observed at 11:58 (fixloop stored it at 12:00 with the source's time).
    expect(s38.verification.runtime?.observedAt).toBe("2026-11-04T11:58:00.000Z");
    expect(s38.verification.ci?.result).toBe("passed");
  });

  it("knows nothing of a finding fixloop had not recorded by the end of the period", async () => {
    // The security group was first seen by the source on 30 October, but stored on 3 November.
    const october = { since: t("2026-10-01T00:00:00Z"), until: t("2026-11-01T00:00:00Z") };
    expect(await periodEvidence(store, october)).toEqual([]);
    expect(renderPeriodEvidence([], october, "md")).toBe(
      "# Evidence from 2026-10-01T00:00:00.000Z to 2026-11-01T00:00:00.000Z\n\n0 findings with activity in the period: 0 detected, 0 resolved, 0 past their SLA. States are as of the end of the period.\n",
    );
  });

  it("renders CSV with one line per finding and Markdown with one table row per finding", async () => {
    const rows = await periodEvidence(store, NOVEMBER);
    const csv = renderPeriodEvidence(rows, NOVEMBER, "csv").split("\r\n");
    expect(csv[0]).toBe(PERIOD_CSV_COLUMNS.join(","));
    expect(csv[0]).toBe(
      "finding_id,title,state,activity,rule,risk_tier,risk_score,detected_at,source,team,reviewers,merged_by,pr,commit,merge_commit,ci_result,ci_checked_by,ci_observed_at,code_result,code_checked_by,code_observed_at,runtime_result,runtime_checked_by,runtime_observed_at,resolved_at,time_to_remediate_hours,sla_due,sla_breached",
    );
    expect(csv[1]).toBe(
      "ae0285f654a07dbf10547f88,S3.8 S3 Block Public Access setting should be enabled at the bucket-level,resolved,state_changed resolved,S3.8 → aws-s3-public-access-block,medium,45,2021-07-14T17:06:07.284Z,securityhub arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/e0182181-9218-420f-bef2-ed09ed230c59,acme/storage,octocat,GitHub user octocat (id 583231),https://github.com/acme/infra/pull/42,1a2b3c4d5e6f,9f8e7d6c5b4a,passed,terraform-plan,2026-11-04T10:20:00.000Z,passed,fixloop,2026-11-04T10:20:00.000Z,passed,securityhub,2026-11-04T11:58:00.000Z,2026-11-04T12:01:00.000Z,46530.91,2021-08-13T17:06:07.284Z,yes",
    );
    expect(csv).toHaveLength(1 + rows.length + 1); // header, rows, and the empty string after the last CRLF

    const md = renderPeriodEvidence(rows, NOVEMBER, "md").split("\n");
    expect(md.slice(0, 3)).toEqual([
      "# Evidence from 2026-11-01T00:00:00.000Z to 2026-12-01T00:00:00.000Z",
      "",
      "3 findings with activity in the period: 1 detected, 1 resolved, 3 past their SLA. States are as of the end of the period.",
    ]);
    expect(md[6]).toBe(
      "| ae0285f654a07dbf10547f88 | S3.8 S3 Block Public Access setting should be enabled at the bucket-level | resolved | S3.8 → aws-s3-public-access-block | medium | 2021-07-14T17:06:07.284Z | securityhub arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/e0182181-9218-420f-bef2-ed09ed230c59 | acme/storage | GitHub user octocat (id 583231) | https://github.com/acme/infra/pull/42 | 9f8e7d6c5b4a | passed by terraform-plan at 2026-11-04T10:20:00.000Z | passed by fixloop at 2026-11-04T10:20:00.000Z | passed by securityhub at 2026-11-04T11:58:00.000Z | 2026-11-04T12:01:00.000Z | 46530.91 | 2021-08-13T17:06:07.284Z | yes |",
    );
    expect(md[7]).toMatch(
      /^\| b71bcea8a45d481aa71bc276 \| .* \| fixing \| EC2\.13 → aws-sg-open-admin-ports \| high \| .* \| payments \| — \| — \| — \| — \| — \| — \| — \| .* \| yes \|$/,
    );

    const json = JSON.parse(renderPeriodEvidence(rows, NOVEMBER, "json"));
    expect(json.since).toBe("2026-11-01T00:00:00.000Z");
    expect(json.until).toBe("2026-12-01T00:00:00.000Z");
    expect(json.findings.map((r: { id: string }) => r.id)).toEqual([S3_8, SG, BUCKET]);
  });

  it("neutralizes spreadsheet formulas and Markdown in text from a finding", async () => {
    const hostile = {
      finding_id: '=HYPERLINK("https://evil.example","x")',
      resource_arn: "arn:aws:s3:::customer-exports",
      severity: "high",
      rule_id: "@SUM(A1)",
      title: "=cmd|' /C calc'!A0 | @security-team [x](javascript:alert(1)) <img src=x>\nnext",
      metadata: { first_seen: "2026-11-20T00:00:00Z" },
    };
    await persistFindings(store, triage(hostile, new Date(store.now())));
    // Stored on 5 December (the clock's last position), first seen on 20 November.
    const autumn = { since: NOVEMBER.since, until: DECEMBER.until };
    const rows = (await periodEvidence(store, autumn)).filter((r) => r.title.startsWith("="));
    expect(rows).toHaveLength(1);
    const csvLine = renderPeriodEvidence(rows, autumn, "csv").split("\r\n")[1]!;
    expect(csvLine.startsWith(`${rows[0]!.id},"'=cmd|' /C calc'!A0 | @security-team`)).toBe(true);
    expect(csvLine).toContain(",'@SUM(A1),");
    // The source cell starts with the tool's name, so it needs quoting but no apostrophe.
    expect(csvLine).toContain(`,"generic =HYPERLINK(""https://evil.example"",""x"")",`);
    const md = renderPeriodEvidence(rows, autumn, "md");
    expect(md).toContain(
      "| =cmd\\|' /C calc'\\!A0 \\| @\u200Bsecurity-team \\[x\\](javascript:alert(1)) \\<img src=x\\> next |",
    );
    expect(md).not.toMatch(/@(?!\u200B)\w/);
  });
});

describe("parsing a period", () => {
  it("takes a date as a whole UTC day, and --until includes its day", () => {
    expect(parsePeriodBound("2026-10-01", "since")).toBe(t("2026-10-01T00:00:00Z"));
    expect(parsePeriodBound("2026-10-31", "until")).toBe(t("2026-11-01T00:00:00Z"));
    expect(parsePeriod({ since: "2026-10-01", until: "2026-10-31" }, 0)).toEqual({
      since: t("2026-10-01T00:00:00Z"),
      until: t("2026-11-01T00:00:00Z"),
    });
  });

  it("takes a time with a zone exactly, and defaults --until to now", () => {
    expect(parsePeriodBound("2026-11-01T01:30:00+02:00", "until")).toBe(t("2026-10-31T23:30:00Z"));
    expect(parsePeriodBound("2026-11-01T09:00Z", "since")).toBe(t("2026-11-01T09:00:00Z"));
    expect(parsePeriod({ since: "2026-11-01" }, t("2026-11-15T12:00:00Z")).until).toBe(
      t("2026-11-15T12:00:00Z"),
    );
  });

  it("refuses what is not a real date, a time without a zone, and an empty period", () => {
    for (const bad of [
      "yesterday",
      "2026-02-30",
      "2026-02-29T10:00:00Z",
      "2026-11-01T09:00",
      "1 Nov 2026",
      "2026-13-01",
    ])
      expect(() => parsePeriodBound(bad, "since"), bad).toThrow(
        `--since must be a date (2026-10-01) or a time with a zone (2026-10-01T09:00:00Z), got "${bad}"`,
      );
    expect(() => parsePeriod({ since: "2026-11-02", until: "2026-11-01" }, 0)).toThrow(InvalidPeriodError);
    expect(() => parsePeriod({ since: "2026-11-02", until: "2026-11-01" }, 0)).toThrow(
      "the period is empty: --until (2026-11-02T00:00:00.000Z) must be after --since (2026-11-02T00:00:00.000Z)",
    );
  });
});

describe("fixloop evidence --since", () => {
  const dirs: string[] = [];
  let dataDir: string;

  async function run(args: string[]) {
    let stdout = "";
    let stderr = "";
    const code = await main(args, {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      cwd: process.cwd(),
      env: {},
    });
    return { code, stdout, stderr };
  }

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "fixloop-period-cli-"));
    dirs.push(dataDir);
    const clock = manualClock();
    const store = await Store.open({ dataDir }, { clock: clock.clock });
    try {
      await history(store, clock);
    } finally {
      await store.close();
    }
  });
  afterEach(() => {
    vi.useRealTimers();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("prints the period's rows in the format asked for; the end defaults to now", async () => {
    const r = await run([
      "evidence",
      "--since",
      "2026-11-01",
      "--until",
      "2026-11-30",
      "--format",
      "csv",
      "--data-dir",
      dataDir,
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\r\n").map((line) => line.split(",")[0])).toEqual([
      "finding_id",
      S3_8,
      SG,
      BUCKET,
      "",
    ]);

    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-12-03T00:00:00Z"));
    const open = JSON.parse((await run(["evidence", "--since", "2026-12-01", "--data-dir", dataDir])).stdout);
    expect(open.until).toBe("2026-12-03T00:00:00.000Z");
    expect(open.findings.map((f: { id: string; state: string }) => [f.id, f.state])).toEqual([
      [BUCKET, "suppressed"],
    ]);
  });

  it("still prints one finding's record by id", async () => {
    const r = await run(["evidence", "ae0285", "--data-dir", dataDir]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).finding.id).toBe(S3_8);
  });

  it("fails with a clear message on a bad date or a mixed-up command line", async () => {
    expect(await run(["evidence", "--since", "last week", "--data-dir", dataDir])).toEqual({
      code: 2,
      stdout: "",
      stderr:
        'fixloop evidence: --since must be a date (2026-10-01) or a time with a zone (2026-10-01T09:00:00Z), got "last week"\n',
    });
    const usage =
      "fixloop evidence <id> [--format json|csv|md|html], or fixloop evidence --since <date> [--until <date>] [--format json|csv|md]";
    expect((await run(["evidence", "--until", "2026-11-30", "--data-dir", dataDir])).stderr).toBe(
      `fixloop evidence: --until needs --since: ${usage}\n`,
    );
    expect((await run(["evidence", "ae0285", "--since", "2026-11-01", "--data-dir", dataDir])).stderr).toBe(
      `fixloop evidence: give a finding id or a period (--since), not both: ${usage}\n`,
    );
  });
});
