// What a remediation needs from the outside world, as one interface: the GitHub App provides it
// from Probot (installation platforms, context.config) and the CLI from a token. The remediation
// code itself never reads the environment or constructs a client: GitHub is the Platform port.

import type { RepoConfigParse as ConfigResult } from "../config/repo-config.ts";
import type { Finding } from "../findings/model.ts";
import type { GitHubHost } from "../github/hosts.ts";
import type { Platform, RepoRef } from "../github/platform.ts";
import type { RepoSnapshot } from "../github/repo-source.ts";
import type { TerraformIndex } from "../hcl/index.ts";
import type { TriagedFinding } from "../ingest/triage-finding.ts";
import type { RuleOptions } from "../rules/registry.ts";
import type { Store } from "../store/store.ts";
import { type GroupFixPlan, planGroupFix } from "./plan-fix.ts";
import { type JoinBasis, planJoin } from "./plan-join.ts";

export interface InstallationRepository extends RepoRef {
  defaultBranch: string;
  archived: boolean;
}

export interface IndexedSnapshot {
  snapshot: RepoSnapshot;
  index: TerraformIndex;
}

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RemediationEnv {
  store: Store;
  host: GitHubHost;
  log: Logger;
  /** The code host acting for the installation (the app) or the token's user (the CLI). */
  platform(installationId: number | null): Promise<Platform>;
  /** The repositories fixloop may see for this installation (cached; refreshed on installation events). */
  repositories(installationId: number | null, org: string): Promise<InstallationRepository[]>;
  /** `.github/fixloop.yml` of a repository as Probot's context.config reads it (`_extends` followed), validated. */
  repoConfig(installationId: number | null, repository: RepoRef): Promise<ConfigResult>;
  /**
   * Of `repos`, those that could define the finding's resource, judged from their earlier indexes
   * (src/locate/resource-keys.ts); a repository never indexed, or changed since, is always one.
   * Absent: every repository is searched.
   */
  /**
   * Takes in the pushes other processes received since this one last looked (the app: the shared
   * repository heads), before candidates() and defining() are trusted. Absent: nothing to take in.
   */
  catchUpPushes?(): Promise<void>;
  candidates?(repos: readonly InstallationRepository[], finding: Finding): InstallationRepository[];
  /**
   * Of `repos`, those whose code defined one of the finding's cloud names or its yor_trace when
   * last indexed (src/locate/resource-keys.ts): searched before the learned repository, and read
   * again to be sure. Absent or empty: the map does not know the resource.
   */
  defining?(repos: readonly InstallationRepository[], finding: Finding): InstallationRepository[];
  /** The repository's Terraform at its default branch head, indexed (cached by commit sha). */
  snapshot(installationId: number | null, repository: InstallationRepository): Promise<IndexedSnapshot>;
  /**
   * Whether the organization has the team `slug` (cached per installation); undefined when it
   * cannot be told. Absent: bare owner values route only through owners.teams (the CLI).
   */
  teamExists?(installationId: number | null, org: string, slug: string): Promise<boolean | undefined>;
  /**
   * The fix plan for findings of one repository (the app: in its sandbox worker, off the event
   * loop); absent: computed in this thread (plan-fix.ts).
   */
  plan?(
    repository: RepoRef,
    indexed: IndexedSnapshot,
    group: TriagedFinding[],
    options?: PlanOptions,
  ): Promise<GroupFixPlan>;
  /** The public evidence link of a finding (the app's /api/findings/:id/evidence), when served. */
  evidenceUrl(findingId: string): string | null;
}

export interface PlanOptions {
  /** The repository configuration's `rules.options`. */
  ruleOptions?: RuleOptions | undefined;
  /** The plan of the group's members but the last: the last one's fix is planned on top of it
   *  (./plan-join.ts). */
  on?: JoinBasis | undefined;
}

/** The fix plan through the environment's planner when it has one, else in this thread. */
export function planIn(
  env: RemediationEnv,
  repository: RepoRef,
  indexed: IndexedSnapshot,
  request: { group: TriagedFinding[] } & PlanOptions,
): Promise<GroupFixPlan> {
  const { group, ruleOptions, on } = request;
  if (env.plan) return env.plan(repository, indexed, group, { ruleOptions, on });
  const { files } = indexed.snapshot;
  return on
    ? planJoin(files, indexed.index, group, { basis: on, ruleOptions })
    : planGroupFix(files, indexed.index, group, ruleOptions);
}
