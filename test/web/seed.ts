// A dashboard's worth of history for the page tests, the browser tests and the screenshots: real
// sample documents (fixtures/findings) ingested for the organization "acme" over ten weeks through
// the normal ingest path, then moved through the lifecycle the way the app does — routed to teams,
// fixed by PRs that are merged, checked and resolved, a PR closed unmerged, a regression, a failed
// check, a false positive reported, an exception requested and one granted, a tracking issue — with
// a clock moved by hand. A second organization ("globex") holds one finding no "acme" page may show.

import { persistFindings } from "../../src/ingest/persist.ts";
import { runCommandAlone } from "../../src/lifecycle/apply.ts";
import { changeState } from "../../src/lifecycle/change-state.ts";
import { assign, reportFalsePositive, requestException } from "../../src/lifecycle/commands.ts";
import { routeIn } from "../../src/lifecycle/decisions.ts";
import { grantException } from "../../src/lifecycle/exceptions.ts";
import { recordRemediation, updateRemediation } from "../../src/store/remediations.ts";
import type { Store } from "../../src/store/store.ts";
import { saveTrackingIssue } from "../../src/store/tracking-issues.ts";
import { recordVerifications } from "../../src/store/verifications.ts";
import type { manualClock } from "../store/engines.ts";
import { asffS38, readFixture, triage } from "../store/helpers.ts";

export const ORG = "acme";
export const OTHER_ORG = "globex";
export const START = Date.parse("2026-09-07T09:00:00Z"); // a Monday
export const NOW = Date.parse("2026-11-20T12:00:00Z");
const DAY = 86_400_000;

export const ALICE = { kind: "github-user", login: "alice", id: 1001 } as const;
export const OCTOCAT = { kind: "github-user", login: "octocat", id: 583231 } as const;
const APP = { kind: "app" } as const;

/** A reason a person typed: untrusted, and it must reach every page as text. */
export const HOSTILE_REASON = `<script>alert("x")</script> test data only & "quoted"`;

export interface Seeded {
  /** Finding ids by what happened to them. */
  resolved: string[];
  closedUnmerged: string;
  regressed: string;
  falsePositive: string;
  exceptionRequested: string;
  excepted: string;
  tracked: string;
  awaitingApproval: string;
  other: string;
}

type Clock = ReturnType<typeof manualClock>;

async function ingest(store: Store, path: string, repository?: string, org = ORG) {
  const results = await persistFindings(store, triage(readFixture(path), new Date(store.now())), {
    org,
    ...(repository ? { repository } : {}),
  });
  return results.map((r) => r.id);
}

/** Open PR → merged → checks → resolved, `days` after now, for one finding in `fixing`. */
async function fixAndResolve(store: Store, clock: Clock, id: string, pr: number, days: number, team: string) {
  const url = `https://github.com/acme/infra/pull/${pr}`;
  const fix = await store.transaction((tx) =>
    recordRemediation(
      tx,
      {
        findingId: id,
        repository: "acme/infra",
        branch: `fixloop/fix-${pr}`,
        prNumber: pr,
        prUrl: url,
        commitSha: `c0ffee${pr}`,
        files: ["network/main.tf"],
        diff: `--- a/network/main.tf\n+++ b/network/main.tf\n@@ -3 +3 @@\n-  cidr_blocks = ["0.0.0.0/0"]\n+  cidr_blocks = ["10.0.0.0/8"]\n`,
        assignment: { team, reviewers: ["octocat"], decidedBy: "codeowners" },
        prState: "open",
        ownerTeam: team,
        located: { file: "network/main.tf", address: "aws_security_group_rule.egress" },
      },
      store.now(),
    ),
  );
  await changeState(store, {
    findingId: id,
    to: "pr_open",
    actor: APP,
    reason: `opened #${pr}`,
    links: { pr: url },
  });
  if (days < 0) return fix;
  clock.advance(days * DAY);
  await store.transaction((tx) =>
    updateRemediation(tx, fix, { mergeCommitSha: `merge${pr}`, prState: "merged" }, store.now()),
  );
  await changeState(store, {
    findingId: id,
    to: "merged",
    actor: OCTOCAT,
    reason: `#${pr} merged`,
    links: { pr: url },
  });
  await changeState(store, { findingId: id, to: "verifying", actor: APP, reason: "waiting for checks" });
  clock.advance(3_600_000);
  await store.transaction((tx) =>
    recordVerifications(tx, [
      {
        findingId: id,
        kind: "ci",
        result: "passed",
        checkedBy: "terraform-plan",
        observedAt: store.now(),
        detail: "",
        links: { checkRun: `${url}/checks` },
      },
      {
        findingId: id,
        kind: "code",
        result: "passed",
        checkedBy: "fixloop",
        observedAt: store.now(),
        detail: "",
        links: {},
      },
    ]),
  );
  await changeState(store, {
    findingId: id,
    to: "resolved",
    actor: APP,
    reason: "CI and re-scans passed",
    links: { pr: url },
  });
  return fix;
}

/** `/fixloop assign <team>`: the owner the overview and the team pages count by. */
const route = (store: Store, id: string, team: string) =>
  store.transaction((tx) => routeIn(tx, id, assign({ by: ALICE, team, previous: null }), team, store.now()));

export async function seedDashboard(store: Store, clock: Clock): Promise<Seeded> {
  clock.set(START);
  const tfsec = await ingest(store, "tfsec/many_findings_current.json", "acme/infra");
  for (const [i, id] of tfsec.entries())
    await route(store, id, i % 3 === 0 ? "acme/network" : "acme/platform");
  clock.set(START + 14 * DAY);
  const checkov = await ingest(store, "checkov/checkov-report-many-vuln.json", "acme/infra");
  const trivy = await ingest(store, "trivy/misconfigurations_and_secrets.json", "acme/infra");
  for (const id of [...checkov, ...trivy]) await route(store, id, "acme/platform");
  clock.set(START + 28 * DAY);
  const [bucket, sg] = await ingest(store, "generic/cspm-batch.json");
  await ingest(store, "ocsf/prowler_v5_test_output.ocsf.json");
  clock.set(START + 35 * DAY);
  const [s38] = (
    await persistFindings(store, triage(asffS38("FAILED"), new Date(store.now())), { org: ORG })
  ).map((r) => r.id);
  // The tfsec findings in `fixing` (the ingress rules), the generic EC2 one and S3.8 are fixed by PRs.
  const fixing: string[] = [];
  for (const id of [...tfsec, sg!, s38!]) {
    const state = (
      await store.db.selectFrom("findings").select("state").where("id", "=", id).executeTakeFirst()
    )?.state;
    if (state === "fixing") fixing.push(id);
  }
  const resolved: string[] = [];
  let pr = 40;
  for (const [i, id] of fixing.entries()) {
    clock.set(START + (36 + i * 6) * DAY);
    if (i === fixing.length - 1) break;
    await fixAndResolve(store, clock, id, pr++, 2 + i * 3, i % 2 ? "acme/network" : "acme/platform");
    resolved.push(id);
  }
  const closedUnmerged = fixing[fixing.length - 1]!;
  clock.set(START + 60 * DAY);
  const unmerged = await fixAndResolve(store, clock, closedUnmerged, pr++, -1, "acme/platform");
  clock.advance(5 * DAY);
  await store.transaction((tx) => updateRemediation(tx, unmerged, { prState: "closed" }, store.now()));
  await changeState(store, {
    findingId: closedUnmerged,
    to: "closed_unmerged",
    actor: OCTOCAT,
    reason: "we replace this module next quarter",
  });
  // A regression: the first resolved finding fails its runtime re-scan and is reopened.
  const regressed = resolved[0]!;
  clock.set(START + 63 * DAY);
  await store.transaction((tx) =>
    recordVerifications(tx, [
      {
        findingId: regressed,
        kind: "runtime",
        result: "failed",
        checkedBy: "securityhub",
        observedAt: store.now(),
        detail: "the rule is back",
        links: { scan: "https://console.aws.amazon.com/securityhub" },
      },
    ]),
  );
  await changeState(store, {
    findingId: regressed,
    to: "reopened",
    actor: APP,
    reason: "runtime re-scan failed after resolution",
  });
  // …and fixed again: a second PR, still open.
  clock.advance(DAY);
  await changeState(store, { findingId: regressed, to: "fixing", actor: APP, reason: "fixing again" });
  await fixAndResolve(store, clock, regressed, pr++, -1, "acme/network");
  // Decisions waiting on people, and one granted.
  const recorded = tfsec.filter((id) => !fixing.includes(id));
  const [falsePositive, exceptionRequested, excepted, tracked] = recorded as [string, string, string, string];
  const notice = { where: "acme/infra#7" };
  clock.set(START + 66 * DAY);
  await runCommandAlone(
    store,
    falsePositive,
    reportFalsePositive({ by: ALICE, reason: HOSTILE_REASON, dueAt: store.now() + 7 * DAY, notice }),
  );
  clock.set(START + 68 * DAY);
  await runCommandAlone(
    store,
    exceptionRequested,
    requestException({ by: ALICE, until: "2027-01-31", reason: "legacy VPC, replaced in Q1", notice }),
  );
  clock.set(START + 69 * DAY);
  await grantException(store, {
    findingId: excepted,
    reason: "accepted until the migration",
    approvedBy: OCTOCAT,
    expiresAt: new Date("2026-12-31T00:00:00Z"),
  });
  await saveTrackingIssue(
    store.db,
    {
      findingId: tracked,
      repository: "acme/infra",
      number: 7,
      url: "https://github.com/acme/infra/issues/7",
      reason: "the resource is defined in two places",
    },
    store.now(),
  );
  clock.set(START + 70 * DAY);
  const [other] = await ingest(store, "generic/seed-routing-payload.json", undefined, OTHER_ORG);
  clock.set(NOW);
  return {
    resolved,
    closedUnmerged,
    regressed,
    falsePositive,
    exceptionRequested,
    excepted,
    tracked,
    awaitingApproval: bucket!,
    other: other!,
  };
}
