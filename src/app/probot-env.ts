// The remediation environment of the GitHub App: installation clients from Probot, configuration
// through Probot's config plugin (so `_extends` and the organization's `.github` repository work),
// repository snapshots through git, and the caches that make a warm repository cost no request.
// Webhooks invalidate the caches (src/app/webhooks.ts); nothing here reads process.env.

import type { Probot } from "probot";
import { parseRepoConfig, type RepoConfigParse } from "../config/repo-config.ts";
import type { Finding } from "../findings/model.ts";
import type { GitHubHost } from "../github/hosts.ts";
import { AppInstallations, UnreadableConfig } from "../github/installations.ts";
import { fullName, type Platform, type RepoRef } from "../github/platform.ts";
import type { RepoSourceCache } from "../github/repo-source.ts";
import { buildIndex, type SourceFile, type TerraformIndex } from "../hcl/index.ts";
import type { TriagedFinding } from "../ingest/triage-finding.ts";
import { findingKeys, identifyingKeys, indexKeys, ResourceRepositoryMap } from "../locate/resource-keys.ts";
import type {
  IndexedSnapshot,
  InstallationRepository,
  Logger,
  PlanOptions,
  RemediationEnv,
} from "../remediate/env.ts";
import { type GroupFixPlan, planGroupFix } from "../remediate/plan-fix.ts";
import { planJoin } from "../remediate/plan-join.ts";
import { recordInlineSuppressions } from "../store/inline-suppressions.ts";
import { recordRepositoryHead, repositoryHeadsSince } from "../store/repository-heads.ts";
import type { Store } from "../store/store.ts";
import { collectSuppressions } from "../suppress/index.ts";

export const CONFIG_PATH = ".github/fixloop.yml";
/** How long a repository head confirmed by git stays trusted without asking again (push webhooks
 *  update it sooner): a burst of findings for one repository costs one `git ls-remote`, not one each. */
const HEAD_TRUST_MS = 60_000;
/** How far before the newest head it has seen a replica reads the shared heads again: a push whose
 *  transaction committed after a later one's (each replica stamps its own) is still seen. */
const HEAD_OVERLAP_MS = 5_000;
/** Indexes kept per process (each is a parsed Terraform tree); least recently used goes first. */
const MAX_INDEXES = 64;

export interface AppEnvOptions {
  app: Probot;
  store: Store;
  host: GitHubHost;
  log: Logger;
  repoSource: RepoSourceCache;
  /** Public base URL of this app, for evidence links (FIXLOOP_PUBLIC_URL); null: no link. */
  publicUrl: string | null;
  /** Parses and indexes a repository's files (the app: in a worker thread, src/sandbox); default in-thread. */
  indexer?: (repository: string, files: SourceFile[], key: string) => Promise<TerraformIndex>;
  /** Plans fixes in a snapshot (the app: in the same worker, on the index it keeps); default in-thread. */
  planner?: (
    repository: string,
    key: string,
    files: SourceFile[],
    group: TriagedFinding[],
    options: PlanOptions,
  ) => Promise<GroupFixPlan>;
}

export class AppEnv implements RemediationEnv {
  readonly store: Store;
  readonly host: GitHubHost;
  readonly log: Logger;
  readonly #github: AppInstallations;
  readonly #repoSource: RepoSourceCache;
  readonly #publicUrl: string | null;
  readonly #indexer: (repository: string, files: SourceFile[], key: string) => Promise<TerraformIndex>;
  readonly #planner: AppEnvOptions["planner"];
  readonly #repositories = new Map<number, Promise<InstallationRepository[]>>();
  readonly #configs = new Map<string, Promise<RepoConfigParse>>();
  readonly #indexes = new Map<
    string,
    { sha: string; index: TerraformIndex; snapshot: IndexedSnapshot["snapshot"] }
  >();
  readonly #installations = new Map<string, number | null>();
  /** Head shas learned from push webhooks: a snapshot at that sha needs no network at all. */
  readonly #knownHeads = new Map<string, string>();
  /** Heads confirmed by a fetch or ls-remote, with when. */
  readonly #confirmedHeads = new Map<string, { sha: string; at: number }>();
  /** What every repository indexed so far could be matched on, at its commit (kept when its index is not). */
  readonly #resourceMap = new ResourceRepositoryMap();
  /** The newest updated_at of the shared repository heads seen (pushes other replicas received). */
  #headsSeen: number;

  constructor(options: AppEnvOptions) {
    this.store = options.store;
    this.host = options.host;
    this.log = options.log;
    this.#github = new AppInstallations(options.app, () => this.store.now());
    this.#repoSource = options.repoSource;
    this.#indexer = options.indexer ?? (async (_repository, files) => buildIndex(files));
    this.#planner = options.planner;
    this.#publicUrl = options.publicUrl;
    // Heads pushed before this process started do not matter: it has neither map nor index yet.
    this.#headsSeen = this.store.now();
  }

  teamExists(installationId: number | null, org: string, slug: string): Promise<boolean | undefined> {
    return this.#github.teamExists(installationId, org, slug);
  }

  platform(installationId: number | null): Promise<Platform> {
    return this.#github.platform(installationId);
  }

  /** The installation for an organization (or user account), or null when fixloop is not installed there. */
  async installationFor(org: string): Promise<number | null> {
    const key = org.toLowerCase();
    if (this.#installations.has(key)) return this.#installations.get(key) as number | null;
    const id = await this.#github.installationFor(org);
    // Only a positive answer is cached: an org that installs the app later is found at once.
    if (id !== null) this.#installations.set(key, id);
    return id;
  }

  repositories(installationId: number | null, _org: string): Promise<InstallationRepository[]> {
    if (installationId === null) return Promise.resolve([]);
    let list = this.#repositories.get(installationId);
    if (!list) {
      list = this.#github.repositories(installationId);
      list.catch(() => this.#repositories.delete(installationId));
      this.#repositories.set(installationId, list);
    }
    return list;
  }

  repoConfig(installationId: number | null, repository: RepoRef): Promise<RepoConfigParse> {
    const key = fullName(repository).toLowerCase();
    let config = this.#configs.get(key);
    if (!config) {
      config = (async () => {
        try {
          const raw = await this.#github.config(installationId, repository, CONFIG_PATH);
          // The plugin returns {} when no file exists anywhere: the defaults.
          return parseRepoConfig(Object.keys(raw).length === 0 ? null : raw);
        } catch (error) {
          if (!(error instanceof UnreadableConfig)) throw error;
          // YAML that does not parse: the same "never half-applied" outcome as a schema error.
          return { ok: false, errors: [{ path: CONFIG_PATH, message: error.message }] } as RepoConfigParse;
        }
      })();
      config.catch(() => this.#configs.delete(key));
      this.#configs.set(key, config);
    }
    return config;
  }

  async snapshot(
    installationId: number | null,
    repository: InstallationRepository,
  ): Promise<IndexedSnapshot> {
    const key = fullName(repository).toLowerCase();
    const confirmed = this.#confirmedHeads.get(key);
    const trusted =
      this.#knownHeads.get(key) ??
      (confirmed && this.store.now() - confirmed.at < HEAD_TRUST_MS ? confirmed.sha : undefined);
    const cached = this.#indexes.get(key);
    if (cached && trusted === cached.sha) {
      // The head is known and already indexed: no git process, no file read.
      this.#indexes.delete(key);
      this.#indexes.set(key, cached);
      return { snapshot: { ...cached.snapshot, fetched: false }, index: cached.index };
    }
    const token = await this.#github.token(installationId);
    const snapshot = await this.#repoSource.snapshot(
      { owner: repository.owner, repo: repository.repo },
      repository.defaultBranch,
      { token },
      trusted,
    );
    if (!this.#knownHeads.has(key))
      this.#confirmedHeads.set(key, { sha: snapshot.sha, at: this.store.now() });
    const index =
      cached?.sha === snapshot.sha
        ? cached.index
        : await this.#indexer(
            fullName(repository),
            snapshot.files,
            `${fullName(repository)}@${snapshot.sha}`,
          );
    if (cached?.sha !== snapshot.sha) {
      await this.#recordSuppressions(repository, snapshot);
      if (this.#resourceMap.sha(key) !== snapshot.sha)
        this.#resourceMap.set(key, snapshot.sha, indexKeys(index));
    }
    this.#indexes.delete(key);
    this.#indexes.set(key, { sha: snapshot.sha, index, snapshot });
    while (this.#indexes.size > MAX_INDEXES)
      this.#indexes.delete(this.#indexes.keys().next().value as string);
    return { snapshot, index };
  }

  /**
   * The repositories that could define the finding's resource: those whose keys at their indexed
   * commit include one of the finding's, and those never indexed or pushed to since (a push webhook
   * gives the new head). Locating then reads a few repositories, not the organization.
   */
  candidates(repos: readonly InstallationRepository[], finding: Finding): InstallationRepository[] {
    const holding = this.#resourceMap.holding(findingKeys(finding));
    return repos.filter((r) => {
      const key = fullName(r).toLowerCase();
      const sha = this.#resourceMap.sha(key);
      const pushed = this.#knownHeads.get(key);
      return sha === undefined || (pushed !== undefined && pushed !== sha) || holding.has(key);
    });
  }

  /**
   * Pushes received by other replicas since this one last looked (the shared repository heads, one
   * indexed range read): each repository is marked changed exactly as a local push webhook marks it,
   * so the map no longer says it cannot hold a resource the push added.
   */
  async catchUpPushes(): Promise<void> {
    const heads = await repositoryHeadsSince(this.store.db, this.#headsSeen - HEAD_OVERLAP_MS);
    for (const head of heads) {
      this.#headsSeen = Math.max(this.#headsSeen, head.updatedAt);
      if (this.#knownHeads.get(head.repository) !== head.headSha)
        this.#headChanged(head.repository, head.headSha);
    }
  }

  /** The repositories whose code defined the finding's cloud name or yor_trace when last indexed. */
  defining(repos: readonly InstallationRepository[], finding: Finding): InstallationRepository[] {
    const holding = this.#resourceMap.holding(identifyingKeys(finding));
    return holding.size === 0 ? [] : repos.filter((r) => holding.has(fullName(r).toLowerCase()));
  }

  /** The suppressions written in the code the app is about to plan fixes in, for the register. */
  async #recordSuppressions(repository: RepoRef, snapshot: IndexedSnapshot["snapshot"]): Promise<void> {
    try {
      const { suppressions } = collectSuppressions(snapshot.files);
      const seen = suppressions.map((s) => ({
        file: s.file,
        line: s.line,
        syntax: s.syntax,
        ids: s.ids,
        reason: s.reason ?? null,
        expires: s.expires ?? null,
      }));
      await recordInlineSuppressions(this.store, fullName(repository), snapshot.sha, seen);
    } catch (error) {
      // The register is a view: failing to refresh it never stops a fix.
      this.log.warn(
        { repository: fullName(repository), err: { message: (error as Error).message } },
        "could not record inline suppressions",
      );
    }
  }

  plan(
    repository: RepoRef,
    indexed: IndexedSnapshot,
    group: TriagedFinding[],
    options: PlanOptions = {},
  ): Promise<GroupFixPlan> {
    const { files, sha } = indexed.snapshot;
    if (this.#planner)
      return this.#planner(fullName(repository), `${fullName(repository)}@${sha}`, files, group, options);
    return options.on
      ? planJoin(files, indexed.index, group, { basis: options.on, ruleOptions: options.ruleOptions })
      : planGroupFix(files, indexed.index, group, options.ruleOptions);
  }

  /** Indexes untrusted files the way snapshots are (the app: in the sandbox, with its budgets). */
  indexFiles(repository: string, files: SourceFile[], key: string): Promise<TerraformIndex> {
    return this.#indexer(repository, files, key);
  }

  /** The finding's page for people (src/web, after GitHub sign-in): every link fixloop posts on GitHub. */
  evidenceUrl(findingId: string): string | null {
    return this.#publicUrl ? `${this.#publicUrl}/findings/${encodeURIComponent(findingId)}` : null;
  }

  // --- cache invalidation, driven by webhooks ---

  /**
   * A push to a default branch: its head is known, and its configuration may have changed. The head
   * is shared through the store, for the replicas this webhook did not reach (catchUpPushes).
   */
  async pushed(repository: RepoRef, headSha: string, touchedConfig: boolean): Promise<void> {
    this.#headChanged(fullName(repository).toLowerCase(), headSha);
    if (touchedConfig || repository.repo === ".github") {
      if (repository.repo === ".github") {
        // The org-wide configuration changed: every repository of the org extends it.
        const prefix = `${repository.owner.toLowerCase()}/`;
        for (const key of this.#configs.keys()) if (key.startsWith(prefix)) this.#configs.delete(key);
      } else this.#configs.delete(fullName(repository).toLowerCase());
    }
    await recordRepositoryHead(this.store, { ...repository, headSha });
  }

  /** The repository's default branch is at `headSha`: snapshots read it, the map treats it as changed. */
  #headChanged(key: string, headSha: string): void {
    this.#knownHeads.set(key, headSha);
    this.#confirmedHeads.delete(key);
  }

  /** Installation created, deleted, or its repositories changed. */
  installationChanged(
    installationId: number,
    account: string | null,
    removed: readonly RepoRef[] = [],
  ): void {
    this.#repositories.delete(installationId);
    this.#github.forget(installationId);
    if (account) this.#installations.delete(account.toLowerCase());
    for (const r of removed) {
      this.#repoSource.forget(r);
      this.#indexes.delete(fullName(r).toLowerCase());
      this.#resourceMap.delete(fullName(r).toLowerCase());
    }
  }
}
