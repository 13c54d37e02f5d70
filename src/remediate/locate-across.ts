// Locating a finding across an installation's repositories: the repositories the finding itself
// names come first (yor's git_org/git_repo tags, then the configured account → repository map),
// and when those settle it the others are not searched. Two repositories that both define the
// resource equally well are ambiguous — never resolved by guessing. Pure.

import type { Finding } from "../findings/model.ts";
import type { RepoRef } from "../github/client.ts";
import type { TerraformIndex } from "../hcl/index.ts";
import { locate } from "../locate/locate.ts";
import type { Candidate, Location } from "../locate/types.ts";

export interface RepositoryIndex {
  repository: RepoRef;
  index: TerraformIndex;
}

export type CrossLocation =
  | { kind: "located"; repository: RepoRef; location: Extract<Location, { kind: "located" }>; why: string }
  | { kind: "ambiguous"; candidates: Array<{ repository: RepoRef; candidate: Candidate }>; reason: string }
  | { kind: "not-found"; reason: string; searched: number };

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The repositories to search first for this finding, and why: yor tags, then the account map. */
export function namedRepositories(
  finding: Finding,
  all: readonly RepoRef[],
  accountRepositories: Readonly<Record<string, readonly string[]>>,
): { repositories: RepoRef[]; why: string } | null {
  const tags = finding.resource.tags ?? {};
  const tag = (key: string) => Object.entries(tags).find(([k]) => same(k, key))?.[1];
  const gitRepo = tag("git_repo");
  if (gitRepo) {
    const gitOrg = tag("git_org");
    const hits = all.filter((r) => same(r.repo, gitRepo) && (!gitOrg || same(r.owner, gitOrg)));
    if (hits.length > 0) return { repositories: hits, why: `the resource's git_repo tag is "${gitRepo}"` };
  }
  const account = finding.resource.account;
  const mapped = account ? accountRepositories[account] : undefined;
  if (account && mapped && mapped.length > 0) {
    const hits = all.filter((r) => mapped.some((name) => same(name, r.repo)));
    if (hits.length > 0)
      return {
        repositories: hits,
        why: `account ${account} maps to ${mapped.join(", ")} (repositories.accounts)`,
      };
  }
  return null;
}

/** Locates in each repository; exactly one repository with a located candidate wins. */
export function locateAcross(
  finding: Finding,
  indexes: readonly RepositoryIndex[],
  resourceTypes: string[] | undefined,
  scope: {
    why?: string;
    /** How many repositories were considered (more than `indexes` when the others cannot match). */
    searched?: number;
  } = {},
): CrossLocation {
  const { why = "searched every repository fixloop may consider", searched = indexes.length } = scope;
  const located: Array<{ repository: RepoRef; location: Extract<Location, { kind: "located" }> }> = [];
  const ambiguous: Array<{ repository: RepoRef; candidate: Candidate }> = [];
  for (const { repository, index } of indexes) {
    const location = locate(finding, index, resourceTypes ? { resourceTypes } : {});
    if (location.kind === "located") located.push({ repository, location });
    else if (location.kind === "ambiguous")
      for (const candidate of location.candidates) ambiguous.push({ repository, candidate });
  }
  if (located.length === 1 && ambiguous.length === 0) {
    const only = located[0] as (typeof located)[number];
    return { kind: "located", ...only, why };
  }
  if (located.length + ambiguous.length === 0)
    return {
      kind: "not-found",
      searched,
      reason: `no Terraform block in ${searched} repositor${searched === 1 ? "y" : "ies"} defines this resource (${why})`,
    };
  const candidates = [
    ...located.map((l) => ({ repository: l.repository, candidate: l.location.candidate })),
    ...ambiguous,
  ];
  const repos = new Set(candidates.map((c) => `${c.repository.owner}/${c.repository.repo}`));
  return {
    kind: "ambiguous",
    candidates,
    reason: `${candidates.length} blocks in ${repos.size} repositor${repos.size === 1 ? "y" : "ies"} could define this resource; fixloop does not guess`,
  };
}
