// A fixloop PR closed: merged → its findings are `merged` (verification takes over), closed
// without merge → `closed_unmerged` (no new PR for the finding until its fix changes — a recheck
// job looks when the finding is reported again — or someone asks with `/fixloop retry`). Either
// way a slot of the noise budget is free again, so the remediations waiting for one are woken. Idempotent: a redelivery finds the findings already moved.

import { REMEDIATE_JOB, verifyJob } from "../jobs/kinds.ts";
import { changeStateIn } from "../lifecycle/change-state.ts";
import type { Actor } from "../lifecycle/machine.ts";
import { enqueueJobs, wakeJobs } from "../store/jobs.ts";
import { remediationsOfPr, updateRemediation } from "../store/remediations.ts";
import type { Store } from "../store/store.ts";
import { CI_GRACE_MS } from "../verify/verify-steps.ts";

export interface ClosedPullRequest {
  repository: string;
  number: number;
  url: string;
  merged: boolean;
  mergeCommitSha: string | null;
  /** Who merged it (merged) or closed it (the event's sender). */
  by: { login: string; id: number };
}

export interface PrClosedResult {
  findingIds: string[];
  moved: number;
}

export async function pullRequestClosed(store: Store, pr: ClosedPullRequest): Promise<PrClosedResult> {
  const remediations = (await remediationsOfPr(store.db, pr.repository, pr.number)).filter(
    (r) => r.prState === "open",
  );
  if (remediations.length === 0) return { findingIds: [], moved: 0 };
  const actor: Actor = { kind: "github-user", login: pr.by.login, id: pr.by.id };
  let moved = 0;
  await store.transaction(async (tx) => {
    const now = store.now();
    for (const r of remediations) {
      await updateRemediation(
        tx,
        r.id,
        pr.merged ? { prState: "merged", mergeCommitSha: pr.mergeCommitSha } : { prState: "closed" },
        now,
      );
      const current = await tx
        .selectFrom("findings")
        .select("state")
        .where("id", "=", r.findingId)
        .executeTakeFirst();
      if (current?.state !== "pr_open") continue;
      await changeStateIn(
        tx,
        {
          findingId: r.findingId,
          to: pr.merged ? "merged" : "closed_unmerged",
          actor,
          reason: pr.merged
            ? `${pr.url} merged by ${pr.by.login} as ${pr.mergeCommitSha ?? "an unknown commit"}`
            : `${pr.url} closed without merge by ${pr.by.login}: no new PR until its fix changes or someone runs /fixloop retry`,
          links: { pr: pr.url, ...(pr.merged && pr.mergeCommitSha ? { commit: pr.mergeCommitSha } : {}) },
          expectedFrom: "pr_open",
        },
        now,
      );
      moved++;
      // Verification takes over: CI on the merge commit, then the re-scans (src/verify). Its
      // first look is after the CI grace period — right after a merge CI is still running, and a
      // look then costs three requests for nothing; CI's own completion webhooks wake it sooner.
      if (pr.merged) await enqueueJobs(tx, [verifyJob(r.findingId, now + CI_GRACE_MS)], now);
    }
    // The budget has a free slot: remediations waiting for one run now, riskiest first.
    await wakeJobs(tx, REMEDIATE_JOB, now);
  });
  return { findingIds: remediations.map((r) => r.findingId), moved };
}
