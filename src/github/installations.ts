// The GitHub App's side of the platform: Probot's clients per installation (Probot caches their
// tokens and refreshes them before they expire), a Platform for each, and the app-level questions
// (which installation serves an organization, which repositories it may see, a configuration file
// through Probot's config plugin so `_extends` works). src/app/probot-env.ts uses this; it holds no
// client itself.

import type { Probot, ProbotOctokit } from "probot";
import type { GitHub } from "./client.ts";
import { mapped, NotFound, toGitHubError } from "./errors.ts";
import { OctokitPlatform } from "./octokit-platform.ts";
import type { Platform, RepoRef } from "./platform.ts";
import { TeamDirectory } from "./teams.ts";

type InstallationOctokit = InstanceType<typeof ProbotOctokit>;

export interface InstallationRepo extends RepoRef {
  defaultBranch: string;
  archived: boolean;
}

/** A configuration file that exists but is not YAML: the same "never half-applied" outcome as a schema error. */
export class UnreadableConfig extends Error {}

export class AppInstallations {
  readonly #app: Probot;
  readonly #now: () => number;
  readonly #labelCache = new Set<string>();
  readonly #clients = new Map<number, Promise<InstallationOctokit>>();
  readonly #teams: TeamDirectory;

  constructor(app: Probot, now: () => number) {
    this.#app = app;
    this.#now = now;
    this.#teams = new TeamDirectory(now);
  }

  #client(installationId: number | null): Promise<InstallationOctokit> {
    if (installationId === null)
      throw new Error("the GitHub App acts only on findings posted for an installation");
    let client = this.#clients.get(installationId);
    if (!client) {
      client = this.#app.auth(installationId) as Promise<InstallationOctokit>;
      client.catch(() => this.#clients.delete(installationId));
      this.#clients.set(installationId, client);
    }
    return client;
  }

  async platform(installationId: number | null): Promise<Platform> {
    const gh = (await this.#client(installationId)) as unknown as GitHub;
    return new OctokitPlatform(gh, { now: this.#now, labelCache: this.#labelCache });
  }

  /**
   * The raw installation client. TEMPORARY: only src/app/comment-commands.ts still calls it, until it
   * is moved onto the Platform (permissionOf, isTeamMember, comment) at the merge.
   */
  async client(installationId: number | null): Promise<GitHub> {
    return (await this.#client(installationId)) as unknown as GitHub;
  }

  /** A token for git over HTTPS (repo-source.ts passes it in a header, never argv). */
  async token(installationId: number | null): Promise<string> {
    const gh = await this.#client(installationId);
    return ((await gh.auth({ type: "installation" })) as { token: string }).token;
  }

  /** Whether the organization has the team (cached per installation); undefined when it cannot be told. */
  async teamExists(installationId: number | null, org: string, slug: string): Promise<boolean | undefined> {
    if (installationId === null) return undefined;
    return this.#teams.has(installationId, await this.client(installationId), org, slug);
  }

  /** The installation for an organization (or user account), or null when fixloop is not installed there. */
  async installationFor(org: string): Promise<number | null> {
    const appClient = await this.#app.auth();
    const lookup = async (call: () => Promise<{ data: { id: number } }>) => {
      try {
        return (await mapped(call, this.#now)).data.id;
      } catch (error) {
        if (error instanceof NotFound) return null;
        throw error;
      }
    };
    return (
      (await lookup(() => appClient.rest.apps.getOrgInstallation({ org }))) ??
      (await lookup(() => appClient.rest.apps.getUserInstallation({ username: org })))
    );
  }

  /** Every repository the installation may see. */
  async repositories(installationId: number): Promise<InstallationRepo[]> {
    const gh = await this.#client(installationId);
    const repos = await mapped(
      () => gh.paginate(gh.rest.apps.listReposAccessibleToInstallation, { per_page: 100 }),
      this.#now,
    );
    return repos.map((r) => ({
      owner: r.owner.login,
      repo: r.name,
      defaultBranch: r.default_branch,
      archived: r.archived === true,
    }));
  }

  /**
   * A configuration file through Probot's config plugin (`_extends` followed, the organization's
   * `.github` repository consulted); {} when there is none anywhere. A file that is not YAML throws
   * UnreadableConfig with the parser's first line; GitHub's failures throw typed errors.
   */
  async config(installationId: number | null, repository: RepoRef, path: string): Promise<object> {
    const gh = await this.#client(installationId);
    try {
      return (await gh.config.get({ ...repository, path })).config;
    } catch (error) {
      if ((error as { status?: number }).status) throw toGitHubError(error, this.#now());
      const message = (error as Error).message ?? String(error);
      throw new UnreadableConfig(message.split("\n")[0] ?? "unreadable");
    }
  }

  /** Installation created, deleted, or its repositories changed. */
  forget(installationId: number): void {
    this.#clients.delete(installationId);
    this.#teams.forget(installationId);
  }
}
