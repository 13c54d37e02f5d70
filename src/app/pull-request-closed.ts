// A fixloop PR closed: merged → its findings are `merged` (verification takes over), closed
// without merge → `closed_unmerged` (no new PR for the finding until its fix changes — a recheck
// job looks when the finding is reported again — or someone asks with `/fixloop retry`). Either
// way a slot of the noise budget is free again, so the remediations waiting for one are woken. Idempotent: a redelivery finds the findings already moved.

import { REMEDIATE_JOB } from "../jobs/kinds.ts";
import { runCommand } from "../lifecycle/apply.ts";
import { merged, prClosed } from "../lifecycle/commands.ts";
import { wakeJobs } from "../store/jobs.ts";
import { remediationsOfPr, updateRemediation } from "../store/remediations.ts";
import type { Store } from "../store/store.ts";

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
  const by = { kind: "github-user" as const, login: pr.by.login, id: pr.by.id };
  const decision = { url: pr.url, by, mergeCommitSha: pr.mergeCommitSha };
  const command = pr.merged ? merged(decision) : prClosed(decision);
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
      // A finding no longer `pr_open` (a redelivery) is left alone; a merged one's verification
      // is queued by entering `merged` (src/lifecycle/states.ts).
      const { events } = await runCommand(tx, r.findingId, command, now);
      if (events.length > 0) moved++;
    }
    // The budget has a free slot: remediations waiting for one run now, riskiest first.
    await wakeJobs(tx, REMEDIATE_JOB, now);
  });
  return { findingIds: remediations.map((r) => r.findingId), moved };
}
