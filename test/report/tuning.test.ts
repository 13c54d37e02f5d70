// Learning from decisions, on a store filled by the lifecycle's own commands (test/report/
// tuning-fixture.ts): per rule and per source, what people decided in November 2026, each finding
// once per outcome; and the same counts on /metrics, with bounded, escaped labels.

import { afterEach, beforeEach, expect, it } from "vitest";
import { collectMetrics } from "../../src/metrics/metrics.ts";
import { renderPrometheus } from "../../src/metrics/prometheus.ts";
import { boundedRules, MAX_UNMAPPED_RULES } from "../../src/metrics/tuning-metrics.ts";
import { readTuning, type TuningRow, topReasons } from "../../src/report/tuning.ts";
import type { Store } from "../../src/store/store.ts";
import { describeEachEngine, freshLocation, manualClock, type TestLocation } from "../store/engines.ts";
import { decideMonth } from "./tuning-fixture.ts";

const NOVEMBER = { since: Date.parse("2026-11-01T00:00:00Z"), until: Date.parse("2026-12-01T00:00:00Z") };

describeEachEngine("tuning", (engine) => {
  let loc: TestLocation;
  let store: Store;
  let clock: ReturnType<typeof manualClock>;
  const at = (iso: string) => clock.set(Date.parse(iso));

  beforeEach(async () => {
    loc = await freshLocation(engine);
    clock = manualClock();
    store = await loc.open(clock.clock);
    await decideMonth(store, at);
  });
  afterEach(async () => {
    await store.close();
    await loc.dispose();
  });

  it("counts per rule what people decided in the period, each finding once per outcome", async () => {
    const tuning = await readTuning(store.db, { ...NOVEMBER, org: "acme" });
    const row = (rule: string) => tuning.rules.find((r) => r.rule === rule) as TuningRow;
    // Most rejected first; between equals, the larger share.
    expect(tuning.rules.slice(0, 4).map((r) => r.rule)).toEqual([
      "aws-rds-public",
      "aws-ec2-imdsv2",
      "aws-s3-public-access-block",
      "unspecified",
    ]);
    expect(row("aws-ec2-imdsv2")).toEqual({
      rule: "aws-ec2-imdsv2",
      catalog: true,
      seen: 3,
      outcomes: { fixed: 1, false_positive: 1, accepted: 0, snoozed: 0, closed_unmerged: 2 },
      decided: 3,
      rejected: 2,
      share: 2 / 3,
      reasons: [
        {
          reason:
            "<link> closed without merge by alice: no new PR until its fix changes or someone runs /fixloop retry",
          count: 3,
        },
        { reason: "IMDSv1 is required by the legacy monitoring agent on this host", count: 1 },
      ],
    });
    expect(row("aws-rds-public").reasons).toEqual([
      { reason: "The database is private; the public flag is a module default.", count: 2 },
    ]);
    expect(row("aws-s3-public-access-block").outcomes).toEqual({
      fixed: 0,
      false_positive: 0,
      accepted: 1,
      snoozed: 0,
      closed_unmerged: 1,
    });
    expect(row("aws-rds-encryption").outcomes).toEqual({
      fixed: 0,
      false_positive: 0,
      accepted: 0,
      snoozed: 1,
      closed_unmerged: 0,
    });
    expect(row("aws-sg-open-admin-ports")).toMatchObject({ decided: 1, rejected: 0, share: 0 });
    expect(tuning.sources).toEqual([
      {
        format: "asff",
        tool: "securityhub",
        seen: 1,
        outcomes: { fixed: 0, false_positive: 0, accepted: 1, snoozed: 0, closed_unmerged: 1 },
      },
      {
        format: "checkov",
        tool: "checkov",
        seen: 39,
        outcomes: { fixed: 1, false_positive: 3, accepted: 0, snoozed: 1, closed_unmerged: 2 },
      },
      {
        format: "generic",
        tool: "generic",
        seen: 2,
        outcomes: { fixed: 1, false_positive: 1, accepted: 0, snoozed: 0, closed_unmerged: 0 },
      },
    ]);
  });

  it("counts a finding once per rule and once per source, however many records report it", async () => {
    // One imdsv2 finding decided in November is reported again: by a second tool, and by Checkov
    // under another record id.
    const [id] = await store.db
      .selectFrom("findings as f")
      .innerJoin("audit_events as a", "a.finding_id", "f.id")
      .select("f.id")
      .where("f.rule_catalog_id", "=", "aws-ec2-imdsv2")
      .where("a.to_state", "=", "closed_unmerged")
      .orderBy("f.id")
      .limit(1)
      .execute();
    const record = (tool: string, format: string, sourceId: string) => ({
      finding_id: id!.id,
      tool,
      format,
      source_finding_id: sourceId,
      status: "open",
      first_seen: NOVEMBER.since + 86_400_000,
      last_seen: NOVEMBER.since + 86_400_000,
      raw: "{}",
    });
    await store.db
      .insertInto("finding_sources")
      .values([record("trivy", "trivy", "AVD-AWS-0028"), record("checkov", "checkov", "again")])
      .execute();
    const tuning = await readTuning(store.db, { ...NOVEMBER, org: "acme" });
    expect(tuning.rules.find((r) => r.rule === "aws-ec2-imdsv2")).toMatchObject({
      seen: 3,
      decided: 3,
      rejected: 2,
      outcomes: { fixed: 1, false_positive: 1, accepted: 0, snoozed: 0, closed_unmerged: 2 },
    });
    expect(tuning.sources).toEqual([
      {
        format: "asff",
        tool: "securityhub",
        seen: 1,
        outcomes: { fixed: 0, false_positive: 0, accepted: 1, snoozed: 0, closed_unmerged: 1 },
      },
      {
        format: "checkov",
        tool: "checkov",
        seen: 39,
        outcomes: { fixed: 1, false_positive: 3, accepted: 0, snoozed: 1, closed_unmerged: 2 },
      },
      {
        format: "generic",
        tool: "generic",
        seen: 2,
        outcomes: { fixed: 1, false_positive: 1, accepted: 0, snoozed: 0, closed_unmerged: 0 },
      },
      {
        format: "trivy",
        tool: "trivy",
        seen: 1,
        outcomes: { fixed: 0, false_positive: 0, accepted: 0, snoozed: 0, closed_unmerged: 1 },
      },
    ]);
  });

  it("leaves out what happened outside the period, and other organizations", async () => {
    const december = { since: NOVEMBER.until, until: Date.parse("2027-01-01T00:00:00Z") };
    const tuning = await readTuning(store.db, { ...december, org: "acme" });
    expect(tuning.rules.filter((r) => r.decided > 0).map((r) => [r.rule, r.outcomes.false_positive])).toEqual(
      [["aws-rds-encryption", 1]],
    );
    expect((await readTuning(store.db, { ...NOVEMBER, org: "other" })).rules).toEqual([]);
  });

  it("publishes the counts on /metrics, per rule and per source", async () => {
    const text = renderPrometheus(await collectMetrics(store, store.now()));
    const lines = text
      .split("\n")
      .filter((l) => /aws-ec2-imdsv2|format="asff"/.test(l) && /^fixloop_(rule|source)_/.test(l));
    expect(lines).toEqual([
      'fixloop_rule_findings_seen_total{rule="aws-ec2-imdsv2"} 3',
      'fixloop_rule_decisions_total{rule="aws-ec2-imdsv2",outcome="fixed"} 1',
      'fixloop_rule_decisions_total{rule="aws-ec2-imdsv2",outcome="false_positive"} 1',
      'fixloop_rule_decisions_total{rule="aws-ec2-imdsv2",outcome="accepted"} 0',
      'fixloop_rule_decisions_total{rule="aws-ec2-imdsv2",outcome="snoozed"} 0',
      'fixloop_rule_decisions_total{rule="aws-ec2-imdsv2",outcome="closed_unmerged"} 2',
      'fixloop_rule_rejected_share{rule="aws-ec2-imdsv2"} 0.6666666666666666',
      'fixloop_source_findings_seen_total{format="asff",tool="securityhub"} 1',
      'fixloop_source_decisions_total{format="asff",tool="securityhub",outcome="fixed"} 0',
      'fixloop_source_decisions_total{format="asff",tool="securityhub",outcome="false_positive"} 0',
      'fixloop_source_decisions_total{format="asff",tool="securityhub",outcome="accepted"} 1',
      'fixloop_source_decisions_total{format="asff",tool="securityhub",outcome="snoozed"} 0',
      'fixloop_source_decisions_total{format="asff",tool="securityhub",outcome="closed_unmerged"} 1',
    ]);
    expect(text).toContain('fixloop_rule_rejected_share{rule="aws-rds-public"} 1\n');
  });
});

it("groups reasons that differ only in case, spacing, links and closing punctuation", () => {
  expect(
    topReasons(
      [
        "Dev account only.",
        "dev  account only",
        "see https://x.example/1 for why",
        "See https://y.example/2 for why",
        "Dev account ONLY!",
        "third",
        "fourth",
      ],
      3,
    ),
  ).toEqual([
    { reason: "Dev account only.", count: 3 },
    { reason: "see <link> for why", count: 2 },
    { reason: "third", count: 1 },
  ]);
});

it("keeps every catalog rule's series and the most seen unmapped ids; the rest add up under other", () => {
  const row = (rule: string, catalog: boolean, seen: number): TuningRow => ({
    rule,
    catalog,
    seen,
    outcomes: { fixed: 0, false_positive: seen, accepted: 0, snoozed: 0, closed_unmerged: 0 },
    decided: seen,
    rejected: seen,
    share: 1,
    reasons: [],
  });
  const unmapped = Array.from({ length: MAX_UNMAPPED_RULES + 5 }, (_, i) =>
    row(`X_${String(i).padStart(2, "0")}`, false, 100 - i),
  );
  const labels = boundedRules([row("aws-ec2-imdsv2", true, 1), ...unmapped]);
  expect(labels.size).toBe(1 + MAX_UNMAPPED_RULES + 1);
  expect(labels.has("aws-ec2-imdsv2")).toBe(true);
  expect(labels.has("X_19")).toBe(true);
  expect(labels.has("X_20")).toBe(false);
  // X_20 … X_24 are seen 80, 79, 78, 77, 76 times.
  expect(labels.get("other")?.seen).toBe(80 + 79 + 78 + 77 + 76);
});
