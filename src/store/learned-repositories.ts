// Where fixloop last located a finding of an account and resource type (issue 19): the next finding
// of the same account and type tries that repository first, before indexing the organization.

import type { Db, Store } from "./store.ts";

export interface LearnedKey {
  org: string;
  account: string;
  resourceType: string;
}

/** The repository (owner/name) learned for the key, or null. */
export async function learnedRepository(db: Db, key: LearnedKey): Promise<string | null> {
  const row = await db
    .selectFrom("learned_repositories")
    .select("repository")
    .where("org", "=", key.org.toLowerCase())
    .where("account", "=", key.account)
    .where("resource_type", "=", key.resourceType)
    .executeTakeFirst();
  return row?.repository ?? null;
}

/** Records (or moves) the key's repository: the latest location wins. */
export async function learnRepository(store: Store, key: LearnedKey, repository: string): Promise<void> {
  const row = {
    org: key.org.toLowerCase(),
    account: key.account,
    resource_type: key.resourceType,
    repository,
    located_at: store.now(),
  };
  await store.db
    .insertInto("learned_repositories")
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(["org", "account", "resource_type"])
        .doUpdateSet({ repository: row.repository, located_at: row.located_at }),
    )
    .execute();
}
