// The platform port on GitHub's REST API: the one class outside src/github's helpers that holds an
// Octokit client. Every operation's failure leaves as a typed error (./errors.ts), mapped here once.
// The app builds one per installation (Probot's installation client), the CLI one from a token.

import { posix } from "node:path";
import type { GitHub } from "./client.ts";
import { DIRS_PER_QUERY, directoriesFromAnswer, directoriesQuery } from "./directories.ts";
import { GitHubError, mapped, NotFound, RateLimited, toGitHubError, Unprocessable } from "./errors.ts";
import type { FileChange } from "./git-data.ts";
import { ensureLabels } from "./labels.ts";
import type {
  CheckRunInput,
  CiReports,
  CodeScanningAlert,
  CodeScanningAnalysis,
  CodeScanningQuery,
  EnsureIssueInput,
  IssueRef,
  OpenedPullRequest,
  Permission,
  Platform,
  PullRequestDraft,
  PullRequestFile,
  PullRequestProgress,
  PullRequestSummary,
  PullRequestUpdate,
  ReactionContent,
  RepoFile,
  RepoRef,
  RequiredCheck,
} from "./platform.ts";
import { openPullRequest, requestReview, updatePullRequest } from "./pull-requests.ts";
import { teamExists } from "./teams.ts";

export interface OctokitPlatformOptions {
  /** The clock a rate limit's reset time is computed on (the store's, in the app). */
  now?: () => number;
  /** Labels known to exist, shared by every platform of the process (ensureLabels' cache). */
  labelCache?: Set<string>;
}

interface PullLike {
  number: number;
  html_url: string;
  state: string;
  merged_at?: string | null;
  head: { ref: string; sha: string };
}

const summary = (p: PullLike): PullRequestSummary => ({
  number: p.number,
  url: p.html_url,
  state: p.state === "open" ? "open" : "closed",
  merged: Boolean(p.merged_at),
  branch: p.head.ref,
  headSha: p.head.sha,
});

export class OctokitPlatform implements Platform {
  readonly #gh: GitHub;
  readonly #now: () => number;
  readonly #labelCache: Set<string>;

  constructor(gh: GitHub, options: OctokitPlatformOptions = {}) {
    this.#gh = gh;
    this.#now = options.now ?? Date.now;
    this.#labelCache = options.labelCache ?? new Set();
  }

  #run<T>(call: (gh: GitHub) => Promise<T>): Promise<T> {
    return mapped(() => call(this.#gh), this.#now);
  }

  // --- issues and comments ---

  ensureIssue(input: EnsureIssueInput): Promise<IssueRef & { created: boolean }> {
    const { repository, existing, title, body } = input;
    return this.#run(async (gh) => {
      if (existing) {
        await gh.rest.issues.update({
          ...repository,
          issue_number: existing.number,
          title,
          body,
          state: "open",
        });
        return { ...existing, created: false };
      }
      const { data } = await gh.rest.issues.create({ ...repository, title, body, labels: [...input.labels] });
      return { number: data.number, url: data.html_url, created: true };
    });
  }

  ensureIssueClosed(repository: RepoRef, number: number, comment?: string): Promise<void> {
    return this.#run(async (gh) => {
      if (comment !== undefined)
        await gh.rest.issues.createComment({ ...repository, issue_number: number, body: comment });
      await gh.rest.issues.update({
        ...repository,
        issue_number: number,
        state: "closed",
        state_reason: "completed",
      });
    });
  }

  comment(repository: RepoRef, number: number, body: string): Promise<{ id: number; url: string }> {
    return this.#run(async (gh) => {
      const { data } = await gh.rest.issues.createComment({ ...repository, issue_number: number, body });
      return { id: data.id, url: data.html_url };
    });
  }

  ensureComment(input: {
    repository: RepoRef;
    number: number;
    marker: string;
    body: string;
    known?: number | null;
  }) {
    const { repository, number, marker } = input;
    const tag = `<!-- fixloop:${marker} -->`;
    const body = input.body.includes(tag) ? input.body : `${input.body}\n\n${tag}`;
    return this.#run(async (gh) => {
      const known =
        input.known === undefined ? await markedComment(gh, repository, number, tag) : input.known;
      if (known !== null) {
        try {
          const { data } = await gh.rest.issues.updateComment({ ...repository, comment_id: known, body });
          return { id: data.id, url: data.html_url, created: false };
        } catch (error) {
          // Someone deleted it: a new one is posted.
          if ((error as { status?: number }).status !== 404) throw error;
        }
      }
      const { data } = await gh.rest.issues.createComment({ ...repository, issue_number: number, body });
      return { id: data.id, url: data.html_url, created: true };
    });
  }

  addReaction(repository: RepoRef, commentId: number, content: ReactionContent): Promise<void> {
    return this.#run(async (gh) => {
      await gh.rest.reactions.createForIssueComment({ ...repository, comment_id: commentId, content });
    });
  }

  // --- pull requests ---

  openOrUpdatePullRequest(
    draft: PullRequestDraft,
    resume: { progress: PullRequestProgress; save: (p: PullRequestProgress) => Promise<void> },
  ): Promise<OpenedPullRequest> {
    return this.#run(async (gh) => {
      await ensureLabels(gh, draft.repository, draft.labels, this.#labelCache);
      return openPullRequest(gh, draft, resume.progress, resume.save);
    });
  }

  updatePullRequest(update: PullRequestUpdate): Promise<{ commitSha: string | null }> {
    return this.#run((gh) => updatePullRequest(gh, update));
  }

  pullRequestsFor(repository: RepoRef, branch: string): Promise<PullRequestSummary[]> {
    return this.#run(async (gh) => {
      const { data } = await gh.rest.pulls.list({
        ...repository,
        head: `${repository.owner}:${branch}`,
        state: "all",
      });
      return data.map(summary);
    });
  }

  openPullRequests(repository: RepoRef): Promise<PullRequestSummary[]> {
    return this.#run(async (gh) => {
      const open = await gh.paginate(gh.rest.pulls.list, { ...repository, state: "open", per_page: 100 });
      return open.map(summary);
    });
  }

  closePullRequest(repository: RepoRef, number: number, comment?: string): Promise<void> {
    return this.#run(async (gh) => {
      if (comment !== undefined)
        await gh.rest.issues.createComment({ ...repository, issue_number: number, body: comment });
      await gh.rest.pulls.update({ ...repository, pull_number: number, state: "closed" });
    });
  }

  requestReview(
    repository: RepoRef,
    number: number,
    who: { teams: readonly string[]; users: readonly string[] },
  ): Promise<string | null> {
    return this.#run((gh) => requestReview(gh, repository, number, who));
  }

  addLabels(repository: RepoRef, number: number, labels: readonly string[]): Promise<void> {
    return this.#run(async (gh) => {
      await ensureLabels(gh, repository, labels, this.#labelCache);
      await gh.rest.issues.addLabels({ ...repository, issue_number: number, labels: [...labels] });
    });
  }

  setLabels(
    repository: RepoRef,
    number: number,
    labels: readonly string[],
    assignees: readonly string[] = [],
  ): Promise<void> {
    return this.#run(async (gh) => {
      await ensureLabels(gh, repository, labels, this.#labelCache);
      await gh.rest.issues.update({
        ...repository,
        issue_number: number,
        labels: [...labels],
        ...(assignees.length > 0 ? { assignees: [...assignees] } : {}),
      });
    });
  }

  pullRequestFiles(
    repository: RepoRef,
    number: number,
    limit: number,
  ): Promise<{ files: PullRequestFile[]; truncated: boolean }> {
    return this.#run(async (gh) => {
      const files: PullRequestFile[] = [];
      let truncated = false;
      // One page of 100 for most PRs; stop at `limit` (GitHub lists up to 3000 files).
      for await (const page of gh.paginate.iterator(gh.rest.pulls.listFiles, {
        ...repository,
        pull_number: number,
        per_page: 100,
      })) {
        for (const f of page.data) {
          if (files.length >= limit) {
            truncated = true;
            break;
          }
          files.push({
            path: f.filename,
            status: f.status,
            ...(f.previous_filename ? { previousPath: f.previous_filename } : {}),
            ...(f.patch !== undefined ? { patch: f.patch } : {}),
          });
        }
        if (truncated || page.data.length < 100) break;
      }
      return { files, truncated };
    });
  }

  removeLabel(repository: RepoRef, number: number, label: string): Promise<void> {
    return this.#run(async (gh) => {
      try {
        await gh.rest.issues.removeLabel({ ...repository, issue_number: number, name: label });
      } catch (error) {
        if ((error as { status?: number }).status !== 404) throw error; // 404: not on the PR
      }
    });
  }

  ensureLabels(repository: RepoRef, names: readonly string[]): Promise<void> {
    return this.#run((gh) => ensureLabels(gh, repository, names, this.#labelCache));
  }

  issueLabels(repository: RepoRef, number: number): Promise<string[]> {
    return this.#run(async (gh) => {
      const labels = await gh.paginate(gh.rest.issues.listLabelsOnIssue, {
        ...repository,
        issue_number: number,
        per_page: 100,
      });
      return labels.map((l) => l.name);
    });
  }

  /** GitHub names a tree by its content, so creating the tree again makes nothing new and says whether it matches. */
  fixDiffers(
    repository: RepoRef,
    headSha: string,
    fix: { baseSha: string; baseTreeSha: string; files: readonly FileChange[] },
  ): Promise<boolean> {
    return this.#run(async (gh) => {
      const head = await gh.rest.git.getCommit({ ...repository, commit_sha: headSha });
      if (head.data.parents.length !== 1 || head.data.parents[0]?.sha !== fix.baseSha) return true;
      const tree = await gh.rest.git.createTree({
        ...repository,
        base_tree: fix.baseTreeSha,
        tree: fix.files.map((f) => ({
          path: f.path,
          mode: "100644" as const,
          type: "blob" as const,
          content: f.content,
        })),
      });
      return tree.data.sha !== head.data.tree.sha;
    });
  }

  // --- repositories and commits ---

  defaultBranch(repository: RepoRef): Promise<string> {
    return this.#run(async (gh) => (await gh.rest.repos.get({ ...repository })).data.default_branch);
  }

  fileAt(repository: RepoRef, ref: string, path: string, maxBytes: number): Promise<RepoFile | null> {
    return this.#run(async (gh) => {
      try {
        const { data } = await gh.rest.repos.getContent({ ...repository, path, ref });
        if (Array.isArray(data) || data.type !== "file") return null;
        if (data.size > maxBytes)
          return { path, text: "", skipped: `skipped: larger than ${maxBytes} bytes (${data.size} bytes)` };
        // Files over 1 MB come without content from this endpoint: read the blob instead.
        const base64 =
          data.content ?? (await gh.rest.git.getBlob({ ...repository, file_sha: data.sha })).data.content;
        return { path, text: Buffer.from(base64, "base64").toString("utf8") };
      } catch (error) {
        if ((error as { status?: number }).status === 404) return null;
        throw error;
      }
    });
  }

  filesAt(
    repository: RepoRef,
    ref: string,
    dirs: readonly string[],
    limits: { files: number; bytes: number; reuse?: ReadonlyMap<string, string> },
  ): Promise<{ files: RepoFile[]; truncated: boolean }> {
    return this.#run((gh) => filesAtByRest(gh, repository, ref, dirs, limits));
  }

  directoriesAt(
    repository: RepoRef,
    refs: readonly string[],
    dirs: readonly string[],
    limits: { files: number; bytes: number },
  ): Promise<Array<{ files: RepoFile[]; truncated: boolean }>> {
    return this.#run(async (gh) => {
      const sides = refs.map(() => ({ files: [] as RepoFile[], truncated: false }));
      for (let i = 0; i < dirs.length; i += DIRS_PER_QUERY) {
        const chunk = dirs.slice(i, i + DIRS_PER_QUERY);
        const got =
          (await directoriesByGraphql(gh, repository, refs, chunk, limits, this.#now)) ??
          (await Promise.all(refs.map((ref) => filesAtByRest(gh, repository, ref, chunk, limits))));
        got.forEach((side, r) => {
          const into = sides[r] as { files: RepoFile[]; truncated: boolean };
          into.files.push(...side.files);
          into.truncated ||= side.truncated || into.files.length > limits.files;
          into.files.splice(limits.files);
        });
      }
      return sides;
    });
  }

  async commitExists(repository: RepoRef, sha: string): Promise<boolean> {
    try {
      await this.#run((gh) => gh.rest.git.getCommit({ ...repository, commit_sha: sha }));
      return true;
    } catch (error) {
      if (error instanceof NotFound || error instanceof Unprocessable) return false;
      throw error;
    }
  }

  compareCommits(repository: RepoRef, base: string, head: string): Promise<string> {
    return this.#run(async (gh) => {
      const { data } = await gh.rest.repos.compareCommitsWithBasehead({
        ...repository,
        basehead: `${base}...${head}`,
        per_page: 1,
      });
      return data.status;
    });
  }

  // --- checks and CI ---

  async fileText(repository: RepoRef, path: string, ref: string): Promise<string | null> {
    try {
      const { data } = await this.#run((gh) =>
        gh.rest.repos.getContent({ ...repository, path, ref, mediaType: { format: "raw" } }),
      );
      return typeof data === "string" ? data : null;
    } catch (error) {
      if (error instanceof NotFound) return null;
      throw error;
    }
  }

  createCheckRun(repository: RepoRef, input: CheckRunInput): Promise<{ id: number; url: string }> {
    return this.#run(async (gh) => {
      const { data } = await gh.rest.checks.create({
        ...repository,
        name: input.name,
        head_sha: input.headSha,
        status: "completed",
        conclusion: input.conclusion,
        completed_at: input.completedAt,
        ...(input.externalId ? { external_id: input.externalId } : {}),
        ...(input.detailsUrl ? { details_url: input.detailsUrl } : {}),
        output: checkOutput(input.output),
      });
      return { id: data.id, url: data.html_url ?? "" };
    });
  }

  updateCheckRun(repository: RepoRef, id: number, input: Partial<CheckRunInput>): Promise<void> {
    return this.#run(async (gh) => {
      await gh.rest.checks.update({
        ...repository,
        check_run_id: id,
        ...(input.name ? { name: input.name } : {}),
        ...(input.conclusion ? { status: "completed" as const, conclusion: input.conclusion } : {}),
        ...(input.completedAt ? { completed_at: input.completedAt } : {}),
        ...(input.detailsUrl ? { details_url: input.detailsUrl } : {}),
        ...(input.output ? { output: checkOutput(input.output) } : {}),
      });
    });
  }

  ciReports(repository: RepoRef, sha: string, branch: string | null): Promise<CiReports> {
    return this.#run(async (gh) => {
      const [runs, statuses, required] = await Promise.all([
        gh.paginate(gh.rest.checks.listForRef, { ...repository, ref: sha, per_page: 100 }),
        gh.paginate(gh.rest.repos.listCommitStatusesForRef, { ...repository, ref: sha, per_page: 100 }),
        branch ? requiredChecks(gh, repository, branch) : Promise.resolve(null),
      ]);
      return {
        checkRuns: runs as unknown as CiReports["checkRuns"],
        statuses: statuses as unknown as CiReports["statuses"],
        required,
      };
    });
  }

  // --- people and teams ---

  async permissionOf(repository: RepoRef, login: string): Promise<Permission> {
    try {
      const r = await this.#run((gh) =>
        gh.rest.repos.getCollaboratorPermissionLevel({ ...repository, username: login }),
      );
      return r.data.role_name ?? r.data.permission;
    } catch (error) {
      if (error instanceof NotFound) return "none";
      throw error;
    }
  }

  async isTeamMember(team: string, login: string): Promise<boolean> {
    const [org, slug] = team.split("/") as [string, string];
    try {
      const r = await this.#run((gh) =>
        gh.rest.teams.getMembershipForUserInOrg({ org, team_slug: slug, username: login }),
      );
      return r.data.state === "active";
    } catch (error) {
      if (error instanceof NotFound) return false;
      throw error;
    }
  }

  teamExists(org: string, slug: string): Promise<boolean | undefined> {
    return this.#run((gh) => teamExists(gh, org, slug));
  }

  // --- code scanning ---

  codeScanningAlerts(repository: RepoRef, query: CodeScanningQuery): Promise<CodeScanningAlert[]> {
    return this.#run(
      async (gh) =>
        (await gh.paginate(gh.rest.codeScanning.listAlertsForRepo, {
          ...repository,
          ref: query.ref,
          ...(query.toolName ? { tool_name: query.toolName } : {}),
          per_page: 100,
        })) as CodeScanningAlert[],
    );
  }

  async codeScanningAnalyses(repository: RepoRef, query: CodeScanningQuery): Promise<CodeScanningAnalysis[]> {
    try {
      return await this.#run(
        async (gh) =>
          (
            await gh.rest.codeScanning.listRecentAnalyses({
              ...repository,
              ref: query.ref,
              ...(query.toolName ? { tool_name: query.toolName } : {}),
              per_page: 100,
            })
          ).data as CodeScanningAnalysis[],
      );
    } catch (error) {
      if (error instanceof NotFound) return []; // GitHub answers 404 when there is no analysis
      throw error;
    }
  }
}

/**
 * Required checks from the branch's protection as the branch endpoint reports it (readable with the
 * app's contents permission, unlike the protection endpoint, which needs administration access).
 */
async function requiredChecks(
  gh: GitHub,
  repository: RepoRef,
  branch: string,
): Promise<RequiredCheck[] | null> {
  try {
    const { data } = await gh.rest.repos.getBranch({ ...repository, branch });
    const rsc = data.protection?.required_status_checks;
    if (!data.protected || !rsc) return null;
    if (rsc.checks?.length) return rsc.checks.map((c) => ({ context: c.context, appId: c.app_id }));
    return rsc.contexts?.length ? rsc.contexts : null;
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 403 || status === 404) return null;
    throw error;
  }
}

/** The port's output as the checks API takes it (annotations with snake_case positions). */
function checkOutput(output: CheckRunInput["output"]) {
  const { annotations, ...rest } = output;
  if (!annotations) return rest;
  return {
    ...rest,
    annotations: annotations.slice(0, 50).map((a) => ({
      path: a.path,
      start_line: a.startLine,
      end_line: a.endLine,
      annotation_level: a.level,
      message: a.message,
      ...(a.title ? { title: a.title } : {}),
      ...(a.rawDetails ? { raw_details: a.rawDetails } : {}),
    })),
  };
}

/** The REST way: one recursive tree listing, then one request per blob not in `limits.reuse`. */
async function filesAtByRest(
  gh: GitHub,
  repository: RepoRef,
  ref: string,
  dirs: readonly string[],
  limits: { files: number; bytes: number; reuse?: ReadonlyMap<string, string> },
): Promise<{ files: RepoFile[]; truncated: boolean }> {
  const wanted = new Set(dirs);
  const { data } = await gh.rest.git.getTree({ ...repository, tree_sha: ref, recursive: "true" });
  const entries = data.tree.filter(
    (e) =>
      e.type === "blob" &&
      e.path !== undefined &&
      e.sha !== undefined &&
      /\.(tf|tfvars)$/.test(e.path) &&
      wanted.has(posix.dirname(e.path)),
  );
  const files: RepoFile[] = [];
  for (const e of entries.slice(0, limits.files)) {
    const path = e.path as string;
    if ((e.size ?? 0) > limits.bytes) {
      files.push({ path, text: "", skipped: `skipped: larger than ${limits.bytes} bytes (${e.size} bytes)` });
      continue;
    }
    const sha = e.sha as string;
    const known = limits.reuse?.get(sha);
    if (known !== undefined) {
      files.push({ path, text: known, sha });
      continue;
    }
    files.push({ path, text: await blobText(gh, repository, sha), sha });
  }
  return { files, truncated: data.truncated || entries.length > limits.files };
}

async function blobText(gh: GitHub, repository: RepoRef, sha: string): Promise<string> {
  const blob = await gh.rest.git.getBlob({ ...repository, file_sha: sha });
  return Buffer.from(blob.data.content, "base64").toString("utf8");
}

/** GraphQL lives at /graphql on github.com and at /api/graphql on GitHub Enterprise Server (REST: /api/v3). */
const graphqlBase = (gh: GitHub) =>
  String(gh.request.endpoint.DEFAULTS.baseUrl).replace(/\/api\/v3\/?$/, "/api");

/**
 * The directories at every ref in one GraphQL request; a blob GitHub cut short is read by its oid.
 * null when GraphQL would not answer (an error in the answer — a directory too large for its
 * limits, a timeout — or a server error): the caller reads the same files through REST instead.
 * A rate limit or a missing permission is thrown: REST would meet it too.
 */
async function directoriesByGraphql(
  gh: GitHub,
  repository: RepoRef,
  refs: readonly string[],
  dirs: readonly string[],
  limits: { files: number; bytes: number },
  now: () => number,
): Promise<Array<{ files: RepoFile[]; truncated: boolean }> | null> {
  const { query, variables } = directoriesQuery(repository, refs, dirs);
  let answer: { data?: { repository?: Record<string, never> | null } | null; errors?: unknown[] };
  try {
    const response = await gh.request("POST /graphql", { baseUrl: graphqlBase(gh), query, variables });
    answer = response.data as typeof answer;
  } catch (error) {
    const typed = toGitHubError(error, now());
    if (typed instanceof GitHubError && !(typed instanceof RateLimited) && (typed.status ?? 0) >= 500)
      return null;
    throw typed;
  }
  if ((answer.errors?.length ?? 0) > 0 || !answer.data?.repository) return null;
  const { sides, pending } = directoriesFromAnswer(answer.data.repository, refs, dirs, limits);
  for (const p of pending) {
    const file = sides[p.ref]?.files[p.index];
    if (file) file.text = await blobText(gh, repository, p.oid);
  }
  return sides;
}

/** The id of fixloop's comment carrying `tag` — only a bot's: a person quoting the marker is not edited. */
async function markedComment(gh: GitHub, repository: RepoRef, number: number, tag: string) {
  const comments = await gh.paginate(gh.rest.issues.listComments, {
    ...repository,
    issue_number: number,
    per_page: 100,
  });
  return comments.find((c) => c.user?.type === "Bot" && (c.body ?? "").includes(tag))?.id ?? null;
}
