// Which organization and repository `fixloop ingest --store` files findings under. A repository
// scan's findings (SARIF, Checkov, Trivy, tfsec, KICS) are one finding per repository
// (src/triage/dedupe.ts), so the CLI names the repository: `--repository owner/name`, else the
// GitHub `origin` remote of the current directory, else none (`--repository none` says so).

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { withoutTrailingSlashes } from "../hcl/module-source.ts";
import { CliError } from "./io.ts";

const run = promisify(execFile);

export interface ScanScope {
  org: string | undefined;
  repository: string | undefined;
}

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

/** `owner/name` from a remote URL: https://host/owner/name(.git), git@host:owner/name(.git), ssh://…/owner/name. */
export function repositoryFromRemote(url: string): string | undefined {
  // The trailing slashes go in one pass: `/\/+$/` on a remote URL of many slashes is quadratic.
  const path = withoutTrailingSlashes(
    url
      .trim()
      .replace(/^[a-z+]+:\/\/[^/]*\//i, "")
      .replace(/^[^@/]+@[^:/]+:/, "")
      .replace(/\.git$/, ""),
  );
  const parts = path.split("/");
  const [owner, name] = parts.slice(-2);
  if (parts.length < 2 || !owner || !name || !OWNER.test(owner) || !NAME.test(name) || /^\.+$/.test(name))
    return undefined;
  return `${owner}/${name}`.toLowerCase();
}

async function originRemote(cwd: string): Promise<string | undefined> {
  try {
    const { stdout } = await run("git", ["config", "--get", "remote.origin.url"], { cwd, timeout: 5000 });
    return stdout.trim() || undefined;
  } catch {
    return undefined; // not a checkout, no origin, or no git: no repository
  }
}

/** The scope from `--org` and `--repository` (or the origin remote of `cwd`). */
export async function scanScope(
  org: string | undefined,
  repository: string | undefined,
  cwd: string,
): Promise<ScanScope> {
  if (org !== undefined && !OWNER.test(org))
    throw new CliError(`--org "${org}" is not a GitHub organization or user name`);
  if (repository === "none") return { org, repository: undefined };
  if (repository !== undefined) {
    const [owner, name, ...rest] = repository.includes("/") ? repository.split("/") : [org, repository];
    if (owner === undefined)
      throw new CliError(`--repository "${repository}": give owner/name (or --org with the name)`);
    if (rest.length > 0 || !OWNER.test(owner) || !name || !NAME.test(name) || /^\.+$/.test(name))
      throw new CliError(`--repository "${repository}" is not a repository (expected owner/name)`);
    return { org, repository: `${owner}/${name}`.toLowerCase() };
  }
  const remote = await originRemote(cwd);
  return { org, repository: remote ? repositoryFromRemote(remote) : undefined };
}
