// The one issue fixloop keeps for a finding it cannot (yet) fix by PR: created once, then updated
// in place — retitled, rewritten and reopened — so a finding never produces a pile of issues.
// GitHub through the platform's ensureIssue / ensureIssueClosed (the configuration issue uses the
// same two), the bookkeeping in src/store/tracking-issues.ts.

import { fullName, type Platform, type RepoRef, repoRefOf } from "../github/platform.ts";
import { jiraSyncJob } from "../jobs/kinds.ts";
import { enqueueJobs } from "../store/jobs.ts";
import type { Db } from "../store/store.ts";
import {
  markTrackingIssueClosed,
  openTrackingIssueOf,
  saveTrackingIssue,
  trackingIssueOf,
} from "../store/tracking-issues.ts";

export interface TrackingIssueDraft {
  findingId: string;
  repository: RepoRef;
  title: string;
  body: string;
  labels: string[];
  /** Why there is an issue (kept in the store; the body says it to people). */
  reason: string;
}

export interface TrackingIssue {
  number: number;
  url: string;
  created: boolean;
}

/** Where the issue work happens: the platform, the store, and the store's clock. */
export interface IssueIo {
  platform: Platform;
  db: Db;
  now: number;
}

export async function upsertTrackingIssue(io: IssueIo, draft: TrackingIssueDraft): Promise<TrackingIssue> {
  const repository = fullName(draft.repository);
  const known = await trackingIssueOf(io.db, draft.findingId);
  const same = known && known.repository === repository ? known : null;
  // Nothing to write when the open issue already says this.
  if (same && same.state === "open" && same.reason === draft.reason)
    return { number: same.number, url: same.url, created: false };
  const issue = await io.platform.ensureIssue({
    repository: draft.repository,
    existing: same ? { number: same.number, url: same.url } : null,
    title: draft.title,
    body: draft.body,
    labels: draft.labels,
  });
  const { findingId, reason } = draft;
  await saveTrackingIssue(
    io.db,
    { findingId, repository, number: issue.number, url: issue.url, reason },
    io.now,
  );
  // Jira (when the organization configures it) follows the tracking issue: created, updated, reopened.
  await enqueueJobs(io.db, [jiraSyncJob(findingId)], io.now);
  return issue;
}

/** Closes the finding's tracking issue with a comment (a PR now carries the work, or it was verified). */
export async function closeTrackingIssue(io: IssueIo, findingId: string, comment: string): Promise<boolean> {
  const known = await openTrackingIssueOf(io.db, findingId);
  if (!known) return false;
  await io.platform.ensureIssueClosed(repoRefOf(known.repository), known.number, comment);
  await markTrackingIssueClosed(io.db, findingId, io.now);
  await enqueueJobs(io.db, [jiraSyncJob(findingId)], io.now);
  return true;
}
