// Suppressions written in the code, as the app last saw them in a repository: replaced whole on
// each new commit the app plans fixes on, so one removed from the code leaves the register.

import type { Db, Store } from "./store.ts";

export interface SeenSuppression {
  file: string;
  line: number;
  syntax: string;
  ids: readonly string[];
  reason: string | null;
  expires: string | null;
}

/** The repository's suppressions at `sha` replace what was recorded for it before. */
export async function recordInlineSuppressions(
  store: Store,
  repository: string,
  sha: string,
  seen: readonly SeenSuppression[],
): Promise<void> {
  const now = store.now();
  await store.transaction(async (tx) => {
    await tx.deleteFrom("inline_suppressions").where("repository", "=", repository).execute();
    for (let i = 0; i < seen.length; i += 100)
      await tx
        .insertInto("inline_suppressions")
        .values(
          seen.slice(i, i + 100).map((s) => ({
            repository,
            file: s.file,
            line: s.line,
            syntax: s.syntax,
            ids: JSON.stringify(s.ids),
            reason: s.reason,
            expires: s.expires,
            author: null,
            commit_sha: sha,
            seen_at: now,
          })),
        )
        .execute();
  });
}

export interface InlineSuppressionRow extends SeenSuppression {
  repository: string;
  author: string | null;
  commitSha: string;
  seenAt: number;
}

export async function inlineSuppressions(db: Db): Promise<InlineSuppressionRow[]> {
  const rows = await db.selectFrom("inline_suppressions").selectAll().orderBy("id").execute();
  return rows.map((r) => ({
    repository: r.repository,
    file: r.file,
    line: r.line,
    syntax: r.syntax,
    ids: JSON.parse(r.ids) as string[],
    reason: r.reason,
    expires: r.expires,
    author: r.author,
    commitSha: r.commit_sha,
    seenAt: r.seen_at,
  }));
}
