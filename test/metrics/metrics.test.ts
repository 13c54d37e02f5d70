// The metrics a /metrics scrape shows after a month of real work: the generic CSPM batch and the
// Security Hub S3.8 sample ingested, one fixed at the first attempt, one fixed after a failed
// verification and again after a regression, one confirmed a false positive, one SLA breach found
// by the sweep. The whole exposition is compared, so both engines must produce the same bytes.

import { afterEach, beforeEach, expect, it } from "vitest";
import { persistFindings } from "../../src/ingest/persist.ts";
import { sweepSlaBreaches } from "../../src/jobs/sweeps.ts";
import { changeState } from "../../src/lifecycle/change-state.ts";
import type { Actor, FindingState } from "../../src/lifecycle/machine.ts";
import { collectMetrics, remediationHours } from "../../src/metrics/metrics.ts";
import { renderPrometheus } from "../../src/metrics/prometheus.ts";
import { recordRemediation } from "../../src/store/remediations.ts";
import type { Store } from "../../src/store/store.ts";
import { describeEachEngine, freshLocation, manualClock, type TestLocation } from "../store/engines.ts";
import { asffS38, readFixture, triage } from "../store/helpers.ts";

const BUCKET = "5c7579463ae931d10dec4ec9"; // generic, no rule id, critical, owner data-platform
const SG = "b71bcea8a45d481aa71bc276"; // generic EC2.13, high, owner payments, first seen 2026-10-30T11:00Z
const S3_8 = "ae0285f654a07dbf10547f88"; // Security Hub S3.8, medium, no owner, first seen 2021-07-14
const APP: Actor = { kind: "app" };
const OCTOCAT: Actor = { kind: "github-user", login: "octocat", id: 583231 };

async function walk(
  store: Store,
  findingId: string,
  path: FindingState[],
  actor: Actor = APP,
): Promise<void> {
  for (const to of path) await changeState(store, { findingId, to, actor, reason: `to ${to}` });
}

describeEachEngine("metrics", (engine) => {
  let loc: TestLocation;
  let store: Store;
  let clock: ReturnType<typeof manualClock>;
  const at = (iso: string) => clock.set(Date.parse(iso));

  beforeEach(async () => {
    loc = await freshLocation(engine);
    clock = manualClock();
    store = await loc.open(clock.clock);
  });
  afterEach(async () => {
    await store.close();
    await loc.dispose();
  });

  async function month(): Promise<void> {
    at("2026-11-03T09:00:00Z");
    // A fourth finding whose rule id, sent by the source, holds every character a label must escape.
    const odd = {
      finding_id: "f-odd",
      resource_arn: "arn:aws:s3:::odd",
      severity: "low",
      rule_id: 'q"x\\y\nz',
    };
    await persistFindings(store, [
      ...triage(readFixture("generic/cspm-batch.json"), new Date(store.now())),
      ...triage(asffS38("FAILED"), new Date(store.now())),
      ...triage(odd, new Date(store.now())),
    ]);
    // S3.8: fixed at the first attempt, by a PR routed to acme/storage.
    await store.transaction((tx) =>
      recordRemediation(
        tx,
        {
          findingId: S3_8,
          files: ["s3.tf"],
          diff: "",
          assignment: { team: "acme/storage", reviewers: [], decidedBy: "codeowners" },
          ownerTeam: "acme/storage",
        },
        store.now(),
      ),
    );
    await walk(store, S3_8, ["pr_open"]);
    await walk(store, S3_8, ["merged"], OCTOCAT);
    at("2026-11-04T12:01:00Z");
    await walk(store, S3_8, ["verifying", "resolved"]);
    // The sweep finds the critical bucket, still awaiting approval, past its 48 hours.
    at("2026-11-05T00:00:00Z");
    expect(await sweepSlaBreaches(store)).toBe(1);
    // The security group: its first fix fails verification (same episode), the second holds, exactly
    // 7 days after detection; it regresses four days later and is fixed again within 4 hours.
    await walk(store, SG, [
      "pr_open",
      "merged",
      "verifying",
      "reopened",
      "fixing",
      "pr_open",
      "merged",
      "verifying",
    ]);
    at("2026-11-06T11:00:00Z");
    await walk(store, SG, ["resolved"]);
    at("2026-11-10T11:00:00Z");
    await walk(store, SG, ["reopened", "fixing"]);
    at("2026-11-10T15:00:00Z");
    await walk(store, SG, ["pr_open", "merged", "verifying", "resolved"]);
    // The bucket: reported as a false positive and confirmed.
    await walk(store, BUCKET, ["false_positive_pending", "suppressed"], OCTOCAT);
  }

  it("exposes states, counters per rule, false-positive rates, SLA breaches and time to remediate", async () => {
    await month();
    const text = renderPrometheus(await collectMetrics(store, Date.parse("2026-11-20T00:00:00Z")));
    expect(text).toMatchInlineSnapshot(`
      "# HELP fixloop_findings Findings by current state.
      # TYPE fixloop_findings gauge
      fixloop_findings{state="new"} 0
      fixloop_findings{state="triaged"} 0
      fixloop_findings{state="recorded_only"} 1
      fixloop_findings{state="awaiting_approval"} 0
      fixloop_findings{state="fixing"} 0
      fixloop_findings{state="pr_open"} 0
      fixloop_findings{state="merged"} 0
      fixloop_findings{state="verifying"} 0
      fixloop_findings{state="resolved"} 2
      fixloop_findings{state="reopened"} 0
      fixloop_findings{state="unlocatable"} 0
      fixloop_findings{state="unfixable"} 0
      fixloop_findings{state="false_positive_pending"} 0
      fixloop_findings{state="suppressed"} 1
      fixloop_findings{state="excepted"} 0
      fixloop_findings{state="closed_unmerged"} 0
      fixloop_findings{state="awaiting_exception"} 0
      # HELP fixloop_findings_opened_total Findings first recorded, per rule (audit events into state new).
      # TYPE fixloop_findings_opened_total counter
      fixloop_findings_opened_total{rule="aws-s3-public-access-block"} 1
      fixloop_findings_opened_total{rule="aws-sg-open-admin-ports"} 1
      fixloop_findings_opened_total{rule="q\\"x\\\\y\\nz"} 1
      fixloop_findings_opened_total{rule="unspecified"} 1
      # HELP fixloop_findings_resolved_total Resolutions, per rule (audit events into state resolved).
      # TYPE fixloop_findings_resolved_total counter
      fixloop_findings_resolved_total{rule="aws-s3-public-access-block"} 1
      fixloop_findings_resolved_total{rule="aws-sg-open-admin-ports"} 2
      # HELP fixloop_findings_reopened_total Reopenings, per rule (audit events into state reopened).
      # TYPE fixloop_findings_reopened_total counter
      fixloop_findings_reopened_total{rule="aws-sg-open-admin-ports"} 2
      # HELP fixloop_findings_closed Closed findings per rule and outcome: resolved, excepted, false_positive (suppressed from false_positive_pending) or suppressed (waived).
      # TYPE fixloop_findings_closed gauge
      fixloop_findings_closed{rule="aws-s3-public-access-block",outcome="resolved"} 1
      fixloop_findings_closed{rule="aws-sg-open-admin-ports",outcome="resolved"} 1
      fixloop_findings_closed{rule="unspecified",outcome="false_positive"} 1
      # HELP fixloop_false_positive_ratio Per rule, confirmed false positives (suppressed from false_positive_pending) over all closed findings (resolved, suppressed, excepted).
      # TYPE fixloop_false_positive_ratio gauge
      fixloop_false_positive_ratio{rule="aws-s3-public-access-block"} 0
      fixloop_false_positive_ratio{rule="aws-sg-open-admin-ports"} 0
      fixloop_false_positive_ratio{rule="unspecified"} 1
      # HELP fixloop_sla_breached_open Open findings past their SLA due date, per risk tier.
      # TYPE fixloop_sla_breached_open gauge
      fixloop_sla_breached_open{tier="critical"} 0
      fixloop_sla_breached_open{tier="high"} 0
      fixloop_sla_breached_open{tier="medium"} 0
      fixloop_sla_breached_open{tier="low"} 0
      # HELP fixloop_sla_breaches_total SLA breaches recorded by the SLA sweep, per risk tier.
      # TYPE fixloop_sla_breaches_total counter
      fixloop_sla_breaches_total{tier="critical"} 1
      fixloop_sla_breaches_total{tier="high"} 0
      fixloop_sla_breaches_total{tier="medium"} 0
      fixloop_sla_breaches_total{tier="low"} 0
      # HELP fixloop_time_to_remediate_hours Hours from detection (or from reopening a resolved finding) to resolution, per risk tier and owning team.
      # TYPE fixloop_time_to_remediate_hours histogram
      fixloop_time_to_remediate_hours_bucket{tier="high",team="payments",le="1"} 0
      fixloop_time_to_remediate_hours_bucket{tier="high",team="payments",le="4"} 1
      fixloop_time_to_remediate_hours_bucket{tier="high",team="payments",le="8"} 1
      fixloop_time_to_remediate_hours_bucket{tier="high",team="payments",le="24"} 1
      fixloop_time_to_remediate_hours_bucket{tier="high",team="payments",le="72"} 1
      fixloop_time_to_remediate_hours_bucket{tier="high",team="payments",le="168"} 2
      fixloop_time_to_remediate_hours_bucket{tier="high",team="payments",le="336"} 2
      fixloop_time_to_remediate_hours_bucket{tier="high",team="payments",le="720"} 2
      fixloop_time_to_remediate_hours_bucket{tier="high",team="payments",le="2160"} 2
      fixloop_time_to_remediate_hours_bucket{tier="high",team="payments",le="+Inf"} 2
      fixloop_time_to_remediate_hours_sum{tier="high",team="payments"} 172
      fixloop_time_to_remediate_hours_count{tier="high",team="payments"} 2
      fixloop_time_to_remediate_hours_bucket{tier="medium",team="acme/storage",le="1"} 0
      fixloop_time_to_remediate_hours_bucket{tier="medium",team="acme/storage",le="4"} 0
      fixloop_time_to_remediate_hours_bucket{tier="medium",team="acme/storage",le="8"} 0
      fixloop_time_to_remediate_hours_bucket{tier="medium",team="acme/storage",le="24"} 0
      fixloop_time_to_remediate_hours_bucket{tier="medium",team="acme/storage",le="72"} 0
      fixloop_time_to_remediate_hours_bucket{tier="medium",team="acme/storage",le="168"} 0
      fixloop_time_to_remediate_hours_bucket{tier="medium",team="acme/storage",le="336"} 0
      fixloop_time_to_remediate_hours_bucket{tier="medium",team="acme/storage",le="720"} 0
      fixloop_time_to_remediate_hours_bucket{tier="medium",team="acme/storage",le="2160"} 0
      fixloop_time_to_remediate_hours_bucket{tier="medium",team="acme/storage",le="+Inf"} 1
      fixloop_time_to_remediate_hours_sum{tier="medium",team="acme/storage"} 46530.91464333333
      fixloop_time_to_remediate_hours_count{tier="medium",team="acme/storage"} 1
      # HELP fixloop_rule_findings_seen_total Findings seen, per rule (catalog id, or the source's check id when unmapped; the least seen unmapped ids add up under other).
      # TYPE fixloop_rule_findings_seen_total counter
      fixloop_rule_findings_seen_total{rule="aws-s3-public-access-block"} 1
      fixloop_rule_findings_seen_total{rule="aws-sg-open-admin-ports"} 1
      fixloop_rule_findings_seen_total{rule="q\\"x\\\\y\\nz"} 1
      fixloop_rule_findings_seen_total{rule="unspecified"} 1
      # HELP fixloop_rule_decisions_total Findings per rule and outcome, each once per outcome: fixed (resolved after its PR merged and verified), false_positive (confirmed), accepted (exception), snoozed, closed_unmerged (its PR closed without merge).
      # TYPE fixloop_rule_decisions_total counter
      fixloop_rule_decisions_total{rule="aws-s3-public-access-block",outcome="fixed"} 1
      fixloop_rule_decisions_total{rule="aws-s3-public-access-block",outcome="false_positive"} 0
      fixloop_rule_decisions_total{rule="aws-s3-public-access-block",outcome="accepted"} 0
      fixloop_rule_decisions_total{rule="aws-s3-public-access-block",outcome="snoozed"} 0
      fixloop_rule_decisions_total{rule="aws-s3-public-access-block",outcome="closed_unmerged"} 0
      fixloop_rule_decisions_total{rule="aws-sg-open-admin-ports",outcome="fixed"} 1
      fixloop_rule_decisions_total{rule="aws-sg-open-admin-ports",outcome="false_positive"} 0
      fixloop_rule_decisions_total{rule="aws-sg-open-admin-ports",outcome="accepted"} 0
      fixloop_rule_decisions_total{rule="aws-sg-open-admin-ports",outcome="snoozed"} 0
      fixloop_rule_decisions_total{rule="aws-sg-open-admin-ports",outcome="closed_unmerged"} 0
      fixloop_rule_decisions_total{rule="q\\"x\\\\y\\nz",outcome="fixed"} 0
      fixloop_rule_decisions_total{rule="q\\"x\\\\y\\nz",outcome="false_positive"} 0
      fixloop_rule_decisions_total{rule="q\\"x\\\\y\\nz",outcome="accepted"} 0
      fixloop_rule_decisions_total{rule="q\\"x\\\\y\\nz",outcome="snoozed"} 0
      fixloop_rule_decisions_total{rule="q\\"x\\\\y\\nz",outcome="closed_unmerged"} 0
      fixloop_rule_decisions_total{rule="unspecified",outcome="fixed"} 0
      fixloop_rule_decisions_total{rule="unspecified",outcome="false_positive"} 1
      fixloop_rule_decisions_total{rule="unspecified",outcome="accepted"} 0
      fixloop_rule_decisions_total{rule="unspecified",outcome="snoozed"} 0
      fixloop_rule_decisions_total{rule="unspecified",outcome="closed_unmerged"} 0
      # HELP fixloop_rule_rejected_share Per rule, findings confirmed false positive or whose PR was closed unmerged, over findings with any decision (the share rules.demote.threshold is compared with).
      # TYPE fixloop_rule_rejected_share gauge
      fixloop_rule_rejected_share{rule="aws-s3-public-access-block"} 0
      fixloop_rule_rejected_share{rule="aws-sg-open-admin-ports"} 0
      fixloop_rule_rejected_share{rule="q\\"x\\\\y\\nz"} 0
      fixloop_rule_rejected_share{rule="unspecified"} 1
      # HELP fixloop_source_findings_seen_total Findings seen, per source format and tool (the least seen tools add up under other).
      # TYPE fixloop_source_findings_seen_total counter
      fixloop_source_findings_seen_total{format="asff",tool="securityhub"} 1
      fixloop_source_findings_seen_total{format="generic",tool="generic"} 3
      # HELP fixloop_source_decisions_total Findings per source format, tool and outcome, each once per outcome (as fixloop_rule_decisions_total).
      # TYPE fixloop_source_decisions_total counter
      fixloop_source_decisions_total{format="asff",tool="securityhub",outcome="fixed"} 1
      fixloop_source_decisions_total{format="asff",tool="securityhub",outcome="false_positive"} 0
      fixloop_source_decisions_total{format="asff",tool="securityhub",outcome="accepted"} 0
      fixloop_source_decisions_total{format="asff",tool="securityhub",outcome="snoozed"} 0
      fixloop_source_decisions_total{format="asff",tool="securityhub",outcome="closed_unmerged"} 0
      fixloop_source_decisions_total{format="generic",tool="generic",outcome="fixed"} 1
      fixloop_source_decisions_total{format="generic",tool="generic",outcome="false_positive"} 1
      fixloop_source_decisions_total{format="generic",tool="generic",outcome="accepted"} 0
      fixloop_source_decisions_total{format="generic",tool="generic",outcome="snoozed"} 0
      fixloop_source_decisions_total{format="generic",tool="generic",outcome="closed_unmerged"} 0
      "
    `);
  });

  it("counts an open finding as breached once its due date has passed, without waiting for the sweep", async () => {
    at("2026-11-03T09:00:00Z");
    await persistFindings(store, triage(readFixture("generic/cspm-batch.json"), new Date(store.now())));
    /** The open-breach gauge's values for critical, high, medium, low. */
    const breached = async (now: string) => {
      const family = (await collectMetrics(store, Date.parse(now))).find(
        (f) => f.name === "fixloop_sla_breached_open",
      );
      if (family?.type !== "gauge") throw new Error("no fixloop_sla_breached_open gauge");
      expect(family.samples.map((s) => s.labels.tier)).toEqual(["critical", "high", "medium", "low"]);
      return family.samples.map((s) => s.value);
    };
    // The bucket (critical) is due 2026-11-04T08:15Z, the security group (high) 2026-11-06T11:00Z.
    expect(await breached("2026-11-04T08:15:00Z")).toEqual([0, 0, 0, 0]);
    expect(await breached("2026-11-04T08:15:00.001Z")).toEqual([1, 0, 0, 0]);
    expect(await breached("2026-11-06T11:00:01Z")).toEqual([1, 1, 0, 0]);
  });
});

it("measures each episode from detection, or from the reopening of a resolved finding", () => {
  const h = (n: number) => n * 3_600_000;
  const e = (to: string, from: string, at: number) => ({
    finding_id: "f",
    from_state: from,
    to_state: to,
    at,
  });
  expect(
    remediationHours(
      [
        e("reopened", "merged", h(5)),
        e("resolved", "verifying", h(10)),
        e("reopened", "resolved", h(20)),
        e("resolved", "verifying", h(21.5)),
      ],
      new Map([["f", 0]]),
    ),
  ).toEqual([
    { findingId: "f", hours: 10 },
    { findingId: "f", hours: 1.5 },
  ]);
});
