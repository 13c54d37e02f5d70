// Before an exception or a snooze ends (`exceptions.noticeDays`, default 7), the approver and the
// owners are told once, on the finding's PR or tracking issue, and a notification is queued
// (`exception-expiring`). Run by the app's exception-expiry sweep, before the expiry itself.

import { DEFAULT_REPO_CONFIG } from "../config/repo-config.ts";
import { mdInline } from "../github/markdown.ts";
import { repoRefOf } from "../github/platform.ts";
import { notifyJob } from "../jobs/kinds.ts";
import type { RemediationEnv } from "../remediate/env.ts";
import { claimExpiryNotice, releaseExpiryNotice } from "../store/exception-notices.ts";
import { type ExpiringException, expiringExceptions } from "../store/exceptions.ts";
import { enqueueJobs } from "../store/jobs.ts";
import { openRemediationOf, remediationsOf } from "../store/remediations.ts";
import type { Db } from "../store/store.ts";
import { trackingIssueOf } from "../store/tracking-issues.ts";

const DAY_MS = 86_400_000;
/** Rows looked at per sweep: those ending within a year (a longer notice is not useful). */
const HORIZON_MS = 366 * DAY_MS;

interface Place {
  repository: string;
  number: number;
  url: string;
}

/** Where the finding's people already are: its open PR, its tracking issue, its last PR. */
async function placeOf(db: Db, findingId: string): Promise<Place | null> {
  const open = await openRemediationOf(db, findingId);
  if (open?.repository && open.prNumber && open.prUrl)
    return { repository: open.repository, number: open.prNumber, url: open.prUrl };
  const issue = await trackingIssueOf(db, findingId);
  if (issue) return { repository: issue.repository, number: issue.number, url: issue.url };
  const last = (await remediationsOf(db, findingId))
    .filter((r) => r.repository && r.prNumber && r.prUrl)
    .at(-1);
  return last
    ? { repository: last.repository as string, number: last.prNumber as number, url: last.prUrl as string }
    : null;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function expiryNoticeBody(e: ExpiringException, now: number): string {
  const approver = e.approvedBy.kind === "github-user" ? `@${e.approvedBy.login}` : null;
  // The owning team is mentioned when it is a GitHub team (`org/team`); a source's free-text owner is not a handle.
  const team = e.ownerTeam && /^[A-Za-z0-9-]+\/[A-Za-z0-9_.-]+$/.test(e.ownerTeam) ? `@${e.ownerTeam}` : null;
  const who = [approver, team].filter(Boolean).join(" ");
  const days = Math.max(1, Math.ceil((e.expiresAt - now) / DAY_MS));
  const what = e.kind === "snooze" ? "The snooze" : "The exception";
  return [
    `${who ? `${who}: ` : ""}${what} for this finding${approver ? `, approved by ${approver} on ${day(e.createdAt)}` : ""}, ends on ${new Date(e.expiresAt).toISOString()} (in ${days} day${days === 1 ? "" : "s"}).`,
    "",
    `Reason given: ${mdInline(e.reason, 300)}`,
    "",
    "After that fixloop takes the finding back into the loop: its SLA restarts from the end date and, if the code still fails, a new fix PR is opened. To keep it, renew it before then (a new `/fixloop accept-risk --until YYYY-MM-DD` approved by the security team, or a later `expires` in `.github/fixloop-exceptions.yml`).",
    "",
    `<!-- fixloop:exception-expiring:${e.exceptionId} -->`,
  ].join("\n");
}

/** How many days ahead this finding's people want to hear (its repository's configuration). */
async function noticeDays(env: RemediationEnv, e: ExpiringException, place: Place | null): Promise<number> {
  if (!place || e.installationId === null) return DEFAULT_REPO_CONFIG.exceptions.noticeDays;
  const parsed = await env.repoConfig(e.installationId, repoRefOf(place.repository));
  return parsed.ok ? parsed.config.exceptions.noticeDays : DEFAULT_REPO_CONFIG.exceptions.noticeDays;
}

/** Tells once about each exception entering its notice window; returns how many were told. */
export async function noticeExpiringExceptions(env: RemediationEnv): Promise<number> {
  const { store } = env;
  const now = store.now();
  let told = 0;
  for (const e of await expiringExceptions(store.db, now, now + HORIZON_MS)) {
    const place = await placeOf(store.db, e.findingId);
    if (e.expiresAt - now > (await noticeDays(env, e, place)) * DAY_MS) continue;
    if (!(await claimExpiryNotice(store.db, e.exceptionId, now))) continue;
    try {
      if (place && e.installationId !== null) {
        const platform = await env.platform(e.installationId);
        await platform.comment(repoRefOf(place.repository), place.number, expiryNoticeBody(e, now));
      }
      const summary = `${e.kind === "snooze" ? "snooze" : "exception"} for ${e.title.slice(0, 200)} ends on ${day(e.expiresAt)}`;
      const event = {
        event: "exception-expiring" as const,
        findingId: e.findingId,
        at: new Date(e.expiresAt).toISOString(),
        summary,
      };
      await enqueueJobs(store.db, [notifyJob(place ? { ...event, link: place.url } : event)], now);
      told++;
    } catch (error) {
      await releaseExpiryNotice(store.db, e.exceptionId);
      env.log.warn(
        { findingId: e.findingId, err: { message: (error as Error).message } },
        "could not tell that an exception is ending; the next sweep retries",
      );
    }
  }
  return told;
}
