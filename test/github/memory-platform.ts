// An in-memory Platform for tests of domain code (remediate/, verify/): issues, comments, PRs,
// labels, check runs and people held in maps, every call recorded in `calls`. No HTTP: a test says
// what GitHub holds and reads back what fixloop did. `fail(op, error)` makes the next call of one
// operation throw (a typed error from src/github/errors.ts), as GitHub would.

import type { FileChange } from "../../src/github/git-data.ts";
import {
  type CheckRunInput,
  type CiReports,
  type CodeScanningAlert,
  type CodeScanningAnalysis,
  type EnsureIssueInput,
  fullName,
  type OpenedPullRequest,
  type Permission,
  type Platform,
  type PullRequestDraft,
  type PullRequestFile,
  type PullRequestProgress,
  type PullRequestSummary,
  type PullRequestUpdate,
  type ReactionContent,
  type RepoFile,
  type RepoRef,
} from "../../src/github/platform.ts";

export interface MemoryIssue {
  repository: string;
  number: number;
  url: string;
  title: string;
  body: string;
  labels: string[];
  state: "open" | "closed";
  comments: Array<{ id: number; body: string }>;
}

export interface MemoryPull extends PullRequestSummary {
  repository: string;
  title: string;
  body: string;
  labels: string[];
  files: FileChange[];
  reviewers: { teams: string[]; users: string[] };
  comments: Array<{ id: number; body: string }>;
}

type Op = keyof Platform;

export class MemoryPlatform implements Platform {
  readonly calls: Array<{ op: Op; args: unknown[] }> = [];
  readonly issues: MemoryIssue[] = [];
  readonly pulls: MemoryPull[] = [];
  readonly labels = new Map<string, Set<string>>();
  readonly checkRuns: Array<{ id: number; repository: string } & Partial<CheckRunInput>> = [];
  readonly reactions: Array<{ commentId: number; content: ReactionContent }> = [];
  /** `owner/repo login` → permission */
  readonly permissions = new Map<string, Permission>();
  /** `org/slug` → members */
  readonly teams = new Map<string, Set<string>>();
  ci: CiReports = { checkRuns: [], statuses: [], required: null };
  alerts: CodeScanningAlert[] = [];
  analyses: CodeScanningAnalysis[] = [];
  defaultBranchName = "main";
  /** `owner/repo:path` → text (every ref reads the same). */
  readonly files = new Map<string, string>();
  /** `owner/repo#number` → the files the PR changes. */
  readonly prFiles = new Map<string, PullRequestFile[]>();
  /** `owner/repo@ref` → path → text: the repository's files at a ref. */
  readonly trees = new Map<string, Map<string, string>>();
  /** `owner/repo#number` → the labels added and removed through addLabels/removeLabel (a test may
   *  put one on as a person would); issueLabels reads them. */
  readonly prLabels = new Map<string, Set<string>>();
  /** A review request answers like this (null: accepted). */
  reviewRefusal: string | null = null;
  #next = 1;
  readonly #failures = new Map<Op, unknown[]>();

  constructor(readonly host = "https://github.com") {}

  /** The next call of `op` throws `error`. */
  fail(op: Op, error: unknown): this {
    this.#failures.set(op, [...(this.#failures.get(op) ?? []), error]);
    return this;
  }

  #call(op: Op, ...args: unknown[]): void {
    this.calls.push({ op, args });
    const queued = this.#failures.get(op);
    if (queued?.length) throw queued.shift();
  }

  #url(repository: RepoRef, kind: "issues" | "pull", number: number) {
    return `${this.host}/${fullName(repository)}/${kind}/${number}`;
  }

  issue(repository: RepoRef, number: number): MemoryIssue | undefined {
    return this.issues.find((i) => i.repository === fullName(repository) && i.number === number);
  }

  async ensureIssue(input: EnsureIssueInput) {
    this.#call("ensureIssue", input);
    const known = input.existing ? this.issue(input.repository, input.existing.number) : undefined;
    if (known) {
      Object.assign(known, { title: input.title, body: input.body, state: "open" });
      return { number: known.number, url: known.url, created: false };
    }
    const number = this.#next++;
    const url = this.#url(input.repository, "issues", number);
    this.issues.push({
      repository: fullName(input.repository),
      number,
      url,
      title: input.title,
      body: input.body,
      labels: [...input.labels],
      state: "open",
      comments: [],
    });
    return { number, url, created: true };
  }

  async ensureIssueClosed(repository: RepoRef, number: number, comment?: string) {
    this.#call("ensureIssueClosed", repository, number, comment);
    const issue = this.issue(repository, number);
    if (!issue) return;
    if (comment !== undefined) issue.comments.push({ id: this.#next++, body: comment });
    issue.state = "closed";
  }

  async comment(repository: RepoRef, number: number, body: string) {
    this.#call("comment", repository, number, body);
    const id = this.#next++;
    const target = this.issue(repository, number) ?? this.#pull(repository, number);
    target?.comments.push({ id, body });
    return { id, url: `${this.#url(repository, "issues", number)}#issuecomment-${id}` };
  }

  async ensureComment(input: {
    repository: RepoRef;
    number: number;
    marker: string;
    body: string;
    known?: number | null;
  }) {
    this.#call("ensureComment", input);
    const tag = `<!-- fixloop:${input.marker} -->`;
    const body = input.body.includes(tag) ? input.body : `${input.body}\n\n${tag}`;
    const target = this.issue(input.repository, input.number);
    const mine =
      input.known === null
        ? undefined
        : target?.comments.find((c) =>
            input.known === undefined ? c.body.includes(tag) : c.id === input.known,
          );
    if (mine) {
      mine.body = body;
      return { id: mine.id, url: `${target?.url}#issuecomment-${mine.id}`, created: false };
    }
    const posted = await this.comment(input.repository, input.number, body);
    return { ...posted, created: true };
  }

  async addReaction(repository: RepoRef, commentId: number, content: ReactionContent) {
    this.#call("addReaction", repository, commentId, content);
    this.reactions.push({ commentId, content });
  }

  async openOrUpdatePullRequest(
    draft: PullRequestDraft,
    resume: { progress: PullRequestProgress; save: (p: PullRequestProgress) => Promise<void> },
  ): Promise<OpenedPullRequest> {
    this.#call("openOrUpdatePullRequest", draft, resume.progress);
    const repository = fullName(draft.repository);
    const adopt = this.pulls.find(
      (p) => p.repository === repository && p.branch === draft.branch && p.state === "open",
    );
    const number = adopt?.number ?? this.#next++;
    const commitSha = `commit-${this.#next++}`;
    const pull: MemoryPull = {
      repository,
      number,
      url: this.#url(draft.repository, "pull", number),
      state: "open",
      merged: false,
      branch: draft.branch,
      headSha: commitSha,
      title: draft.title,
      body: draft.body,
      labels: [...draft.labels],
      files: [...draft.files],
      reviewers: { teams: [...draft.teamReviewers], users: [...draft.reviewers] },
      comments: adopt?.comments ?? [],
    };
    if (adopt) Object.assign(adopt, pull);
    else this.pulls.push(pull);
    await resume.save({
      branch: draft.branch,
      commitSha,
      baseSha: draft.baseSha,
      prNumber: number,
      prUrl: pull.url,
    });
    return { number, url: pull.url, commitSha, reviewProblem: this.reviewRefusal, adopted: Boolean(adopt) };
  }

  async updatePullRequest(update: PullRequestUpdate) {
    this.#call("updatePullRequest", update);
    const pull = this.#pull(update.repository, update.number);
    if (!pull) throw new Error(`no PR #${update.number} in ${fullName(update.repository)}`);
    Object.assign(pull, { title: update.title, body: update.body });
    if (!update.commit) return { commitSha: null };
    const commitSha = `commit-${this.#next++}`;
    Object.assign(pull, { headSha: commitSha, files: [...update.commit.files] });
    return { commitSha };
  }

  async pullRequestsFor(repository: RepoRef, branch: string) {
    this.#call("pullRequestsFor", repository, branch);
    return this.pulls.filter((p) => p.repository === fullName(repository) && p.branch === branch);
  }

  async openPullRequests(repository: RepoRef) {
    this.#call("openPullRequests", repository);
    return this.pulls.filter((p) => p.repository === fullName(repository) && p.state === "open");
  }

  async closePullRequest(repository: RepoRef, number: number, comment?: string) {
    this.#call("closePullRequest", repository, number, comment);
    const pull = this.#pull(repository, number);
    if (pull) pull.state = "closed";
  }

  async requestReview(
    repository: RepoRef,
    number: number,
    who: { teams: readonly string[]; users: readonly string[] },
  ) {
    this.#call("requestReview", repository, number, who);
    return this.reviewRefusal;
  }

  async addLabels(repository: RepoRef, number: number, labels: readonly string[]) {
    this.#call("addLabels", repository, number, labels);
    await this.ensureLabels(repository, labels);
    const pull = this.#pull(repository, number);
    if (pull) pull.labels = [...new Set([...pull.labels, ...labels])];
    const key = `${fullName(repository)}#${number}`;
    const set = this.prLabels.get(key) ?? new Set();
    for (const l of labels) set.add(l);
    this.prLabels.set(key, set);
  }

  async setLabels(repository: RepoRef, number: number, labels: readonly string[]) {
    this.#call("setLabels", repository, number, labels);
    await this.ensureLabels(repository, labels);
    const pull = this.#pull(repository, number);
    if (pull) pull.labels = [...labels];
  }

  async ensureLabels(repository: RepoRef, names: readonly string[]) {
    this.#call("ensureLabels", repository, names);
    const set = this.labels.get(fullName(repository)) ?? new Set();
    for (const n of names) set.add(n);
    this.labels.set(fullName(repository), set);
  }

  async fixDiffers(
    repository: RepoRef,
    headSha: string,
    fix: { baseSha: string; baseTreeSha: string; files: readonly FileChange[] },
  ) {
    this.#call("fixDiffers", repository, headSha, fix);
    const pull = this.pulls.find((p) => p.repository === fullName(repository) && p.headSha === headSha);
    return JSON.stringify(pull?.files ?? null) !== JSON.stringify(fix.files);
  }

  async pullRequestFiles(repository: RepoRef, number: number, limit: number) {
    this.#call("pullRequestFiles", repository, number, limit);
    const all = this.prFiles.get(`${fullName(repository)}#${number}`) ?? [];
    return { files: all.slice(0, limit), truncated: all.length > limit };
  }

  async removeLabel(repository: RepoRef, number: number, label: string) {
    this.#call("removeLabel", repository, number, label);
    this.prLabels.get(`${fullName(repository)}#${number}`)?.delete(label);
  }

  async issueLabels(repository: RepoRef, number: number) {
    this.#call("issueLabels", repository, number);
    return [...(this.prLabels.get(`${fullName(repository)}#${number}`) ?? [])];
  }

  async fileAt(repository: RepoRef, ref: string, path: string, maxBytes: number): Promise<RepoFile | null> {
    this.#call("fileAt", repository, ref, path, maxBytes);
    const text = this.trees.get(`${fullName(repository)}@${ref}`)?.get(path);
    if (text === undefined) return null;
    return Buffer.byteLength(text) > maxBytes
      ? { path, text: "", skipped: "skipped: too large" }
      : { path, text };
  }

  async filesAt(
    repository: RepoRef,
    ref: string,
    dirs: readonly string[],
    limits: { files: number; bytes: number; reuse?: ReadonlyMap<string, string> },
  ) {
    this.#call("filesAt", repository, ref, dirs, limits);
    const tree = this.trees.get(`${fullName(repository)}@${ref}`) ?? new Map<string, string>();
    const wanted = new Set(dirs);
    const dirOf = (p: string) => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : ".");
    const matching = [...tree].filter(([p]) => /\.(tf|tfvars)$/.test(p) && wanted.has(dirOf(p)));
    const files: RepoFile[] = matching
      .slice(0, limits.files)
      .map(([path, text]) =>
        Buffer.byteLength(text) > limits.bytes
          ? { path, text: "", skipped: "skipped: too large" }
          : { path, text },
      );
    return { files, truncated: matching.length > limits.files };
  }

  async directoriesAt(
    repository: RepoRef,
    refs: readonly string[],
    dirs: readonly string[],
    limits: { files: number; bytes: number },
  ) {
    this.#call("directoriesAt", repository, refs, dirs, limits);
    const sides: Array<{ files: RepoFile[]; truncated: boolean }> = [];
    for (const ref of refs) {
      const tree = this.trees.get(`${fullName(repository)}@${ref}`) ?? new Map<string, string>();
      const wanted = new Set(dirs);
      const dirOf = (p: string) => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : ".");
      const matching = [...tree].filter(([p]) => /\.(tf|tfvars)$/.test(p) && wanted.has(dirOf(p)));
      const files: RepoFile[] = matching
        .slice(0, limits.files)
        .map(([path, text]) =>
          Buffer.byteLength(text) > limits.bytes
            ? { path, text: "", skipped: "skipped: too large" }
            : { path, text },
        );
      sides.push({ files, truncated: matching.length > limits.files });
    }
    return sides;
  }

  async defaultBranch(repository: RepoRef) {
    this.#call("defaultBranch", repository);
    return this.defaultBranchName;
  }

  async commitExists(repository: RepoRef, sha: string) {
    this.#call("commitExists", repository, sha);
    return true;
  }

  async compareCommits(repository: RepoRef, base: string, head: string) {
    this.#call("compareCommits", repository, base, head);
    return base === head ? "identical" : "ahead";
  }

  async fileText(repository: RepoRef, path: string, ref: string) {
    this.#call("fileText", repository, path, ref);
    return this.files.get(`${fullName(repository)}:${path}`) ?? null;
  }

  async createCheckRun(repository: RepoRef, input: CheckRunInput) {
    this.#call("createCheckRun", repository, input);
    const id = this.#next++;
    this.checkRuns.push({ id, repository: fullName(repository), ...input });
    return { id, url: `${this.host}/${fullName(repository)}/runs/${id}` };
  }

  async updateCheckRun(repository: RepoRef, id: number, input: Partial<CheckRunInput>) {
    this.#call("updateCheckRun", repository, id, input);
    const run = this.checkRuns.find((r) => r.id === id);
    if (run) Object.assign(run, input);
  }

  async ciReports(repository: RepoRef, sha: string, branch: string | null) {
    this.#call("ciReports", repository, sha, branch);
    return this.ci;
  }

  async permissionOf(repository: RepoRef, login: string) {
    this.#call("permissionOf", repository, login);
    return this.permissions.get(`${fullName(repository)} ${login}`) ?? "none";
  }

  async isTeamMember(team: string, login: string) {
    this.#call("isTeamMember", team, login);
    return this.teams.get(team)?.has(login) ?? false;
  }

  async teamExists(org: string, slug: string) {
    this.#call("teamExists", org, slug);
    return this.teams.has(`${org}/${slug}`);
  }

  async codeScanningAlerts(repository: RepoRef) {
    this.#call("codeScanningAlerts", repository);
    return this.alerts;
  }

  async codeScanningAnalyses(repository: RepoRef) {
    this.#call("codeScanningAnalyses", repository);
    return this.analyses;
  }

  #pull(repository: RepoRef, number: number): MemoryPull | undefined {
    return this.pulls.find((p) => p.repository === fullName(repository) && p.number === number);
  }
}
