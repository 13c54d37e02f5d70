// What the pull-request review handlers need of the app: the store, the platform of an
// installation, a repository's configuration and the sandboxed indexer. AppEnv provides all of it.

import type { RepoConfigParse } from "../config/repo-config.ts";
import type { GitHubHost } from "../github/hosts.ts";
import type { Platform, RepoRef } from "../github/platform.ts";
import type { SourceFile, TerraformIndex } from "../hcl/index.ts";
import type { Logger } from "../remediate/env.ts";
import type { Store } from "../store/store.ts";

export interface ReviewEnv {
  store: Store;
  host: GitHubHost;
  log: Logger;
  platform(installationId: number | null): Promise<Platform>;
  repoConfig(installationId: number | null, repository: RepoRef): Promise<RepoConfigParse>;
  indexFiles(repository: string, files: SourceFile[], key: string): Promise<TerraformIndex>;
}

/** A pull_request delivery as the review handlers read it. */
export interface PrEvent {
  deliveryId: string;
  installationId: number | null;
  repository: RepoRef;
  number: number;
  headSha: string;
  baseSha: string;
  author: { login: string; type: string };
  body: string | null;
  /** The PR's labels as the delivery lists them. */
  labels: string[];
}

/** Most files of a PR fixloop reads (GitHub lists up to 3000): the rest is said to be unread. */
export const MAX_PR_FILES = 300;
/** Largest Terraform file fetched from a PR (the index's own limit is 4 MB). */
export const MAX_PR_FILE_BYTES = 1024 * 1024;

/** Terraform sources fixloop maps and scans. */
export const isTerraform = (path: string) => path.endsWith(".tf");
