// Signing people in with the GitHub App's user authorization (the OAuth web flow), and the few
// questions the dashboard asks GitHub with the user's own token: who they are, and whether they
// can read a repository. On GitHub Enterprise Server the web flow lives on the web host
// (`https://ghe.example.com/login/oauth/…`) and the API under `/api/v3`: both come from GitHubHost.
// A token never goes into a log line or an error message.

import { tokenClient } from "./client.ts";
import { Forbidden, mapped, NotFound } from "./errors.ts";
import type { GitHubHost } from "./hosts.ts";

export interface OAuthApp {
  clientId: string;
  clientSecret: string;
  /** Where GitHub sends the browser back: `${publicUrl}/auth/callback`. */
  redirectUri: string;
}

/** The page on GitHub that asks the user to authorize the app; `state` comes back unchanged. */
export function authorizeUrl(host: GitHubHost, app: OAuthApp, state: string): string {
  const url = new URL(`${host.webUrl}/login/oauth/authorize`);
  url.searchParams.set("client_id", app.clientId);
  url.searchParams.set("redirect_uri", app.redirectUri);
  url.searchParams.set("state", state);
  // A GitHub App's user token carries the app's permissions, not scopes: none are asked for.
  url.searchParams.set("allow_signup", "false");
  return url.toString();
}

export type CodeExchange = { ok: true; token: string } | { ok: false; reason: string };

/**
 * Trades the code GitHub sent back for the user's token. GitHub answers 200 with `error` in the
 * body when the code is bad or expired; the reason returned is GitHub's error code, safe to show.
 */
export async function exchangeCode(host: GitHubHost, app: OAuthApp, code: string): Promise<CodeExchange> {
  let response: Response;
  try {
    response = await fetch(`${host.webUrl}/login/oauth/access_token`, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        client_id: app.clientId,
        client_secret: app.clientSecret,
        code,
        redirect_uri: app.redirectUri,
      }).toString(),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    return { ok: false, reason: `GitHub could not be reached (${(error as Error).name})` };
  }
  if (!response.ok) return { ok: false, reason: `GitHub answered ${response.status}` };
  const body = (await response.json().catch(() => ({}))) as { access_token?: unknown; error?: unknown };
  if (typeof body.access_token === "string" && body.access_token)
    return { ok: true, token: body.access_token };
  return { ok: false, reason: typeof body.error === "string" ? body.error : "no token in GitHub's answer" };
}

export interface GitHubUser {
  login: string;
  id: number;
}

/** GitHub as one signed-in user sees it (their user-to-server token). */
export class UserGitHub {
  readonly #gh;

  constructor(host: GitHubHost, token: string) {
    this.#gh = tokenClient({ token, host, rateLimitHandling: false });
  }

  /** The token's user. */
  async user(): Promise<GitHubUser> {
    const r = await mapped(() => this.#gh.rest.users.getAuthenticated());
    return { login: r.data.login, id: r.data.id };
  }

  /** Whether the user can read `owner/repo`: GitHub hides a repository they cannot see (404). */
  async canRead(repository: string): Promise<boolean> {
    const [owner, repo] = repository.split("/");
    if (!owner || !repo) return false;
    try {
      const r = await mapped(() => this.#gh.rest.repos.get({ owner, repo }));
      return (r.data as { permissions?: { pull?: boolean } }).permissions?.pull !== false;
    } catch (error) {
      if (error instanceof NotFound || error instanceof Forbidden) return false;
      throw error;
    }
  }
}
