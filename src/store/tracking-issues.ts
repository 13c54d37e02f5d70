// The `tracking_issues` table: the one issue fixloop keeps per finding it cannot (yet) fix by PR.
// Repositories are stored as "owner/repo"; the remediation code turns them back with repoRefOf.

import type { Db } from "./store.ts";

export interface TrackingIssueRecord {
  findingId: string;
  /** owner/repo */
  repository: string;
  number: number;
  url: string;
  state: "open" | "closed";
  /** Why there is an issue (the body says it to people). */
  reason: string;
}

type Row = {
  finding_id: string;
  repository: string;
  number: number;
  url: string;
  state: string;
  reason: string;
};

const record = (r: Row): TrackingIssueRecord => ({
  findingId: r.finding_id,
  repository: r.repository,
  number: r.number,
  url: r.url,
  state: r.state === "open" ? "open" : "closed",
  reason: r.reason,
});

/** The finding's tracking issue, open or closed; null when it never had one. */
export async function trackingIssueOf(db: Db, findingId: string): Promise<TrackingIssueRecord | null> {
  const row = await db
    .selectFrom("tracking_issues")
    .selectAll()
    .where("finding_id", "=", findingId)
    .executeTakeFirst();
  return row ? record(row) : null;
}

/** The finding's tracking issue when it is open. */
export async function openTrackingIssueOf(db: Db, findingId: string): Promise<TrackingIssueRecord | null> {
  const known = await trackingIssueOf(db, findingId);
  return known?.state === "open" ? known : null;
}

/** The findings whose tracking issue is `number` in `repository` (owner/repo). */
export async function findingsOfTrackingIssue(db: Db, repository: string, number: number): Promise<string[]> {
  const rows = await db
    .selectFrom("tracking_issues")
    .select("finding_id")
    .where("repository", "=", repository)
    .where("number", "=", number)
    .execute();
  return rows.map((r) => r.finding_id);
}

/** Records the finding's (new or reopened) open issue: a new row, or the finding's row replaced. */
export async function saveTrackingIssue(
  db: Db,
  issue: Omit<TrackingIssueRecord, "state">,
  now: number,
): Promise<void> {
  const row = {
    repository: issue.repository,
    number: issue.number,
    url: issue.url,
    state: "open",
    reason: issue.reason,
    updated_at: now,
  };
  const updated = await db
    .updateTable("tracking_issues")
    .set(row)
    .where("finding_id", "=", issue.findingId)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0)
    await db
      .insertInto("tracking_issues")
      .values({ ...row, finding_id: issue.findingId, created_at: now })
      .execute();
}

export async function markTrackingIssueClosed(db: Db, findingId: string, now: number): Promise<void> {
  await db
    .updateTable("tracking_issues")
    .set({ state: "closed", updated_at: now })
    .where("finding_id", "=", findingId)
    .execute();
}
