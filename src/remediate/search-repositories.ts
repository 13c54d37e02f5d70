// Where a finding's Terraform lives among an installation's repositories: the repositories the
// finding names first (yor tags, the account map, the repository learned from earlier findings of
// its account and resource type), the rest only when those do not settle it.
// Snapshots are fetched lazily and kept for the caller (the PR and the tracking issue use them).

import type { RepoConfig } from "../config/repo-config.ts";
import { parseArn } from "../findings/arn.ts";
import type { Finding } from "../findings/model.ts";
import { fullName, type RepoRef } from "../github/client.ts";
import type { IssueCandidate, NoPrReason } from "../github/issue-body.ts";
import { RepoSourceError, type RepoSourceErrorCode } from "../github/repo-source.ts";
import { locate } from "../locate/locate.ts";
import { RepositoryIndexError } from "../sandbox/index-sandbox.ts";
import type { StoredFinding } from "../store/findings.ts";
import { type LearnedKey, learnedRepository, learnRepository } from "../store/learned-repositories.ts";
import type { IndexedSnapshot, InstallationRepository, RemediationEnv } from "./env.ts";
import {
  type CrossLocation,
  locateAcross,
  namedRepositories,
  type RepositoryIndex,
} from "./locate-across.ts";
import { triagedFromStored } from "./stored-finding.ts";

export interface Searched {
  cross: CrossLocation;
  indexed: Map<string, IndexedSnapshot>;
}

/**
 * The repositories the finding names first (a repository scan's own, yor tags, the account map, the
 * repositories whose code defined its cloud name when last indexed, then the repository a finding of
 * the same account and resource type was last located in); the rest only when those do not settle
 * it, and of those only the ones the environment says could hold the resource. A repository's index
 * is kept only while it holds a candidate: searching hundreds of repositories never holds all their
 * indexes at once. Repositories are read a few at a time (git waits on processes and the network).
 */
export async function locateInRepositories(
  env: RemediationEnv,
  scope: {
    installationId: number | null;
    finding: StoredFinding;
    repos: readonly InstallationRepository[];
    config: RepoConfig;
    resourceTypes: string[] | undefined;
  },
): Promise<Searched> {
  const { installationId, finding, repos, config, resourceTypes } = scope;
  const triaged = triagedFinding(finding);
  // A push another replica received must reach the map before it rules a repository out.
  await env.catchUpPushes?.();
  const state: SearchState = {
    env,
    installationId,
    finding,
    triaged,
    options: resourceTypes ? { resourceTypes } : {},
    indexed: new Map(),
    unreadable: new Map(),
    without: new Set(),
  };
  const search = async (subset: readonly InstallationRepository[], considered = subset, why?: string) => {
    const indexes = await readAll(state, subset);
    const skipped = considered.flatMap((r) => {
      const reason = state.unreadable.get(fullName(r));
      return reason ? [reason] : [];
    });
    const searched = considered.length - skipped.length;
    return withUnreadable(
      locateAcross(triaged, indexes, resourceTypes, { ...(why ? { why } : {}), searched }),
      skipped,
    );
  };
  const named =
    scannedRepository(finding, repos) ??
    namedRepositories(triaged, repos, config.repositories.accounts) ??
    definingRepositories(env, triaged, repos) ??
    (await learnedRepositories(env, finding, repos));
  let cross: CrossLocation | undefined;
  if (named) {
    const subset = named.repositories as InstallationRepository[];
    const first = await search(subset, subset, named.why);
    if (first.kind !== "not-found") cross = first;
  }
  cross ??= await search(env.candidates ? env.candidates(repos, triaged) : repos, repos);
  if (cross.kind === "located") await learn(env, finding, cross.repository);
  return { cross, indexed: state.indexed };
}

/** Repositories read at once: git is mostly waiting on processes, the disk and the network. */
const READ_CONCURRENCY = 4;

/** One search's repositories so far: read with a candidate (kept), unreadable, read without one. */
interface SearchState {
  env: RemediationEnv;
  installationId: number | null;
  finding: StoredFinding;
  triaged: Finding;
  options: { resourceTypes?: string[] };
  indexed: Map<string, IndexedSnapshot>;
  /** Repositories that cannot be read, with the reason. */
  unreadable: Map<string, string>;
  /** Repositories read that hold no candidate: their indexes are not kept. */
  without: Set<string>;
}

/**
 * The indexes of the repositories of `subset` that hold a candidate, in `subset` order, each read at
 * most once per search and at most READ_CONCURRENCY at a time (started in `subset` order). A failure
 * that fails the job stops starting reads, waits for those in flight, then is thrown.
 */
async function readAll(
  state: SearchState,
  subset: readonly InstallationRepository[],
): Promise<RepositoryIndex[]> {
  const read: Array<IndexedSnapshot | undefined> = [];
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < subset.length) {
      const i = next++;
      try {
        read[i] = await readOnce(state, subset[i] as InstallationRepository);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, subset.length) }, worker));
  if (failure) throw failure.error;
  return subset.flatMap((r, i) => {
    const s = read[i];
    return s ? [{ repository: { owner: r.owner, repo: r.repo }, index: s.index }] : [];
  });
}

/** The repository's snapshot when it holds a candidate (kept for the caller), else undefined. */
async function readOnce(state: SearchState, r: InstallationRepository): Promise<IndexedSnapshot | undefined> {
  const { indexed, unreadable, without } = state;
  const name = fullName(r);
  const known = indexed.get(name);
  if (known || unreadable.has(name) || without.has(name)) return known;
  const s = await readRepository(state, r);
  if (!s) return undefined;
  // Only a repository with a candidate stays in memory for the caller.
  if (locate(state.triaged, s.index, state.options).kind !== "not-found") {
    indexed.set(name, s);
    return s;
  }
  without.add(name);
  return undefined;
}

/** The repositories whose code defined the finding's cloud name or yor_trace when last indexed. */
function definingRepositories(
  env: RemediationEnv,
  finding: Finding,
  repos: readonly InstallationRepository[],
): { repositories: InstallationRepository[]; why: string } | null {
  const hit = env.defining?.(repos, finding) ?? [];
  if (hit.length === 0) return null;
  return {
    repositories: hit,
    why: `${hit.map(fullName).join(", ")} defined this resource's name when fixloop last read ${hit.length === 1 ? "it" : "them"}`,
  };
}

/** What a learned repository is keyed on: the finding's account and resource type, when it has both. */
function learnedKey(finding: StoredFinding): LearnedKey | null {
  const r = finding.resource;
  const arn = r.arn ? parseArn(r.arn) : undefined;
  const resourceType = r.type ?? (arn ? `arn:${arn.service}:${arn.resourceType}` : undefined);
  if (!finding.org || !r.account || !resourceType) return null;
  return { org: finding.org, account: r.account, resourceType };
}

/** The repository a finding of the same account and resource type was last located in. */
async function learnedRepositories(
  env: RemediationEnv,
  finding: StoredFinding,
  repos: readonly InstallationRepository[],
): Promise<{ repositories: InstallationRepository[]; why: string } | null> {
  const key = learnedKey(finding);
  const learned = key ? await learnedRepository(env.store.db, key) : null;
  const hit = learned ? repos.filter((r) => fullName(r).toLowerCase() === learned.toLowerCase()) : [];
  if (!key || hit.length === 0) return null;
  return {
    repositories: hit,
    why: `the last ${key.resourceType} of account ${key.account} was located in ${learned}`,
  };
}

async function learn(env: RemediationEnv, finding: StoredFinding, repository: RepoRef): Promise<void> {
  const key = learnedKey(finding);
  if (key) await learnRepository(env.store, key, fullName(repository));
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

/** Repository read failures that a retry would meet again. */
const PERMANENT = new Set<RepoSourceErrorCode>(["INVALID_INPUT", "BRANCH_NOT_FOUND", "READ_FAILED"]);

/**
 * One repository's snapshot, or undefined when it cannot be read or indexed (a git failure, a file
 * that exhausts the worker's time or memory): logged, remembered with the reason, and the other
 * repositories are searched as usual. Anything that may pass (a rate limit, a network or token
 * failure of git) still fails the job, which is retried.
 */
async function readRepository(
  search: {
    env: RemediationEnv;
    installationId: number | null;
    finding: StoredFinding;
    /** Repositories that cannot be read, with the reason (filled here). */
    unreadable: Map<string, string>;
  },
  r: InstallationRepository,
): Promise<IndexedSnapshot | undefined> {
  const { env, installationId, finding, unreadable } = search;
  try {
    return await env.snapshot(installationId, r);
  } catch (e) {
    const permanent =
      e instanceof RepositoryIndexError || (e instanceof RepoSourceError && PERMANENT.has(e.code));
    if (!permanent) throw e;
    env.log.warn(
      { repository: fullName(r), finding: finding.id, code: e.code, reason: e.message },
      "remediation: repository skipped, it cannot be read",
    );
    unreadable.set(fullName(r), e.message);
    return undefined;
  }
}

/** A search that skipped repositories says so: which, and why (the tracking issue shows it). */
function withUnreadable(cross: CrossLocation, reasons: string[]): CrossLocation {
  if (reasons.length === 0 || cross.kind === "located") return cross;
  return { ...cross, reason: `${cross.reason}; not searched: ${reasons.join("; ")}` };
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
