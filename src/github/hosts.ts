// Where GitHub is: the REST base URL, the web base URL (for links people click) and the git remote
// of a repository. Everything that talks to or links to GitHub goes through one GitHubHost, so a
// GitHub Enterprise Server installation never sees a hard-coded github.com.

export interface GitHubHost {
  /** REST base, no trailing slash: https://api.github.com or https://ghe.example.com/api/v3 */
  apiUrl: string;
  /** Web base, no trailing slash: https://github.com or https://ghe.example.com */
  webUrl: string;
}

export const GITHUB_COM: GitHubHost = { apiUrl: "https://api.github.com", webUrl: "https://github.com" };

const trimSlash = (url: string) => url.replace(/\/+$/, "");

/**
 * The host the app talks to, read the way Probot reads it: `GHE_HOST` (and `GHE_PROTOCOL`, default
 * https) for GitHub Enterprise Server, else github.com. For the CLI, GitHub Actions' `GITHUB_API_URL`
 * and `GITHUB_SERVER_URL` are honoured too (Actions sets both on GHES runners).
 */
export function hostFromEnv(env: Readonly<Record<string, string | undefined>>): GitHubHost {
  if (env.GHE_HOST) {
    const protocol = env.GHE_PROTOCOL || "https";
    const web = `${protocol}://${trimSlash(env.GHE_HOST)}`;
    return { apiUrl: `${web}/api/v3`, webUrl: web };
  }
  if (env.GITHUB_API_URL) {
    const apiUrl = trimSlash(env.GITHUB_API_URL);
    return { apiUrl, webUrl: env.GITHUB_SERVER_URL ? trimSlash(env.GITHUB_SERVER_URL) : webFromApi(apiUrl) };
  }
  return GITHUB_COM;
}

/** https://api.github.com → https://github.com; https://ghe.example.com/api/v3 → https://ghe.example.com */
export function webFromApi(apiUrl: string): string {
  const url = new URL(trimSlash(apiUrl));
  if (url.hostname === "api.github.com") return "https://github.com";
  if (url.hostname.startsWith("api.")) return `${url.protocol}//${url.host.slice(4)}`;
  return `${url.protocol}//${url.host}`;
}

/** The HTTPS git remote of a repository on this host (no credentials: those go in a header). */
export function gitRemoteUrl(host: GitHubHost, owner: string, repo: string): string {
  return `${host.webUrl}/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}.git`;
}

/** A web link on this host: webLink(host, "acme", "infra", "pull", 12). Segments are URL-encoded. */
export function webLink(host: GitHubHost, ...segments: Array<string | number>): string {
  return [host.webUrl, ...segments.map((s) => encodeURIComponent(String(s)))].join("/");
}

/** A link to a file at a commit, optionally to a line: …/blob/<sha>/<path>#L12 */
export function blobLink(
  host: GitHubHost,
  repository: { owner: string; repo: string },
  sha: string,
  path: string,
  line?: number,
): string {
  const file = path.split("/").map(encodeURIComponent).join("/");
  const base = `${host.webUrl}/${encodeURIComponent(repository.owner)}/${encodeURIComponent(repository.repo)}/blob/${encodeURIComponent(sha)}/${file}`;
  return line ? `${base}#L${line}` : base;
}
