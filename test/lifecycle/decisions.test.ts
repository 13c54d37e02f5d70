// The decision commands and their rules, pure: a decision in, the audit events and jobs out; what a
// finding waits for read back from its trail; the limits of an accepted risk or a snooze; which
// later findings a confirmed false positive suppresses on arrival.

import { describe, expect, it } from "vitest";
import type { TriagedFinding } from "../../src/ingest/triage-finding.ts";
import { suppressionOnArrival } from "../../src/lifecycle/admission.ts";
import type { FindingSnapshot } from "../../src/lifecycle/command.ts";
import {
  approveException,
  assign,
  confirmFalsePositive,
  rejectFalsePositive,
  reportFalsePositive,
  requestException,
  snooze,
} from "../../src/lifecycle/commands.ts";
import { daysUntil, durationRefusal, pendingDecision, untilEnd } from "../../src/lifecycle/decisions.ts";
import type { FindingState } from "../../src/lifecycle/machine.ts";
import type { StoredAuditEvent } from "../../src/store/audit.ts";
import type { SuppressionDecision } from "../../src/store/suppression-scopes.ts";

const NOW = Date.parse("2026-11-20T10:00:00.000Z");
const alice = { kind: "github-user" as const, login: "alice", id: 1 };
const carol = { kind: "github-user" as const, login: "carol", id: 3 };
const finding = (state: FindingState, gate = "pr"): FindingSnapshot => ({
  id: "f1",
  state,
  version: 3,
  riskScore: 72,
  gate: { gate, reason: `gate says ${gate}` },
});
const steps = (r: { events: Array<{ from: string | null; to: string; reason: string }> }) =>
  r.events.map((e) => `${e.from} → ${e.to}: ${e.reason}`);
const kinds = (r: { jobs: Array<{ kind: string }> }) => r.jobs.map((j) => j.kind);
const notice = { team: "acme/security", where: "acme/infra#5" };

describe("false positives", () => {
  it("reported from a PR under review: pending, with the security team's notification", () => {
    const r = reportFalsePositive({ by: alice, reason: "a website", dueAt: NOW + 86_400_000, notice })(
      finding("pr_open"),
      NOW,
    );
    expect(steps(r)).toEqual([
      "pr_open → false_positive_pending: false positive reported by alice: a website",
    ]);
    expect(r.jobs).toEqual([
      expect.objectContaining({
        kind: "notify",
        payload: {
          event: "decision-waiting",
          findingId: "f1",
          at: "2026-11-20T10:00:00.000Z",
          summary:
            "acme/infra#5: alice reports a false positive; the security team reviews it by 2026-11-21T10:00:00.000Z",
          teams: ["acme/security"],
        },
      }),
    ]);
  });

  it("cannot be reported while a fix is being computed, merged or verified, or once closed", () => {
    for (const state of ["fixing", "merged", "verifying", "resolved", "suppressed", "excepted"] as const) {
      const r = reportFalsePositive({ by: alice, reason: "x", dueAt: NOW, notice })(finding(state), NOW);
      expect(r.events, state).toEqual([]);
      expect(r.jobs, state).toEqual([]);
    }
  });

  it("confirmed: suppressed with the reporter and scope in the reason; rejected: routed by the gate", () => {
    const confirmed = confirmFalsePositive({
      by: carol,
      scope: "repository",
      reporter: "alice",
      reason: "a website",
    })(finding("false_positive_pending"), NOW);
    expect(steps(confirmed)).toEqual([
      "false_positive_pending → suppressed: false positive confirmed by carol for this repository (reported by alice: a website)",
    ]);
    const rejected = rejectFalsePositive({ by: carol, reason: "it holds exports" })(
      finding("false_positive_pending"),
      NOW,
    );
    expect(steps(rejected)).toEqual([
      "false_positive_pending → triaged: false positive rejected by carol: it holds exports",
      "triaged → fixing: gate says pr",
    ]);
    expect(kinds(rejected)).toEqual(["remediate"]);
    const gated = rejectFalsePositive({ by: carol, reason: "no" })(
      finding("false_positive_pending", "pr_after_approval"),
      NOW,
    );
    expect(gated.events.at(-1)?.to).toBe("awaiting_approval");
    expect(
      confirmFalsePositive({ by: carol, scope: "resource", reporter: "a", reason: "r" })(
        finding("pr_open"),
        NOW,
      ).events,
    ).toEqual([]);
  });
});

describe("exceptions and snoozes", () => {
  it("requested: awaiting_exception with a notification; approved: excepted, naming both people", () => {
    const asked = requestException({ by: alice, until: "2026-12-15", reason: "WAF", notice })(
      finding("pr_open"),
      NOW,
    );
    expect(steps(asked)).toEqual([
      "pr_open → awaiting_exception: exception requested by alice until 2026-12-15: WAF",
    ]);
    expect(kinds(asked)).toEqual(["notify"]);
    const approved = approveException({ by: carol, requester: "alice", until: "2026-12-15", reason: "WAF" })(
      finding("awaiting_exception"),
      NOW,
    );
    expect(steps(approved)).toEqual([
      "awaiting_exception → excepted: exception approved by carol until 2026-12-15 (requested by alice: WAF)",
    ]);
    expect(
      approveException({ by: carol, requester: "a", until: "2026-12-15", reason: "r" })(
        finding("triaged"),
        NOW,
      ).events,
    ).toEqual([]);
  });

  it("snooze: excepted without approval, from open work only", () => {
    expect(steps(snooze({ by: alice, until: "2026-11-30" })(finding("unlocatable"), NOW))).toEqual([
      "unlocatable → excepted: snoozed by alice until 2026-11-30",
    ]);
    expect(snooze({ by: alice, until: "2026-11-30" })(finding("verifying"), NOW).events).toEqual([]);
  });

  it("durations: after today, within the limit; an exception covers its last day", () => {
    expect(daysUntil("2026-11-21", NOW)).toBe(1);
    expect(durationRefusal("2026-11-20", NOW, 14, "a snooze")).toBe(
      "2026-11-20 is not after today (2026-11-20)",
    );
    expect(durationRefusal("2026-12-04", NOW, 14, "a snooze")).toBeNull();
    expect(durationRefusal("2026-12-05", NOW, 14, "a snooze")).toBe(
      "a snooze may last at most 14 days (2026-12-05 is 15 days away)",
    );
    expect(new Date(untilEnd("2026-12-15")).toISOString()).toBe("2026-12-16T00:00:00.000Z");
  });
});

describe("what a finding waits for, from its trail", () => {
  const event = (from: FindingState, to: FindingState, reason: string): StoredAuditEvent =>
    ({
      findingId: "f1",
      from,
      to,
      at: "2026-11-20T10:00:00.000Z",
      actor: alice,
      reason,
      links: {},
    }) as StoredAuditEvent;

  it("the latest request, with its requester, date and reason (a reason may itself say `until`)", () => {
    const trail = [
      event(
        "pr_open",
        "awaiting_exception",
        "exception requested by alice until 2026-12-15: WAF until 2027-01-01: x",
      ),
    ];
    expect(pendingDecision("awaiting_exception", trail)).toEqual({
      kind: "exception",
      by: alice,
      until: "2026-12-15",
      reason: "WAF until 2027-01-01: x",
      at: "2026-11-20T10:00:00.000Z",
    });
    const fp = [event("triaged", "false_positive_pending", "false positive reported by alice: a website")];
    expect(pendingDecision("false_positive_pending", fp)).toMatchObject({
      kind: "false-positive",
      reason: "a website",
    });
    expect(pendingDecision("pr_open", fp)).toBeUndefined();
  });
});

describe("assign", () => {
  it("records the routing decision without changing the state or queueing work", () => {
    const r = assign({ by: alice, team: "acme/payments", previous: "acme/data-platform" })(
      finding("pr_open"),
      NOW,
    );
    expect(steps(r)).toEqual([
      "pr_open → pr_open: routed to acme/payments by alice (was acme/data-platform)",
    ]);
    expect(r.jobs).toEqual([]);
  });
});

describe("suppression on arrival", () => {
  const triaged = (ruleCatalog: string | null, arn: string) =>
    ({
      finding: {
        rule: { nativeId: "EC2.13", catalogId: ruleCatalog },
        resource: { arn },
      },
    }) as unknown as TriagedFinding;
  const decision = (over: Partial<SuppressionDecision>): SuppressionDecision => ({
    id: 4,
    org: "acme",
    repository: "acme/infra",
    ruleId: "aws-sg-open-admin-ports",
    resource: null,
    scope: "repository",
    findingId: "f0",
    decidedBy: carol,
    reason: "bastions",
    createdAt: NOW,
    ...over,
  });
  const sg = "arn:aws:ec2:us-east-1:123456789012:security-group/sg-1";
  const here = { org: "acme", repository: "acme/infra" };

  it("matches by rule and by the scope's resource, repository or organization", () => {
    const t = triaged("aws-sg-open-admin-ports", sg);
    expect(suppressionOnArrival(t, here, [decision({})])?.reason).toBe(
      "suppressed on arrival: aws-sg-open-admin-ports was confirmed a false positive in acme/infra by carol on 2026-11-20 (suppression #4, finding f0: bastions)",
    );
    expect(suppressionOnArrival(t, { org: "acme", repository: "acme/web" }, [decision({})])).toBeUndefined();
    expect(suppressionOnArrival(t, { org: "acme", repository: null }, [decision({})])).toBeUndefined();
    expect(
      suppressionOnArrival(t, { org: "acme", repository: null }, [
        decision({ scope: "organization", repository: null }),
      ]),
    ).toBeDefined();
    expect(
      suppressionOnArrival(t, { org: "globex", repository: null }, [decision({ scope: "organization" })]),
    ).toBeUndefined();
    const onResource = decision({
      scope: "resource",
      resource: "aws:ec2:123456789012:us-east-1:security-group/sg-1",
    });
    expect(suppressionOnArrival(t, here, [onResource])).toBeDefined();
    expect(
      suppressionOnArrival(triaged("aws-sg-open-admin-ports", `${sg}0`), here, [onResource]),
    ).toBeUndefined();
    expect(suppressionOnArrival(triaged("aws-s3-public", sg), here, [decision({})])).toBeUndefined();
    expect(suppressionOnArrival(triaged(null, sg), here, [decision({ ruleId: "EC2.13" })])).toBeDefined();
  });
});
