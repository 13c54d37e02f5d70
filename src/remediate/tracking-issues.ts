// The one issue fixloop keeps for a finding it cannot (yet) fix by PR: created once, then updated
// in place — retitled, rewritten and reopened — so a finding never produces a pile of issues.

import type { GitHub, RepoRef } from "../github/client.ts";
import { fullName } from "../github/client.ts";
import type { Db } from "../store/store.ts";

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

export async function upsertTrackingIssue(
  gh: GitHub,
  db: Db,
  draft: TrackingIssueDraft,
  now: number,
): Promise<TrackingIssue> {
  const repository = fullName(draft.repository);
  const known = await db
    .selectFrom("tracking_issues")
    .selectAll()
    .where("finding_id", "=", draft.findingId)
    .executeTakeFirst();
  if (known && known.repository === repository) {
    const changed = known.state !== "open" || known.reason !== draft.reason;
    if (changed) {
      await gh.rest.issues.update({
        ...draft.repository,
        issue_number: known.number,
        title: draft.title,
        body: draft.body,
        state: "open",
      });
      await db
        .updateTable("tracking_issues")
        .set({ state: "open", reason: draft.reason, updated_at: now })
        .where("finding_id", "=", draft.findingId)
        .execute();
    }
    return { number: known.number, url: known.url, created: false };
  }
  const issue = await gh.rest.issues.create({
    ...draft.repository,
    title: draft.title,
    body: draft.body,
    labels: draft.labels,
  });
  const row = {
    repository,
    number: issue.data.number,
    url: issue.data.html_url,
    state: "open",
    reason: draft.reason,
    updated_at: now,
  };
  if (known)
    await db.updateTable("tracking_issues").set(row).where("finding_id", "=", draft.findingId).execute();
  else
    await db
      .insertInto("tracking_issues")
      .values({ ...row, finding_id: draft.findingId, created_at: now })
      .execute();
  return { number: issue.data.number, url: issue.data.html_url, created: true };
}

/** Closes the finding's tracking issue with a comment (a PR now carries the work, or it was verified). */
export async function closeTrackingIssue(
  gh: GitHub,
  db: Db,
  findingId: string,
  comment: string,
  now: number,
): Promise<boolean> {
  const known = await db
    .selectFrom("tracking_issues")
    .selectAll()
    .where("finding_id", "=", findingId)
    .where("state", "=", "open")
    .executeTakeFirst();
  if (!known) return false;
  const [owner, repo] = known.repository.split("/") as [string, string];
  await gh.rest.issues.createComment({ owner, repo, issue_number: known.number, body: comment });
  await gh.rest.issues.update({
    owner,
    repo,
    issue_number: known.number,
    state: "closed",
    state_reason: "completed",
  });
  await db
    .updateTable("tracking_issues")
    .set({ state: "closed", updated_at: now })
    .where("finding_id", "=", findingId)
    .execute();
  return true;
}
