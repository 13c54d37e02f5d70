// An invalid fixloop.yml is never half-applied: fixloop does nothing in that repository, and says
// so in one issue there that names every wrong key — updated when the errors change, closed when
// the file is valid again. Nothing is written when the same errors are reported again. The same
// ensureIssue / ensureIssueClosed as tracking issues; the bookkeeping in src/store/config-issues.ts.

import { errorsAsLine, errorsAsMarkdown } from "../config/config-errors.ts";
import type { ConfigError } from "../config/repo-config.ts";
import { Forbidden, NotFound } from "../github/errors.ts";
import { fullName, type RepoRef } from "../github/platform.ts";
import { configIssueOf, markConfigIssueClosed, saveConfigIssue } from "../store/config-issues.ts";
import type { IssueIo } from "./tracking-issues.ts";

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
  io: IssueIo,
  repository: RepoRef,
  errors: readonly ConfigError[],
): Promise<string | null> {
  const key = fullName(repository);
  const text = errorsAsLine(errors);
  const known = await configIssueOf(io.db, key);
  if (known && known.state === "open" && known.errors === text) return known.url;
  try {
    const issue = await io.platform.ensureIssue({
      repository,
      existing: known ? { number: known.number, url: known.url } : null,
      title: CONFIG_ISSUE_TITLE,
      body: configIssueBody(repository, errors),
      labels: ["fixloop"],
    });
    await saveConfigIssue(
      io.db,
      { repository: key, number: issue.number, url: issue.url, errors: text },
      io.now,
    );
    return issue.url;
  } catch (error) {
    // No access to that repository's issues (the org's .github repository is often not installed).
    if (error instanceof Forbidden || error instanceof NotFound) return null;
    throw error;
  }
}

/** Closes the configuration issue once the file is valid again (no request when there is none open). */
export async function configIsValidAgain(io: IssueIo, repository: RepoRef): Promise<void> {
  const known = await configIssueOf(io.db, fullName(repository));
  if (known?.state !== "open") return;
  await io.platform.ensureIssueClosed(repository, known.number);
  await markConfigIssueClosed(io.db, fullName(repository), io.now);
}
