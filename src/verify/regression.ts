// A regression: a resolved finding that a later scan reports failing again. Ingest reopens it
// (linking the resolution it undoes) and queues this job, which tells the people who merged the
// fix — one comment on its PR, mentioning the owners — and then computes the fix again by moving
// the finding to `fixing` and queueing its `remediate` job. That job finds one of two things: the
// code no longer has the fix (a revert, a refactor) and opens a new PR; or the code still has it,
// fixloop's rule finds nothing to change, and the finding's tracking issue says so — the resource
// has drifted from the code. The comment is saved in the job's progress once posted, so a retry
// never posts it twice.

import { repoRefOf } from "../github/platform.ts";
import type { JobHandler } from "../jobs/worker.ts";
import { runCommandAlone } from "../lifecycle/apply.ts";
import { recompute } from "../lifecycle/commands.ts";
import type { RemediationEnv } from "../remediate/env.ts";
import { auditTrail } from "../store/audit.ts";
import { findingSources, getFinding } from "../store/findings.ts";
import { latestMergedRemediation } from "../store/remediations.ts";
import { effectiveMode, type ModeSetting, sourceCanRescan } from "./decide.ts";
import { regressionComment } from "./verification-text.ts";
import { verificationContext } from "./verify-job.ts";

interface RegressionProgress {
  /** The PR comment's URL once posted; null when there was no merged PR to post on. */
  comment?: string | null;
}

export type RegressionOutcome = "recomputing" | "nothing-to-do";

export function regressionHandler(env: RemediationEnv): JobHandler {
  return async (payload, ctx) => {
    const findingId = (payload as { findingId?: unknown }).findingId;
    if (typeof findingId !== "string") throw new Error("regression job without a findingId");
    const progress = (ctx.progress ?? {}) as RegressionProgress;
    const outcome = await handleRegression(env, findingId, progress, (p) => ctx.saveProgress(p));
    env.log.info({ findingId, outcome, comment: progress.comment ?? null }, "regression handled");
    return undefined;
  };
}

export async function handleRegression(
  env: RemediationEnv,
  findingId: string,
  progress: RegressionProgress,
  save: (p: RegressionProgress) => Promise<void>,
): Promise<RegressionOutcome> {
  const { store } = env;
  const finding = await getFinding(store.db, findingId);
  // Someone acted first (suppressed it, granted an exception, ran /fixloop retry), or the CLI
  // stored it: nothing for the app to do.
  if (finding?.state !== "reopened" || finding.installationId === null) return "nothing-to-do";

  const remediation = await latestMergedRemediation(store.db, findingId);
  if (progress.comment === undefined) {
    if (remediation) {
      const repository = repoRefOf(remediation.repository as string);
      const trail = await auditTrail(store.db, findingId);
      const regression = trail.findLast((e) => e.from === "resolved" && e.to === "reopened");
      const resolved = trail.findLast((e) => e.to === "resolved");
      const parsed = await env.repoConfig(finding.installationId, repository);
      const setting: ModeSetting = parsed.ok ? parsed.config.verification.mode : "auto";
      const formats = (await findingSources(store.db, findingId)).map((s) => s.format);
      const mode = effectiveMode(setting, sourceCanRescan(finding, formats));
      const ctx = verificationContext(env, finding, remediation, { repository, mode });
      const { team, reviewers } = remediation.assignment;
      const body = regressionComment(ctx, {
        reason: regression?.reason ?? "a later scan reports the finding failing again",
        resolvedAt: resolved?.at ?? null,
        owners: [...(team ? [team] : []), ...reviewers],
      });
      const platform = await env.platform(finding.installationId);
      const posted = await platform.comment(repository, remediation.prNumber as number, body);
      progress.comment = posted.url;
    } else {
      progress.comment = null;
    }
    await save(progress);
  }

  // Entering `fixing` queues its remediate job (src/lifecycle/states.ts).
  await runCommandAlone(
    store,
    findingId,
    recompute({
      from: "reopened",
      reason:
        "regression: fixloop computes the fix again on the current default branch (a new PR if the code no longer has it)",
      ...(remediation?.prUrl ? { links: { pr: remediation.prUrl } } : {}),
    }),
  );
  return "recomputing";
}
