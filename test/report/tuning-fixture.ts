// A month of decisions in a real store, made the way the app makes them: findings ingested from the
// real Checkov sample (three repositories, so each of its rules has three findings), the Security
// Hub S3.8 sample and the generic CSPM batch; then PRs merged and verified, PRs closed unmerged,
// false positives reported and confirmed, an exception and a snooze granted.

import { persistFindings } from "../../src/ingest/persist.ts";
import { runCommand } from "../../src/lifecycle/apply.ts";
import { type Command, Path } from "../../src/lifecycle/command.ts";
import {
  merged,
  prClosed,
  prOpened,
  retry,
  startVerification,
  verdict,
} from "../../src/lifecycle/commands.ts";
import { grantException } from "../../src/lifecycle/exceptions.ts";
import type { Actor } from "../../src/lifecycle/machine.ts";
import { recordException } from "../../src/store/exceptions.ts";
import { listFindings } from "../../src/store/findings.ts";
import type { Store } from "../../src/store/store.ts";
import { asffS38, readFixture, triage } from "../store/helpers.ts";

export const ALICE = { kind: "github-user", login: "alice", id: 1001 } as const;
export const SECURITY = { kind: "github-user", login: "sec-lead", id: 1002 } as const;
export const REPOSITORIES = ["acme/payments", "acme/web", "acme/data"] as const;

/** A person's false-positive report and the security team's confirmation, as the decision
 *  commands make them: two checked transitions through the lifecycle. */
export function falsePositive(reason: string, by: Actor = ALICE): Command {
  return (f, now) => {
    const path = new Path(f, now);
    // A recorded-only finding is triaged again first: the machine has no direct step.
    if (f.state === "recorded_only") path.to("triaged", by, reason);
    return path.to("false_positive_pending", by, reason).result();
  };
}
export function confirmFalsePositive(): Command {
  return (f, now) =>
    new Path(f, now)
      .to("suppressed", SECURITY, "false positive confirmed by sec-lead (scope: resource)")
      .result();
}

const run = (store: Store, id: string, command: Command) =>
  store.transaction((tx) => runCommand(tx, id, command, store.now()));

async function prCycle(store: Store, id: string, n: number, outcome: "merged" | "closed"): Promise<void> {
  const url = `https://github.com/acme/infra/pull/${n}`;
  await run(store, id, prOpened({ reason: `opened ${url}`, links: { pr: url } }));
  if (outcome === "closed") return void (await run(store, id, prClosed({ url, by: ALICE })));
  await run(
    store,
    id,
    merged({ url, by: ALICE, mergeCommitSha: "9fceb02d0ae598e95dc970b74767f19372d61af8" }),
  );
  await run(store, id, startVerification({ reason: "verification started", links: {} }));
  await run(store, id, verdict({ verified: true, summary: "CI green, rule silent", links: {} }));
}

/** The findings by rule and repository once ingested. */
export async function ingestMonth(store: Store) {
  for (const repository of REPOSITORIES)
    await persistFindings(
      store,
      triage(readFixture("checkov/checkov-report-multiple-check_type.json"), new Date(store.now())),
      { org: "acme", repository },
    );
  await persistFindings(store, triage(asffS38("FAILED"), new Date(store.now())), { org: "acme" });
  await persistFindings(store, triage(readFixture("generic/cspm-batch.json"), new Date(store.now())), {
    org: "acme",
  });
  const all = await listFindings(store.db);
  const find = (rule: string, repository: string | null) =>
    all.find((f) => (f.rule.catalogId ?? f.rule.nativeId) === rule && f.repository === repository)
      ?.id as string;
  return { all, find };
}

/** A snooze as the snooze command makes it: the finding excepted until a date, a "snooze" row. */
function snooze(store: Store, id: string, until: string, reason: string) {
  return store.transaction(async (tx) => {
    const now = store.now();
    await runCommand(
      tx,
      id,
      (f, at) => new Path(f, at).to("excepted", ALICE, `snoozed until ${until}: ${reason}`).result(),
      now,
    );
    await recordException(
      tx,
      { findingId: id, reason, approvedBy: ALICE, expiresAt: Date.parse(until), kind: "snooze" },
      now,
    );
  });
}

/**
 * November 2026 at acme, in the order it happened; `at` moves the store's clock. One decision
 * falls after the month (2026-12-02), to show the period bounds.
 */
export async function decideMonth(store: Store, at: (iso: string) => void) {
  at("2026-11-02T09:00:00Z");
  const { find } = await ingestMonth(store);
  const imds = REPOSITORIES.map((r) => find("aws-ec2-imdsv2", r));
  at("2026-11-03T10:00:00Z");
  // acme/payments: two PRs closed unmerged (one finding, counted once).
  await prCycle(store, imds[0]!, 11, "closed");
  await run(store, imds[0]!, retry({ by: ALICE }));
  await prCycle(store, imds[0]!, 16, "closed");
  // acme/web: its PR closed, then reported a false positive and confirmed.
  await prCycle(store, imds[1]!, 12, "closed");
  await run(store, imds[1]!, (f, now) =>
    new Path(f, now).to("triaged", ALICE, "/fixloop retry by alice").result(),
  );
  await run(store, imds[1]!, falsePositive("IMDSv1 is required by the legacy monitoring agent on this host"));
  await run(store, imds[1]!, confirmFalsePositive());
  // acme/data: fixed.
  await prCycle(store, imds[2]!, 13, "merged");
  at("2026-11-04T10:00:00Z");
  await prCycle(store, find("aws-sg-open-admin-ports", null), 14, "merged");
  // S3.8: the PR is refused, the risk accepted until March.
  const s3 = find("aws-s3-public-access-block", null);
  await prCycle(store, s3, 15, "closed");
  await grantException(store, {
    findingId: s3,
    reason: "the bucket hosts the public status page",
    approvedBy: SECURITY,
    expiresAt: new Date("2027-03-01T00:00:00Z"),
  });
  // The critical bucket of the generic batch (no rule id): a false positive.
  await run(
    store,
    find("unspecified", null),
    falsePositive("Public on purpose: it serves https://status.acme.example"),
  );
  await run(store, find("unspecified", null), confirmFalsePositive());
  at("2026-11-10T10:00:00Z");
  // aws-rds-public: two false positives with one reason in two wordings.
  await run(
    store,
    find("aws-rds-public", "acme/web"),
    falsePositive("The database is private; the public flag is a module default."),
  );
  await run(store, find("aws-rds-public", "acme/web"), confirmFalsePositive());
  await run(
    store,
    find("aws-rds-public", "acme/data"),
    falsePositive("the database is private;  the public flag is a module default"),
  );
  await run(store, find("aws-rds-public", "acme/data"), confirmFalsePositive());
  await snooze(
    store,
    find("aws-rds-encryption", "acme/payments"),
    "2026-11-20T00:00:00Z",
    "the migration to an encrypted copy is scheduled",
  );
  at("2026-12-02T10:00:00Z");
  await run(store, find("aws-rds-encryption", "acme/data"), falsePositive("outside the period"));
  await run(store, find("aws-rds-encryption", "acme/data"), confirmFalsePositive());
  return { find, imds };
}
