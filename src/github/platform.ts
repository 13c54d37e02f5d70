// The platform port: everything fixloop asks of the code host, as intents rather than REST calls
// (in the manner of renovate's `Platform` interface and release-please's `GitHub` class). Domain
// code (remediate/, verify/, app/, cli/) depends on this interface only; the one implementation
// that talks to GitHub is ./octokit-platform.ts, and tests of domain code can use the in-memory
// one in test/github/memory-platform.ts. Failures are the typed errors of ./errors.ts.

import type { FileChange } from "./git-data.ts";

/** A repository as fixloop addresses it: always this object, never an "owner/repo" string re-split. */
export interface RepoRef {
  owner: string;
  repo: string;
}

export const fullName = (r: RepoRef) => `${r.owner}/${r.repo}`;

/** The one place a stored "owner/repo" becomes a RepoRef (the store keeps the full name). */
export function repoRefOf(full: string): RepoRef {
  const slash = full.indexOf("/");
  if (slash <= 0 || slash === full.length - 1) throw new Error(`not an owner/repo name: ${full}`);
  return { owner: full.slice(0, slash), repo: full.slice(slash + 1) };
}

export interface IssueRef {
  number: number;
  url: string;
}

export interface EnsureIssueInput {
  repository: RepoRef;
  /** The issue fixloop keeps for this (the store remembers it); null: open a new one. */
  existing: IssueRef | null;
  title: string;
  body: string;
  /** Set when the issue is created (an existing issue keeps the labels people gave it). */
  labels: readonly string[];
}

export interface PullRequestDraft {
  repository: RepoRef;
  baseBranch: string;
  /** The default branch head the fix was computed on, and its tree. */
  baseSha: string;
  baseTreeSha: string;
  branch: string;
  title: string;
  body: string;
  commitMessage: string;
  files: readonly FileChange[];
  labels: readonly string[];
  assignees: readonly string[];
  /** `org/team` slugs and user logins to request review from. */
  teamReviewers: readonly string[];
  reviewers: readonly string[];
}

/** What an attempt has made so far (saved in the job's progress). */
export interface PullRequestProgress {
  branch?: string;
  commitSha?: string;
  baseSha?: string;
  prNumber?: number;
  prUrl?: string;
}

export interface OpenedPullRequest {
  number: number;
  url: string;
  commitSha: string;
  /** Review could not be requested (the team has no access to the repository…): said in the log and the store. */
  reviewProblem: string | null;
  adopted: boolean;
}

export interface PullRequestUpdate {
  repository: RepoRef;
  number: number;
  body: string;
  title: string;
  /** A new commit, when the fix changed: rebuilt on the current default branch and force-moved. */
  commit?: {
    branch: string;
    baseSha: string;
    baseTreeSha: string;
    files: readonly FileChange[];
    message: string;
  };
}

export interface PullRequestSummary {
  number: number;
  url: string;
  state: "open" | "closed";
  merged: boolean;
  branch: string;
  headSha: string;
}

export interface CheckRunInput {
  name: string;
  headSha: string;
  conclusion: "success" | "failure" | "neutral";
  completedAt: string;
  externalId?: string;
  detailsUrl?: string;
  output: { title: string; summary: string; text?: string; annotations?: CheckAnnotation[] };
}

/** A line of a file a check run points at (at most 50 per request, as GitHub takes them). */
export interface CheckAnnotation {
  path: string;
  startLine: number;
  endLine: number;
  level: "notice" | "warning" | "failure";
  message: string;
  title?: string;
  /** More detail, shown folded under the message. */
  rawDetails?: string;
}

/** A check run as GitHub reports it on a commit (the fields verify/ci-state.ts reads). */
export interface CheckRunReport {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  html_url: string | null;
  app: { id: number; slug?: string | null } | null;
  started_at?: string | null;
  check_suite?: { id: number } | null;
}

/** A commit status as GitHub reports it. */
export interface StatusReport {
  id: number;
  context: string;
  state: string;
  target_url: string | null;
  created_at?: string | null;
}

/** A required status check of a protected branch: a context name, or a context bound to an app. */
export type RequiredCheck = string | { context: string; appId?: number | null };

export interface CiReports {
  checkRuns: CheckRunReport[];
  statuses: StatusReport[];
  /** The default branch's required checks; null when it is not protected (every check counts). */
  required: RequiredCheck[] | null;
}

/** The fields of GitHub's code-scanning alert fixloop reads. */
export interface CodeScanningAlert {
  number: number;
  html_url: string;
  state: string | null;
  fixed_at?: string | null;
  dismissed_reason?: string | null;
  rule: { id?: string | null };
  tool: { name?: string };
  most_recent_instance: {
    category?: string;
    message?: { text?: string };
    location?: { path?: string; start_line?: number };
  };
}

export interface CodeScanningAnalysis {
  created_at: string;
  commit_sha: string;
  category?: string;
  tool: { name?: string };
}

export interface CodeScanningQuery {
  ref: string;
  /** The tool's driver name as code scanning files it; absent: every tool. */
  toolName?: string;
}

/** A file a pull request changes, as GitHub lists it (`patch` absent for binary or huge diffs). */
export interface PullRequestFile {
  path: string;
  /** The old path of a renamed file. */
  previousPath?: string;
  status: "added" | "removed" | "modified" | "renamed" | "copied" | "changed" | "unchanged" | (string & {});
  patch?: string;
}

/** A repository file's text at a ref; `skipped` says why the text is empty (too large, not text). */
export interface RepoFile {
  path: string;
  text: string;
  /** The blob's sha (filesAt): the same sha at another ref is the same text. */
  sha?: string;
  skipped?: string;
}

export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none" | (string & {});

export type ReactionContent = "+1" | "-1" | "laugh" | "confused" | "heart" | "hooray" | "rocket" | "eyes";

export interface Platform {
  // --- issues and comments ---
  /** Opens the issue, or rewrites and reopens the known one (one request either way). */
  ensureIssue(input: EnsureIssueInput): Promise<IssueRef & { created: boolean }>;
  /** Closes an issue as completed, after an optional closing comment. */
  ensureIssueClosed(repository: RepoRef, number: number, comment?: string): Promise<void>;
  /** Posts a comment on an issue or PR. */
  comment(repository: RepoRef, number: number, body: string): Promise<{ id: number; url: string }>;
  /**
   * fixloop's one comment carrying `marker` (an HTML comment in the body): edited in place, or posted.
   * `known` spares the listing when the caller remembers: the comment's id (edited directly; posted
   * again if it is gone), or null for "fixloop has not posted it" (posted directly).
   */
  ensureComment(input: {
    repository: RepoRef;
    number: number;
    marker: string;
    body: string;
    known?: number | null;
  }): Promise<{ id: number; url: string; created: boolean }>;
  /** A reaction on an issue or PR comment (acknowledging a command). */
  addReaction(repository: RepoRef, commentId: number, content: ReactionContent): Promise<void>;

  // --- pull requests ---
  /**
   * Opens a fix PR — commit, branch, PR, labels and assignees, review request — saving each step, so
   * a retry after a crash adopts the branch and PR an earlier attempt made instead of opening another.
   */
  openOrUpdatePullRequest(
    draft: PullRequestDraft,
    resume: { progress: PullRequestProgress; save: (p: PullRequestProgress) => Promise<void> },
  ): Promise<OpenedPullRequest>;
  /** Refreshes an open fix PR: a new commit only when the fix changed, then the title and body. */
  updatePullRequest(update: PullRequestUpdate): Promise<{ commitSha: string | null }>;
  /** The PRs whose head is `branch` in the repository itself (open and closed). */
  pullRequestsFor(repository: RepoRef, branch: string): Promise<PullRequestSummary[]>;
  /** Every open PR of the repository. */
  openPullRequests(repository: RepoRef): Promise<PullRequestSummary[]>;
  closePullRequest(repository: RepoRef, number: number, comment?: string): Promise<void>;
  /** Asks for review; a refusal (422/404: no access, or the author) is returned as text, not thrown. */
  requestReview(
    repository: RepoRef,
    number: number,
    who: { teams: readonly string[]; users: readonly string[] },
  ): Promise<string | null>;
  /** The files a PR changes, at most `limit` (truncated: GitHub lists more). */
  pullRequestFiles(
    repository: RepoRef,
    number: number,
    limit: number,
  ): Promise<{ files: PullRequestFile[]; truncated: boolean }>;
  /** Adds labels to an issue or PR, keeping the others (created first with fixloop's colours). */
  addLabels(repository: RepoRef, number: number, labels: readonly string[]): Promise<void>;
  /** Takes one label off an issue or PR (nothing when it is not there). */
  removeLabel(repository: RepoRef, number: number, label: string): Promise<void>;
  /** The names of the labels an issue or PR has now (whoever put them on). */
  issueLabels(repository: RepoRef, number: number): Promise<string[]>;
  /** Replaces the labels (created first with fixloop's colours when missing) and adds assignees. */
  setLabels(
    repository: RepoRef,
    number: number,
    labels: readonly string[],
    assignees?: readonly string[],
  ): Promise<void>;
  /** Creates the labels of `names` the repository lacks (cached: a warm repository costs nothing). */
  ensureLabels(repository: RepoRef, names: readonly string[]): Promise<void>;
  /** Whether the branch's head lacks these files on this base (a different base, or a different tree). */
  fixDiffers(
    repository: RepoRef,
    headSha: string,
    fix: { baseSha: string; baseTreeSha: string; files: readonly FileChange[] },
  ): Promise<boolean>;

  // --- repositories and commits ---
  defaultBranch(repository: RepoRef): Promise<string>;
  commitExists(repository: RepoRef, sha: string): Promise<boolean>;
  /** One file's text at `ref`; null when the file is not there. */
  fileAt(repository: RepoRef, ref: string, path: string, maxBytes: number): Promise<RepoFile | null>;
  /**
   * The Terraform files (`.tf`, `.tfvars`) directly in each of `dirs` at `ref`: one tree listing,
   * then one blob each; at most `limits.files` files, each at most `limits.bytes` (else skipped).
   * A blob whose sha is in `limits.reuse` (sha → text, e.g. the other side of a PR) is not fetched.
   */
  filesAt(
    repository: RepoRef,
    ref: string,
    dirs: readonly string[],
    limits: { files: number; bytes: number; reuse?: ReadonlyMap<string, string> },
  ): Promise<{ files: RepoFile[]; truncated: boolean }>;
  /**
   * `filesAt` for several refs at once, in one request where the host allows (GitHub's GraphQL
   * API: each directory's tree with its blobs' texts): one result per ref, in the order of `refs`.
   */
  directoriesAt(
    repository: RepoRef,
    refs: readonly string[],
    dirs: readonly string[],
    limits: { files: number; bytes: number },
  ): Promise<Array<{ files: RepoFile[]; truncated: boolean }>>;
  /** How `head` relates to `base`: ahead, behind, diverged or identical. */
  compareCommits(repository: RepoRef, base: string, head: string): Promise<string>;
  /** A small file's whole text at a ref (a branch, tag or sha); null when the file is not there. */
  fileText(repository: RepoRef, path: string, ref: string): Promise<string | null>;

  // --- checks and CI ---
  createCheckRun(repository: RepoRef, input: CheckRunInput): Promise<{ id: number; url: string }>;
  updateCheckRun(repository: RepoRef, id: number, input: Partial<CheckRunInput>): Promise<void>;
  /** The check runs and statuses on a commit, and the branch's required checks. */
  ciReports(repository: RepoRef, sha: string, branch: string | null): Promise<CiReports>;

  // --- people and teams ---
  /** The user's role on the repository ("none" when not a collaborator). */
  permissionOf(repository: RepoRef, login: string): Promise<Permission>;
  /** Active membership of `org/slug`. */
  isTeamMember(team: string, login: string): Promise<boolean>;
  /** true / false; undefined when GitHub would not say (no permission, or not an organization). */
  teamExists(org: string, slug: string): Promise<boolean | undefined>;

  // --- code scanning ---
  /** Alerts of every state on the ref (NotFound / Forbidden when code scanning is not available). */
  codeScanningAlerts(repository: RepoRef, query: CodeScanningQuery): Promise<CodeScanningAlert[]>;
  /** Analyses of the ref, most recent first ([] when there is none). */
  codeScanningAnalyses(repository: RepoRef, query: CodeScanningQuery): Promise<CodeScanningAnalysis[]>;
}
