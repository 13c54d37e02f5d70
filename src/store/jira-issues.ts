// The `jira_issues` table: one Jira issue per finding that has a tracking issue (src/notify/jira.ts).

import type { Db } from "./store.ts";

export interface JiraIssueRecord {
  findingId: string;
  key: string;
  url: string;
  status: "open" | "done";
}

export async function jiraIssueOf(db: Db, findingId: string): Promise<JiraIssueRecord | null> {
  const r = await db
    .selectFrom("jira_issues")
    .selectAll()
    .where("finding_id", "=", findingId)
    .executeTakeFirst();
  return r
    ? { findingId: r.finding_id, key: r.key, url: r.url, status: r.status === "done" ? "done" : "open" }
    : null;
}

/** Records the issue once created; later calls only change its status. */
export async function saveJiraIssue(db: Db, r: JiraIssueRecord, now: number): Promise<void> {
  await db
    .insertInto("jira_issues")
    .values({
      finding_id: r.findingId,
      key: r.key,
      url: r.url,
      status: r.status,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column("finding_id").doUpdateSet({ status: r.status, updated_at: now }))
    .execute();
}
