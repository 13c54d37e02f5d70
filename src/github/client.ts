// The one GitHub client type fixloop's GitHub code accepts: the app passes Probot's installation
// Octokit, the CLI an @octokit/rest Octokit built from a token. Both are @octokit/core 7 with the
// REST endpoint methods, pagination, throttling and retry.

import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import type { GitHubHost } from "./hosts.ts";

// Probot's Octokit has `.rest` but not the legacy top-level endpoint methods: use `.rest` and `.request`.
export type GitHub = Pick<Octokit, "rest" | "request" | "paginate" | "log">;

export { fullName, type RepoRef } from "./platform.ts";

const ThrottledOctokit = Octokit.plugin(throttling, retry);

export interface TokenClientOptions {
  token: string;
  host: GitHubHost;
  /** Warnings about rate limits go here (never the token). */
  onWarning?: (message: string) => void;
  /** Retries after a rate limit, per request (default 3). */
  maxRateLimitRetries?: number;
  /** false in tests: no throttling (writes spaced up to 3 s apart) and no retries of failed requests. */
  rateLimitHandling?: boolean;
}

/**
 * A client for the CLI (`fix --open-pr`) from a token: the same throttling and retry Probot
 * configures for the app — primary and secondary rate limits wait and retry instead of failing.
 */
export function tokenClient(options: TokenClientOptions): GitHub {
  const retries = options.maxRateLimitRetries ?? 3;
  const warn = options.onWarning ?? (() => {});
  return new ThrottledOctokit({
    auth: options.token,
    baseUrl: options.host.apiUrl,
    userAgent: "fixloop",
    throttle: {
      enabled: options.rateLimitHandling !== false,
      onRateLimit: (retryAfter, req, _octokit, retryCount) => {
        warn(`GitHub rate limit reached for ${req.method} ${req.url}; retrying in ${retryAfter}s`);
        return retryCount < retries;
      },
      onSecondaryRateLimit: (retryAfter, req, _octokit, retryCount) => {
        warn(`GitHub secondary rate limit for ${req.method} ${req.url}; retrying in ${retryAfter}s`);
        return retryCount < retries;
      },
    },
    retry: { enabled: options.rateLimitHandling !== false },
  }) as unknown as GitHub;
}
