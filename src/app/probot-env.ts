// The remediation environment of the GitHub App: installation clients from Probot, configuration
// through Probot's config plugin (so `_extends` and the organization's `.github` repository work),
// repository snapshots through git, and the caches that make a warm repository cost no request.
// Webhooks invalidate the caches (src/app/webhooks.ts); nothing here reads process.env.

import type { Probot, ProbotOctokit } from "probot";
import { parseRepoConfig, type RepoConfigParse } from "../config/repo-config.ts";
import { fullName, type GitHub, type RepoRef } from "../github/client.ts";
import type { GitHubHost } from "../github/hosts.ts";
import type { RepoSourceCache } from "../github/repo-source.ts";
import { TeamDirectory } from "../github/teams.ts";
import { buildIndex, type SourceFile, type TerraformIndex } from "../hcl/index.ts";
import type { TriagedFinding } from "../ingest/triage-finding.ts";
import type { IndexedSnapshot, InstallationRepository, Logger, RemediationEnv } from "../remediate/env.ts";
import { type GroupFixPlan, planGroupFix } from "../remediate/plan-fix.ts";
import type { RuleOptions } from "../rules/registry.ts";
import type { Store } from "../store/store.ts";

export const CONFIG_PATH = ".github/fixloop.yml";
/** How long a repository head confirmed by git stays trusted without asking again (push webhooks
 *  update it sooner): a burst of findings for one repository costs one `git ls-remote`, not one each. */
const HEAD_TRUST_MS = 60_000;
/** Indexes kept per process (each is a parsed Terraform tree); least recently used goes first. */
const MAX_INDEXES = 64;

type InstallationOctokit = InstanceType<typeof ProbotOctokit>;

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
    ruleOptions?: RuleOptions,
  ) => Promise<GroupFixPlan>;
}

export class AppEnv implements RemediationEnv {
  readonly store: Store;
  readonly host: GitHubHost;
  readonly log: Logger;
  readonly labelCache = new Set<string>();
  readonly #app: Probot;
  readonly #repoSource: RepoSourceCache;
  readonly #publicUrl: string | null;
  readonly #indexer: (repository: string, files: SourceFile[], key: string) => Promise<TerraformIndex>;
  readonly #planner: AppEnvOptions["planner"];
  readonly #clients = new Map<number, Promise<InstallationOctokit>>();
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
  readonly #teams: TeamDirectory;

  constructor(options: AppEnvOptions) {
    this.store = options.store;
    this.host = options.host;
    this.log = options.log;
    this.#app = options.app;
    this.#repoSource = options.repoSource;
    this.#indexer = options.indexer ?? (async (_repository, files) => buildIndex(files));
    this.#planner = options.planner;
    this.#publicUrl = options.publicUrl;
    this.#teams = new TeamDirectory(() => this.store.now());
  }

  async teamExists(installationId: number | null, org: string, slug: string): Promise<boolean | undefined> {
    if (installationId === null) return undefined;
    return this.#teams.has(installationId, await this.github(installationId), org, slug);
  }

  async github(installationId: number | null): Promise<GitHub> {
    return (await this.#client(installationId)) as unknown as GitHub;
  }

  #client(installationId: number | null): Promise<InstallationOctokit> {
    if (installationId === null)
      throw new Error("the GitHub App acts only on findings posted for an installation");
    let client = this.#clients.get(installationId);
    if (!client) {
      // Probot caches installation tokens and refreshes them before they expire.
      client = this.#app.auth(installationId) as Promise<InstallationOctokit>;
      client.catch(() => this.#clients.delete(installationId));
      this.#clients.set(installationId, client);
    }
    return client;
  }

  /** The installation for an organization (or user account), or null when fixloop is not installed there. */
  async installationFor(org: string): Promise<number | null> {
    const key = org.toLowerCase();
    if (this.#installations.has(key)) return this.#installations.get(key) as number | null;
    const appClient = await this.#app.auth();
    let id: number | null = null;
    try {
      id = (await appClient.rest.apps.getOrgInstallation({ org })).data.id;
    } catch (error) {
      if ((error as { status?: number }).status !== 404) throw error;
      try {
        id = (await appClient.rest.apps.getUserInstallation({ username: org })).data.id;
      } catch (inner) {
        if ((inner as { status?: number }).status !== 404) throw inner;
      }
    }
    // Only a positive answer is cached: an org that installs the app later is found at once.
    if (id !== null) this.#installations.set(key, id);
    return id;
  }

  repositories(installationId: number | null, _org: string): Promise<InstallationRepository[]> {
    if (installationId === null) return Promise.resolve([]);
    let list = this.#repositories.get(installationId);
    if (!list) {
      list = (async () => {
        const gh = await this.#client(installationId);
        const repos = await gh.paginate(gh.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
        return repos.map((r) => ({
          owner: r.owner.login,
          repo: r.name,
          defaultBranch: r.default_branch,
          archived: r.archived === true,
        }));
      })();
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
        const gh = await this.#client(installationId);
        try {
          const { config: raw } = await gh.config.get({ ...repository, path: CONFIG_PATH });
          // The plugin returns {} when no file exists anywhere: the defaults.
          return parseRepoConfig(Object.keys(raw).length === 0 ? null : raw);
        } catch (error) {
          const message = (error as Error).message ?? String(error);
          if ((error as { status?: number }).status) throw error;
          // YAML that does not parse: the same "never half-applied" outcome as a schema error.
          return {
            ok: false,
            errors: [{ path: CONFIG_PATH, message: message.split("\n")[0] ?? "unreadable" }],
          } as RepoConfigParse;
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
    const gh = await this.#client(installationId);
    const { token } = (await gh.auth({ type: "installation" })) as { token: string };
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
    this.#indexes.delete(key);
    this.#indexes.set(key, { sha: snapshot.sha, index, snapshot });
    while (this.#indexes.size > MAX_INDEXES)
      this.#indexes.delete(this.#indexes.keys().next().value as string);
    return { snapshot, index };
  }

  plan(
    repository: RepoRef,
    indexed: IndexedSnapshot,
    group: TriagedFinding[],
    ruleOptions?: RuleOptions,
  ): Promise<GroupFixPlan> {
    const { files, sha } = indexed.snapshot;
    return this.#planner
      ? this.#planner(fullName(repository), `${fullName(repository)}@${sha}`, files, group, ruleOptions)
      : planGroupFix(files, indexed.index, group, ruleOptions);
  }

  evidenceUrl(findingId: string): string | null {
    return this.#publicUrl
      ? `${this.#publicUrl}/api/findings/${encodeURIComponent(findingId)}/evidence`
      : null;
  }

  // --- cache invalidation, driven by webhooks ---

  /** A push to a default branch: its head is known, and its configuration may have changed. */
  pushed(repository: RepoRef, headSha: string, touchedConfig: boolean): void {
    this.#knownHeads.set(fullName(repository).toLowerCase(), headSha);
    this.#confirmedHeads.delete(fullName(repository).toLowerCase());
    if (touchedConfig || repository.repo === ".github") {
      if (repository.repo === ".github") {
        // The org-wide configuration changed: every repository of the org extends it.
        const prefix = `${repository.owner.toLowerCase()}/`;
        for (const key of this.#configs.keys()) if (key.startsWith(prefix)) this.#configs.delete(key);
      } else this.#configs.delete(fullName(repository).toLowerCase());
    }
  }

  /** Installation created, deleted, or its repositories changed. */
  installationChanged(
    installationId: number,
    account: string | null,
    removed: readonly RepoRef[] = [],
  ): void {
    this.#repositories.delete(installationId);
    this.#clients.delete(installationId);
    this.#teams.forget(installationId);
    if (account) this.#installations.delete(account.toLowerCase());
    for (const r of removed) {
      this.#repoSource.forget(r);
      this.#indexes.delete(fullName(r).toLowerCase());
    }
  }
}
