// The notifications a verdict owes people: the `fixloop/verification` check run on the merge
// commit, the tracking issue (closed when verified, reopened or created when not), and one comment
// on the PR that links both. Each step is saved in the job's progress once done, so a retry after
// a crash posts only what is missing.

import type { GitHub } from "../github/client.ts";
import type { RemediationEnv } from "../remediate/env.ts";
import { closeTrackingIssue, upsertTrackingIssue } from "../remediate/tracking-issues.ts";
import { openTrackingIssueUrl } from "../store/finding-issues.ts";
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
export async function notify(env: RemediationEnv, gh: GitHub, verdict: Verdict, io: NotifyIo): Promise<void> {
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
    const { data } = await gh.rest.checks.create({
      ...repository,
      name: FIXLOOP_CHECK_NAME,
      head_sha: ctx.mergeCommit,
      status: "completed",
      conclusion: verified ? "success" : "failure",
      completed_at: new Date(now).toISOString(),
      external_id: ctx.findingId,
      ...(ctx.evidenceUrl ? { details_url: ctx.evidenceUrl } : {}),
      output,
    });
    progress.checkRun = { id: data.id, url: data.html_url ?? "" };
    await io.save(progress);
  }
  const checkRunUrl = progress.checkRun.url || null;
  if (progress.issue === undefined) {
    if (verdict.kind === "verified") {
      const open = await openTrackingIssueUrl(env.store.db, ctx.findingId);
      const closed = await closeTrackingIssue(
        gh,
        env.store.db,
        ctx.findingId,
        issueClosingComment(ctx, checkRunUrl),
        now,
      );
      progress.issue = closed && open ? open : null;
    } else {
      const draft = notVerifiedIssue(ctx, verdict.reason);
      const issue = await upsertTrackingIssue(
        gh,
        env.store.db,
        {
          findingId: ctx.findingId,
          repository,
          ...draft,
          labels: ["security", "fixloop"],
          reason: `not-verified: ${verdict.reason}`.slice(0, 500),
        },
        now,
      );
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
    const { data } = await gh.rest.issues.createComment({
      ...repository,
      issue_number: verdict.prNumber,
      body,
    });
    progress.comment = data.html_url;
    await io.save(progress);
  }
}
