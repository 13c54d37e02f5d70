// The lifecycle commands are pure: the finding as it is and the decision in, the audit events and
// the jobs out. No store here.

import { describe, expect, it } from "vitest";
import type { FindingSnapshot } from "../../src/lifecycle/command.ts";
import {
  approve,
  cannotFix,
  expireException,
  grantException,
  merged,
  prClosed,
  prOpened,
  recompute,
  regress,
  resolveBySource,
  retry,
  verdict,
} from "../../src/lifecycle/commands.ts";
import { ConcurrentChangeError } from "../../src/lifecycle/errors.ts";
import type { FindingState } from "../../src/lifecycle/machine.ts";
import { STATE_GROUPS, STATE_RULES } from "../../src/lifecycle/states.ts";

const NOW = Date.parse("2026-11-01T09:00:00.000Z");
const octocat = { kind: "github-user" as const, login: "octocat", id: 583231 };
const finding = (state: FindingState, gate = "pr"): FindingSnapshot => ({
  id: "f1",
  state,
  version: 3,
  riskScore: 72,
  gate: { gate, reason: `gate says ${gate}` },
});
const steps = (r: { events: Array<{ from: string | null; to: string; reason: string }> }) =>
  r.events.map((e) => `${e.from} → ${e.to}: ${e.reason}`);
const jobs = (r: { jobs: Array<{ kind: string; uniqueKey?: string; runAt?: number; priority?: number }> }) =>
  r.jobs.map((j) => [j.kind, j.uniqueKey, j.runAt ?? null, j.priority ?? 0]);

describe("the per-state table", () => {
  it("names the groups once, as the code spelled them before", () => {
    expect(STATE_GROUPS.verifying).toEqual(["merged", "verifying"]);
    expect(STATE_GROUPS.closed).toEqual(["new", "resolved", "suppressed", "excepted"]);
    expect(STATE_GROUPS.open).toHaveLength(13);
    expect(STATE_GROUPS.open).toContain("awaiting_exception");
    expect(STATE_GROUPS.slaRunning).toEqual(STATE_GROUPS.open);
  });

  it("queues work on entering fixing, awaiting_approval and merged only", () => {
    const queuing = Object.entries(STATE_RULES)
      .filter(([, r]) => r.onEnter)
      .map(([s]) => s);
    expect(queuing).toEqual(["awaiting_approval", "fixing", "merged"]);
  });
});

describe("lifecycle commands", () => {
  it("approve: a gated fix goes to fixing with its remediate job; anything else is left alone", () => {
    const r = approve({ by: octocat })(finding("awaiting_approval"), NOW);
    expect(steps(r)).toEqual(["awaiting_approval → fixing: approved by octocat"]);
    expect(r.events[0]?.actor).toEqual(octocat);
    expect(jobs(r)).toEqual([["remediate", "remediate:f1", null, 72]]);
    expect(approve({ by: octocat })(finding("pr_open"), NOW)).toEqual({
      findingId: "f1",
      from: "pr_open",
      events: [],
      jobs: [],
    });
  });

  it.each<[FindingState, string[], boolean]>([
    ["closed_unmerged", ["closed_unmerged → fixing"], true],
    ["unlocatable", ["unlocatable → triaged", "triaged → fixing"], true],
    ["unfixable", ["unfixable → triaged", "triaged → fixing"], true],
    ["reopened", ["reopened → fixing"], true],
    ["pr_open", [], true],
    ["fixing", [], true],
    ["resolved", [], false],
    ["verifying", [], false],
  ])("retry from %s", (state, expected, queued) => {
    const r = retry({ by: octocat })(finding(state), NOW);
    expect(r.events.map((e) => `${e.from} → ${e.to}`)).toEqual(expected);
    expect(r.events.every((e) => e.reason === "/fixloop retry by octocat")).toBe(true);
    expect(jobs(r)).toEqual(queued ? [["remediate", "remediate:f1", null, 72]] : []);
  });

  it("merged: verification is queued after the CI grace period; prClosed queues nothing", () => {
    const pr = { url: "https://github.com/acme/infra/pull/7", by: octocat, mergeCommitSha: "abc123" };
    const m = merged(pr)(finding("pr_open"), NOW);
    expect(steps(m)).toEqual([
      "pr_open → merged: https://github.com/acme/infra/pull/7 merged by octocat as abc123",
    ]);
    expect(m.events[0]?.links).toEqual({ pr: pr.url, commit: "abc123" });
    expect(jobs(m)).toEqual([["verify", "verify:f1", NOW + 15 * 60_000, 0]]);
    const c = prClosed(pr)(finding("pr_open"), NOW);
    expect(steps(c)).toEqual([
      "pr_open → closed_unmerged: https://github.com/acme/infra/pull/7 closed without merge by octocat: no new PR until its fix changes or someone runs /fixloop retry",
    ]);
    expect(c.jobs).toEqual([]);
    // A redelivery finds the finding moved already.
    expect(merged(pr)(finding("merged"), NOW).events).toEqual([]);
  });

  it("verdict: a fix that still fails is reopened and fixed again, with its job", () => {
    const r = verdict({ verified: false, reason: "CI failed", newFix: true, links: { commit: "abc" } })(
      finding("verifying"),
      NOW,
    );
    expect(steps(r)).toEqual([
      "verifying → reopened: not verified: CI failed",
      "reopened → fixing: the rule still fails on the resource in the merged code: fixloop computes a new fix",
    ]);
    // The reopening is announced where the teams live, in the same result (one transaction).
    expect(jobs(r)).toEqual([
      ["notify", `notify:verification-failed:f1:${new Date(NOW).toISOString()}`, null, 0],
      ["remediate", "remediate:f1", null, 72],
    ]);
    const ok = verdict({ verified: true, summary: "CI green", links: {} })(finding("verifying"), NOW);
    expect([steps(ok), ok.jobs]).toEqual([["verifying → resolved: verified: CI green"], []]);
    expect(() => verdict({ verified: true, summary: "x", links: {} })(finding("resolved"), NOW)).toThrow(
      ConcurrentChangeError,
    );
  });

  it("recompute: queues the remediate job unless the running job carries on inline", () => {
    expect(jobs(recompute({ from: "reopened", reason: "regression" })(finding("reopened"), NOW))).toEqual([
      ["remediate", "remediate:f1", null, 72],
    ]);
    const inline = recompute({ from: "closed_unmerged", reason: "fix changed", inline: true })(
      finding("closed_unmerged"),
      NOW,
    );
    expect([steps(inline), inline.jobs]).toEqual([["closed_unmerged → fixing: fix changed"], []]);
  });

  it("regress and resolveBySource queue their own follow-up jobs", () => {
    const ingest = { kind: "ingest" as const, source: "wiz" };
    const r = regress({ actor: ingest, reason: "failing again", riskScore: 90 })(finding("resolved"), NOW);
    expect([steps(r), jobs(r)]).toEqual([
      ["resolved → reopened: failing again"],
      [["regression", "regression:f1", null, 90]],
    ]);
    const s = resolveBySource({ actor: ingest, reason: "passed" })(finding("unlocatable"), NOW);
    expect(jobs(s)).toEqual([["source-resolved", "source-resolved:f1", null, 0]]);
  });

  it("prOpened announces a critical or high fix PR where teams live, in the same result", () => {
    const links = { pr: "https://github.com/acme/infra/pull/7" };
    expect(prOpened({ reason: "r", links, tier: "medium" })(finding("fixing"), NOW).jobs).toEqual([]);
    expect(jobs(prOpened({ reason: "r", links, tier: "critical" })(finding("fixing"), NOW))).toEqual([
      ["notify", `notify:fix-pr-opened:f1:${new Date(NOW).toISOString()}`, null, 0],
    ]);
  });

  it("prOpened and cannotFix record their links", () => {
    const links = { pr: "https://github.com/acme/infra/pull/8" };
    expect(prOpened({ reason: "fix ready", links })(finding("fixing"), NOW).events[0]?.links).toEqual(links);
    const c = cannotFix({ to: "unfixable", reason: "no safe change", links: { issue: "i" } })(
      finding("fixing"),
      NOW,
    );
    expect([steps(c), c.jobs]).toEqual([["fixing → unfixable: no safe change"], []]);
  });

  it.each<[string, string, boolean]>([
    ["pr", "fixing", true],
    ["pr_after_approval", "awaiting_approval", true],
    ["record_only", "recorded_only", false],
  ])("expireException with gate %s: back into the loop at %s", (gate, to, queued) => {
    const expiry = { exceptionId: 4, approver: octocat, expiresAt: Date.parse("2026-10-31T00:00:00Z") };
    const r = expireException(expiry)(finding("excepted", gate), NOW);
    expect(steps(r)).toEqual([
      "excepted → triaged: exception #4 approved by @octocat (GitHub user 583231) ended on 2026-10-31T00:00:00.000Z (expired): the SLA restarts from then",
      `triaged → ${to}: gate says ${gate}`,
    ]);
    expect(jobs(r)).toEqual(queued ? [["remediate", "remediate:f1", null, 72]] : []);
  });

  it("grantException records the expiry and the reason", () => {
    const r = grantException({
      approvedBy: octocat,
      reason: "legacy",
      expiresAt: new Date("2027-01-01T00:00:00Z"),
    })(finding("unfixable"), NOW);
    expect(steps(r)).toEqual(["unfixable → excepted: exception until 2027-01-01T00:00:00.000Z: legacy"]);
  });
});
