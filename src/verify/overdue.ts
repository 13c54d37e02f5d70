// Telling the owners when a merged fix has gone unverified past its window. The sweep
// (src/jobs/sweeps.ts) sets `verification_overdue_at`; this posts one comment per overdue window
// on the fix's PR, mentioning the owners. "Already told" is an overdue notice keyed by the finding
// and the overdue time (src/store/overdue-notices.ts), so a finding merged again later (a new
// window) is told again. The row is claimed before posting, so two replicas never both post, and released when
// the post fails, so the next sweep tries again.

import { repoRefOf } from "../github/platform.ts";
import type { RemediationEnv } from "../remediate/env.ts";
import { auditTrail } from "../store/audit.ts";
import { findingFromRow, findingSources, overdueVerifications } from "../store/findings.ts";
import { claimOverdueNotice, overdueMarker, releaseOverdueNotice } from "../store/overdue-notices.ts";
import { latestMergedRemediation } from "../store/remediations.ts";
import { verificationsOf } from "../store/verifications.ts";
import { effectiveMode, type ModeSetting, sourceCanRescan } from "./decide.ts";
import { overdueComment, sourceName, when } from "./verification-text.ts";
import { verificationContext } from "./verify-job.ts";

export { overdueMarker };

/** Posts the overdue comments not posted yet; returns how many were posted. */
export async function notifyOverdue(env: RemediationEnv): Promise<number> {
  const { store } = env;
  const rows = await overdueVerifications(store.db);
  let posted = 0;
  for (const row of rows) {
    const finding = findingFromRow(row);
    const remediation = await latestMergedRemediation(store.db, finding.id);
    if (!remediation || finding.installationId === null) continue;
    const overdueAt = row.verification_overdue_at as number;
    if (!(await claimOverdueNotice(store.db, finding.id, overdueAt, store.now()))) continue;
    try {
      const repository = repoRefOf(remediation.repository as string);
      const parsed = await env.repoConfig(finding.installationId, repository);
      const sources = await findingSources(store.db, finding.id);
      const formats = sources.map((s) => s.format);
      const setting: ModeSetting = parsed.ok ? parsed.config.verification.mode : "both";
      const mode = effectiveMode(setting, sourceCanRescan(finding, formats));
      const ctx = verificationContext(env, finding, remediation, { repository, mode });
      const merge = (await auditTrail(store.db, finding.id)).filter((e) => e.to === "merged").at(-1);
      const mergedAt = merge ? Date.parse(merge.at) : 0;
      const seen = (await verificationsOf(store.db, finding.id)).filter(
        (v) => Date.parse(v.observedAt) >= mergedAt,
      );
      const ciDone = seen.some((v) => v.kind === "ci" && v.result === "passed");
      const tools = [...new Set(sources.map((s) => s.tool))];
      const waitingFor = !ciDone
        ? `CI on the merge commit ${ctx.mergeCommit.slice(0, 12)} has not finished.`
        : `no re-scan by ${tools.map(sourceName).join(" or ") || "the source"} has reported on ${ctx.resource} since the merge (${when(new Date(mergedAt).toISOString())}).`;
      const { team, reviewers } = remediation.assignment;
      const body = overdueComment(ctx, {
        deadline:
          finding.verificationDeadline ??
          finding.verificationOverdueAt ??
          new Date(store.now()).toISOString(),
        waitingFor,
        owners: [...(team ? [team] : []), ...reviewers],
      });
      const platform = await env.platform(finding.installationId);
      await platform.comment(repository, remediation.prNumber as number, body);
      posted++;
    } catch (error) {
      await releaseOverdueNotice(store.db, finding.id, overdueAt);
      env.log.warn(
        { findingId: finding.id, err: { message: (error as Error).message } },
        "could not post the verification-overdue comment; the next sweep retries",
      );
    }
  }
  return posted;
}
