// Telling people about a finding's SLA, on GitHub: the pre-breach warning, the breach (the
// `sla-breached` label and a comment mentioning the owners and the security team) and each step of
// the escalation ladder, on the finding's PR — or its tracking issue when there is no PR. Run
// after each `sweep:sla`. Each notice is given once: its comment is claimed before it is posted and
// released when the post fails, so the next sweep tries again; its notification is claimed apart
// and queued in the claim's transaction (the breach's is queued by the sweep itself, with the
// breach), so a retried comment does not notify twice. ./ladder.ts says which notices are due.

import type { RepoConfig } from "../config/repo-config.ts";
import { repoRefOf } from "../github/platform.ts";
import { notifyJob } from "../jobs/kinds.ts";
import type { RemediationEnv } from "../remediate/env.ts";
import { findingFromRow, type StoredFinding } from "../store/findings.ts";
import { enqueueJobs } from "../store/jobs.ts";
import { latestMergedRemediation, openRemediationOf } from "../store/remediations.ts";
import { slaClockFindings } from "../store/sla-breaches.ts";
import { claimSlaNotice, releaseSlaNotice, type SlaNotice } from "../store/sla-notices.ts";
import { openTrackingIssueOf } from "../store/tracking-issues.ts";
import { dueNotices, type SlaSettings, slaHoursOf } from "./ladder.ts";
import { type SlaPlace, slaComment, slaSummary } from "./text.ts";

/** Posts the SLA notices not given yet; returns how many comments were posted. */
export async function notifySla(env: RemediationEnv): Promise<number> {
  let posted = 0;
  for (const row of await slaClockFindings(env.store.db)) {
    const finding = findingFromRow(row);
    try {
      posted += await noticesOf(env, finding);
    } catch (error) {
      env.log.warn(
        { findingId: finding.id, err: { message: (error as Error).message } },
        "could not give the SLA notices; the next sweep retries",
      );
    }
  }
  return posted;
}

/** Where a finding's notices go: its open PR, its merged PR being verified, or its tracking issue. */
async function placeOf(env: RemediationEnv, finding: StoredFinding): Promise<SlaPlace | null> {
  const { db } = env.store;
  const pr = (await openRemediationOf(db, finding.id)) ?? (await latestMergedRemediation(db, finding.id));
  if (pr?.repository && pr.prNumber && pr.prUrl) {
    const { team, reviewers } = pr.assignment;
    const owners = [...(team ? [team] : []), ...reviewers];
    return { repository: pr.repository, number: pr.prNumber, url: pr.prUrl, owners };
  }
  const issue = await openTrackingIssueOf(db, finding.id);
  if (!issue) return null;
  return { repository: issue.repository, number: issue.number, url: issue.url, owners: ownersOf(finding) };
}

/** The finding's team when it is one (`org/team`): a bare owner value from a tag or the source
 *  that no mapping resolved could name any GitHub user, so it is not mentioned. */
const ownersOf = (finding: StoredFinding) => (finding.ownerTeam?.includes("/") ? [finding.ownerTeam] : []);

/** The repository's ladder over the finding's own SLA: its due date was set at ingest with the
 *  organization's `slaHours`, which the repository's may not match. */
function settingsOf(config: RepoConfig, finding: StoredFinding): SlaSettings {
  return { ...config.sla, slaHours: slaHoursOf(finding) ?? config.slaHours[finding.risk.tier] };
}

async function noticesOf(env: RemediationEnv, finding: StoredFinding): Promise<number> {
  const place = await placeOf(env, finding);
  if (!place || finding.installationId === null) return 0;
  const parsed = await env.repoConfig(finding.installationId, repoRefOf(place.repository));
  // An invalid configuration pauses fixloop in the repository: nothing is posted there. The
  // breach is still recorded and its notification queued by the sweep.
  if (!parsed.ok) return 0;
  const { config } = parsed;
  const sla = settingsOf(config, finding);
  const due = Date.parse(finding.slaDue);
  const breachedAt = finding.slaBreachedAt === null ? null : Date.parse(finding.slaBreachedAt);
  let posted = 0;
  for (const notice of dueNotices({ due, breachedAt }, sla, env.store.now())) {
    const told = { finding, place, notice, sla, securityTeam: config.securityTeam };
    await queueNotification(env, told);
    if (await postOnce(env, told)) posted++;
  }
  return posted;
}

export interface Told {
  finding: StoredFinding;
  place: SlaPlace;
  notice: SlaNotice;
  sla: SlaSettings;
  securityTeam: string | null;
}

/** The notice's `notify` job, once (the breach's is queued by the sweep with the breach). */
async function queueNotification(env: RemediationEnv, told: Told): Promise<void> {
  if (told.notice.kind === "breach") return;
  const { store } = env;
  const now = store.now();
  const key = { findingId: told.finding.id, due: Date.parse(told.finding.slaDue), notice: told.notice };
  const teams = told.notice.kind === "escalation" ? [told.sla.escalate[told.notice.step]!.notify] : undefined;
  await store.transaction(async (tx) => {
    if (!(await claimSlaNotice(tx, "event", key, now))) return;
    const event = told.notice.kind === "warning" ? "sla-warning" : "sla-escalation";
    const job = notifyJob({
      event,
      findingId: told.finding.id,
      at: new Date(now).toISOString(),
      summary: slaSummary(told),
      link: told.place.url,
      ...(teams ? { teams } : {}),
    });
    await enqueueJobs(tx, [job], now);
  });
}

/** Posts the notice's comment (and the breach's label) unless it was posted; true when posted now. */
async function postOnce(env: RemediationEnv, told: Told): Promise<boolean> {
  const { store } = env;
  const key = { findingId: told.finding.id, due: Date.parse(told.finding.slaDue), notice: told.notice };
  if (!(await claimSlaNotice(store.db, "comment", key, store.now()))) return false;
  try {
    const platform = await env.platform(told.finding.installationId);
    const repository = repoRefOf(told.place.repository);
    if (told.notice.kind === "breach")
      await platform.addLabels(repository, told.place.number, ["sla-breached"]);
    await platform.comment(repository, told.place.number, slaComment(told, env.evidenceUrl(told.finding.id)));
    return true;
  } catch (error) {
    await releaseSlaNotice(store.db, "comment", key);
    throw error;
  }
}
