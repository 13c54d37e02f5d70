// The `config_issues` table: one issue per repository whose fixloop.yml is invalid, with the errors
// it last reported (so the same errors are never written twice).

import type { Db } from "./store.ts";

export interface ConfigIssueRecord {
  /** owner/repo */
  repository: string;
  number: number;
  url: string;
  state: "open" | "closed";
  /** The errors last written into it, one line. */
  errors: string;
}

export async function configIssueOf(db: Db, repository: string): Promise<ConfigIssueRecord | null> {
  const row = await db
    .selectFrom("config_issues")
    .selectAll()
    .where("repository", "=", repository)
    .executeTakeFirst();
  if (!row) return null;
  const { number, url, errors } = row;
  return { repository, number, url, errors, state: row.state === "open" ? "open" : "closed" };
}

/** Records the repository's open configuration issue with the errors it now reports. */
export async function saveConfigIssue(
  db: Db,
  issue: Omit<ConfigIssueRecord, "state">,
  now: number,
): Promise<void> {
  const row = { number: issue.number, url: issue.url, state: "open", errors: issue.errors, updated_at: now };
  const updated = await db
    .updateTable("config_issues")
    .set(row)
    .where("repository", "=", issue.repository)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0)
    await db
      .insertInto("config_issues")
      .values({ ...row, repository: issue.repository })
      .execute();
}

export async function markConfigIssueClosed(db: Db, repository: string, now: number): Promise<void> {
  await db
    .updateTable("config_issues")
    .set({ state: "closed", updated_at: now })
    .where("repository", "=", repository)
    .execute();
}
