// The head of each repository's default branch as the last push webhook gave it (issue 19), shared
// by the replicas: a push reaches one replica, and every other one reads the heads changed since it
// last looked before it trusts what its resource → repository map says a repository cannot hold.

import type { Db, Store } from "./store.ts";

export interface RepositoryHead {
  /** owner/name, lowercased. */
  repository: string;
  headSha: string;
  updatedAt: number;
}

/** Records the repository's new head: the latest push wins. */
export async function recordRepositoryHead(
  store: Store,
  head: { owner: string; repo: string; headSha: string },
): Promise<void> {
  const row = {
    repository: `${head.owner}/${head.repo}`.toLowerCase(),
    org: head.owner.toLowerCase(),
    head_sha: head.headSha,
    updated_at: store.now(),
  };
  await store.db
    .insertInto("repository_heads")
    .values(row)
    .onConflict((oc) =>
      oc.column("repository").doUpdateSet({ head_sha: row.head_sha, updated_at: row.updated_at }),
    )
    .execute();
}

/** The heads recorded at or after `since` (ms), oldest first: one range read of the updated_at index. */
export async function repositoryHeadsSince(db: Db, since: number): Promise<RepositoryHead[]> {
  const rows = await db
    .selectFrom("repository_heads")
    .select(["repository", "head_sha", "updated_at"])
    .where("updated_at", ">=", since)
    .orderBy("updated_at")
    .execute();
  return rows.map((r) => ({
    repository: r.repository,
    headSha: r.head_sha,
    updatedAt: Number(r.updated_at),
  }));
}
