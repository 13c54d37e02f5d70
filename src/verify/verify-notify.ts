// The notifications a verdict owes people: the `fixloop/verification` check run on the merge
// commit, the tracking issue (closed when verified, reopened or created when not), and one comment
// on the PR that links both. Each step is saved in the job's progress once done, so a retry after
// a crash posts only what is missing.

import type { Platform } from "../github/platform.ts";
import type { RemediationEnv } from "../remediate/env.ts";
import { closeTrackingIssue, upsertTrackingIssue } from "../remediate/tracking-issues.ts";
import { openTrackingIssueOf } from "../store/tracking-issues.ts";
import { FIXLOOP_CHECK_NAME } from "./ci-state.ts";
import type { Verdict } from "./decide.ts";
import {
  checkRunOutput,
  issueClosingComment,
  notVerifiedComment,
  notVerifiedIssue,
  verifiedComment,
} from "./verification-text.ts";

export interface NotifyIo {
  progress: { checkRun?: { id: number; url: string }; comment?: string; issue?: string | null };
  save(p: unknown): Promise<void>;
}

/** Check run, tracking issue, then the PR comment (which links both): each step saved once done. */
export async function notify(
  env: RemediationEnv,
  platform: Platform,
  verdict: Verdict,
  io: NotifyIo,
): Promise<void> {
  const { progress } = io;
  const { context: ctx, repository } = verdict;
  const verified = verdict.kind === "verified";
  const now = env.store.now();
  if (!progress.checkRun) {
    const output = checkRunOutput(
      ctx,
      verified ? { verified } : { verified, reason: verdict.reason },
      verdict.checked,
    );
    progress.checkRun = await platform.createCheckRun(repository, {
      name: FIXLOOP_CHECK_NAME,
      headSha: ctx.mergeCommit,
      conclusion: verified ? "success" : "failure",
      completedAt: new Date(now).toISOString(),
      externalId: ctx.findingId,
      ...(ctx.evidenceUrl ? { detailsUrl: ctx.evidenceUrl } : {}),
      output,
    });
    await io.save(progress);
  }
  const checkRunUrl = progress.checkRun.url || null;
  if (progress.issue === undefined) {
    const issues = { platform, db: env.store.db, now };
    if (verdict.kind === "verified") {
      const open = await openTrackingIssueOf(env.store.db, ctx.findingId);
      const closed = await closeTrackingIssue(issues, ctx.findingId, issueClosingComment(ctx, checkRunUrl));
      progress.issue = closed && open ? open.url : null;
    } else {
      const draft = notVerifiedIssue(ctx, verdict.reason);
      const issue = await upsertTrackingIssue(issues, {
        findingId: ctx.findingId,
        repository,
        ...draft,
        labels: ["security", "fixloop"],
        reason: `not-verified: ${verdict.reason}`.slice(0, 500),
      });
      progress.issue = issue.url;
    }
    await io.save(progress);
  }
  if (!progress.comment) {
    const body =
      verdict.kind === "verified"
        ? verifiedComment(ctx, checkRunUrl, verdict.checked)
        : notVerifiedComment(ctx, {
            reason: verdict.reason,
            owners: verdict.owners,
            checkRunUrl,
            newFix: verdict.newFix,
            issueUrl: progress.issue ?? null,
          });
    progress.comment = (await platform.comment(repository, verdict.prNumber, body)).url;
    await io.save(progress);
  }
}
