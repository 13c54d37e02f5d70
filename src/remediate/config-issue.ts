// An invalid fixloop.yml is never half-applied: fixloop does nothing in that repository, and says
// so in one issue there that names every wrong key — updated when the errors change, closed when
// the file is valid again. Nothing is written when the same errors are reported again.

import { errorsAsLine, errorsAsMarkdown } from "../config/config-errors.ts";
import type { ConfigError } from "../config/repo-config.ts";
import { fullName, type GitHub, type RepoRef } from "../github/client.ts";
import type { Db } from "../store/store.ts";

export const CONFIG_ISSUE_TITLE = "fixloop: .github/fixloop.yml is invalid, so fixloop is paused here";

export function configIssueBody(repository: RepoRef, errors: readonly ConfigError[]): string {
  return [
    `fixloop read \`.github/fixloop.yml\` for ${fullName(repository)} (with anything it \`_extends\`) and found ${errors.length} error${errors.length === 1 ? "" : "s"}:`,
    "",
    errorsAsMarkdown(errors),
    "",
    "Until the file is valid, fixloop opens no pull request here: a configuration is never applied in part.",
    "Every key is described in fixloop's docs/configuration.md. This issue closes itself once the file is valid.",
    "",
    "<!-- fixloop:config-issue -->",
  ].join("\n");
}

/** Opens or updates the repository's configuration issue; returns its URL, or null when GitHub refused. */
export async function reportInvalidConfig(
  gh: GitHub,
  db: Db,
  repository: RepoRef,
  errors: readonly ConfigError[],
  now: number,
): Promise<string | null> {
  const key = fullName(repository);
  const text = errorsAsLine(errors);
  const known = await db
    .selectFrom("config_issues")
    .selectAll()
    .where("repository", "=", key)
    .executeTakeFirst();
  if (known && known.state === "open" && known.errors === text) return known.url;
  const body = configIssueBody(repository, errors);
  try {
    if (known) {
      await gh.rest.issues.update({ ...repository, issue_number: known.number, body, state: "open" });
      await db
        .updateTable("config_issues")
        .set({ state: "open", errors: text, updated_at: now })
        .where("repository", "=", key)
        .execute();
      return known.url;
    }
    const issue = await gh.rest.issues.create({
      ...repository,
      title: CONFIG_ISSUE_TITLE,
      body,
      labels: ["fixloop"],
    });
    await db
      .insertInto("config_issues")
      .values({
        repository: key,
        number: issue.data.number,
        url: issue.data.html_url,
        state: "open",
        errors: text,
        updated_at: now,
      })
      .execute();
    return issue.data.html_url;
  } catch (error) {
    const status = (error as { status?: number }).status;
    // No access to that repository's issues (the org's .github repository is often not installed).
    if (status === 403 || status === 404 || status === 410) return null;
    throw error;
  }
}

/** Closes the configuration issue once the file is valid again (no request when there is none open). */
export async function configIsValidAgain(
  gh: GitHub,
  db: Db,
  repository: RepoRef,
  now: number,
): Promise<void> {
  const key = fullName(repository);
  const known = await db
    .selectFrom("config_issues")
    .selectAll()
    .where("repository", "=", key)
    .where("state", "=", "open")
    .executeTakeFirst();
  if (!known) return;
  await gh.rest.issues.update({
    ...repository,
    issue_number: known.number,
    state: "closed",
    state_reason: "completed",
  });
  await db
    .updateTable("config_issues")
    .set({ state: "closed", updated_at: now })
    .where("repository", "=", key)
    .execute();
}
