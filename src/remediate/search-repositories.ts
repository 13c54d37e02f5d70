// Where a finding's Terraform lives among an installation's repositories: the repositories the
// finding names first (yor tags, the account map), the rest only when those do not settle it.
// Snapshots are fetched lazily and kept for the caller (the PR and the tracking issue use them).

import type { RepoConfig } from "../config/repo-config.ts";
import { fullName } from "../github/client.ts";
import type { IssueCandidate, NoPrReason } from "../github/issue-body.ts";
import type { StoredFinding } from "../store/findings.ts";
import type { IndexedSnapshot, InstallationRepository, RemediationEnv } from "./env.ts";
import { type CrossLocation, locateAcross, namedRepositories } from "./locate-across.ts";
import { triagedFromStored } from "./stored-finding.ts";

export interface Searched {
  cross: CrossLocation;
  indexed: Map<string, IndexedSnapshot>;
}

/** The repositories the finding names first; the rest only when those do not settle it. */
export async function locateInRepositories(
  env: RemediationEnv,
  installationId: number | null,
  finding: StoredFinding,
  repos: readonly InstallationRepository[],
  config: RepoConfig,
  resourceTypes: string[] | undefined,
): Promise<Searched> {
  const indexed = new Map<string, IndexedSnapshot>();
  const search = async (subset: readonly InstallationRepository[], why?: string) => {
    const indexes = [];
    for (const r of subset) {
      let s = indexed.get(fullName(r));
      if (!s) {
        s = await env.snapshot(installationId, r);
        indexed.set(fullName(r), s);
      }
      indexes.push({ repository: { owner: r.owner, repo: r.repo }, index: s.index });
    }
    return locateAcross(triagedFinding(finding), indexes, resourceTypes, why);
  };
  const named =
    scannedRepository(finding, repos) ??
    namedRepositories(triagedFinding(finding), repos, config.repositories.accounts);
  if (named) {
    const first = await search(named.repositories as InstallationRepository[], named.why);
    if (first.kind !== "not-found") return { cross: first, indexed };
  }
  return { cross: await search(repos), indexed };
}

const triagedFinding = (f: StoredFinding) => triagedFromStored(f, []).finding;

/** A repository scan's finding is about the repository scanned: look there first. */
function scannedRepository(
  finding: StoredFinding,
  repos: readonly InstallationRepository[],
): { repositories: InstallationRepository[]; why: string } | null {
  const scanned = finding.repository;
  const hit = scanned ? repos.filter((r) => fullName(r).toLowerCase() === scanned) : [];
  return hit.length > 0 ? { repositories: hit, why: `the finding comes from a scan of ${scanned}` } : null;
}

export function toReason(cross: CrossLocation): NoPrReason {
  if (cross.kind === "ambiguous") return { kind: "ambiguous", detail: cross.reason };
  return { kind: "not-locatable", detail: cross.kind === "not-found" ? cross.reason : "" };
}

export function candidatesOf(where: Searched): IssueCandidate[] {
  const c = where.cross;
  const list =
    c.kind === "ambiguous"
      ? c.candidates
      : c.kind === "located"
        ? [{ repository: c.repository, candidate: c.location.candidate }]
        : [];
  return list.map(({ repository, candidate }) => {
    const block = candidate.resource ?? candidate.moduleCall;
    const snap = where.indexed.get(fullName(repository));
    return {
      repository,
      sha: snap?.snapshot.sha ?? "HEAD",
      path: block?.file ?? "",
      ...(block?.line ? { line: block.line } : {}),
      ...(block?.address ? { address: block.address } : {}),
      evidence: candidate.evidence,
      confidence: candidate.confidence,
    };
  });
}
