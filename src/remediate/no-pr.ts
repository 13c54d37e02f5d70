// When there is no PR to open — not locatable, ambiguous, not fixable, disabled, or waiting for
// approval — the finding's one tracking issue says why (in the repository, or the configured
// triage repository), and the finding's state records it.

import {
  type FailingRule,
  type IssueCandidate,
  issueTitle,
  type NoPrReason,
  renderTrackingIssueBody,
} from "../github/issue-body.ts";
import type { Platform, RepoRef } from "../github/platform.ts";
import { runCommandAlone } from "../lifecycle/apply.ts";
import { cannotFix } from "../lifecycle/commands.ts";
import type { FindingSource, StoredFinding } from "../store/findings.ts";
import type { RemediationEnv } from "./env.ts";
import { ISSUE_COMMANDS, issueFinding } from "./present.ts";
import type { RemediateResult } from "./remediate-job.ts";
import { upsertTrackingIssue } from "./tracking-issues.ts";

/** Why there is no PR, and where to say it. */
export interface NoPrIssue {
  /** The repository the tracking issue goes to; null: recorded only (no triage repository). */
  repository: RepoRef | null;
  reason: NoPrReason;
  candidates: IssueCandidate[];
  proposedChange?: string;
  failingRules?: FailingRule[];
}

/** No PR: the tracking issue (when there is a repository to put it in) and the state that says why. */
export async function noPr(
  env: RemediationEnv,
  platform: Platform,
  subject: { finding: StoredFinding; sources: readonly FindingSource[] },
  why: NoPrIssue,
): Promise<RemediateResult> {
  const { store } = env;
  const { finding, sources } = subject;
  const { repository, reason, candidates, proposedChange, failingRules } = why;
  let issueUrl: string | undefined;
  if (repository) {
    const body = renderTrackingIssueBody({
      host: env.host,
      finding: issueFinding(finding, sources),
      reason,
      candidates,
      commands: ISSUE_COMMANDS,
      ...(proposedChange ? { proposedChange } : {}),
      ...(failingRules ? { failingRules } : {}),
    });
    const issue = await upsertTrackingIssue(
      { platform, db: store.db, now: store.now() },
      {
        findingId: finding.id,
        repository,
        title: issueTitle(issueFinding(finding, sources), reason),
        body,
        labels: ["security", "fixloop"],
        reason: `${reason.kind}: ${reason.detail.split("\n")[0]}`,
      },
    );
    issueUrl = issue.url;
  }
  const to: "unfixable" | "unlocatable" | null =
    finding.state !== "fixing"
      ? null
      : reason.kind === "not-fixable"
        ? "unfixable"
        : reason.kind === "awaiting-approval"
          ? null
          : "unlocatable";
  if (to)
    await runCommandAlone(
      store,
      finding.id,
      cannotFix({
        to,
        reason: reason.detail.split("\n")[0] ?? reason.kind,
        ...(issueUrl ? { links: { issue: issueUrl } } : {}),
      }),
    );
  return {
    outcome: "issue",
    detail: `${reason.kind}: ${reason.detail.split("\n")[0]}${issueUrl ? ` (${issueUrl})` : " (no triage repository configured: recorded only)"}`,
  };
}
