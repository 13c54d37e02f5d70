// Segregation of duties for exceptions written as code: a pull request that changes
// `.github/fixloop-exceptions.yml` gets a `fixloop/exceptions` check run that fails, with one
// annotation per bad entry on its line, when an entry's approver is not in the security team, is
// the PR's author, has no expiry, or ends later than its tier allows — and the security team is
// asked to review. The tier is that of the findings the entry covers (the strictest of them), or,
// when it covers none yet, the strictest tier of all (the smallest `exceptions.maxDays`).

import { errorsAsMarkdown } from "../config/config-errors.ts";
import {
  EXCEPTIONS_PATH,
  type ExceptionEntry,
  endOfDay,
  entryMatches,
  parseExceptionsFile,
} from "../config/exceptions-file.ts";
import type { RepoConfig } from "../config/repo-config.ts";
import { type CheckAnnotation, fullName, type Platform, type RepoRef } from "../github/platform.ts";
import { type ExceptionCandidate, exceptionCandidates } from "../store/exceptions.ts";
import type { Store } from "../store/store.ts";
import { EXCEPTIONS_CHECK, matchable } from "./exceptions-file.ts";

const DAY_MS = 86_400_000;
type Tier = keyof RepoConfig["exceptions"]["maxDays"];

export interface ExceptionsPullRequest {
  repository: RepoRef;
  number: number;
  author: string;
  headSha: string;
  baseSha: string;
}

/** The longest an entry may run: its covered findings' strictest tier, else the strictest of all. */
function limitFor(entry: ExceptionEntry, candidates: readonly ExceptionCandidate[], config: RepoConfig) {
  const max = config.exceptions.maxDays;
  const tiers = candidates.filter((c) => entryMatches(entry, matchable(c))).map((c) => c.riskTier as Tier);
  const pool = (tiers.length > 0 ? tiers : (Object.keys(max) as Tier[])).filter((t) => t in max);
  const tier = pool.reduce((a, b) => (max[b] < max[a] ? b : a));
  return { tier, days: max[tier], covers: tiers.length };
}

/** What is wrong with one entry (empty: it may be merged once the security team approves). */
async function entryProblems(
  entry: ExceptionEntry,
  pr: ExceptionsPullRequest,
  ctx: { platform: Platform; config: RepoConfig; candidates: readonly ExceptionCandidate[]; now: number },
): Promise<string[]> {
  const problems: string[] = [];
  const team = ctx.config.securityTeam;
  if (entry.approvedBy.toLowerCase() === pr.author.toLowerCase())
    problems.push(
      `approvedBy @${entry.approvedBy} is the pull request's author: nobody approves their own exception`,
    );
  if (team === null)
    problems.push("no securityTeam is configured in fixloop.yml: nobody may approve an exception");
  else if (!(await ctx.platform.isTeamMember(team, entry.approvedBy)))
    problems.push(`approvedBy @${entry.approvedBy} is not a member of the security team @${team}`);
  const limit = limitFor(entry, ctx.candidates, ctx.config);
  const today = new Date(ctx.now).toISOString().slice(0, 10);
  const latest = (endOfDay(today) as number) + (limit.days - 1) * DAY_MS;
  if (entry.expiresAt > latest) {
    const last = new Date(latest - DAY_MS).toISOString().slice(0, 10);
    const whose =
      limit.covers > 0
        ? `its ${limit.tier} finding`
        : `the strictest tier (${limit.tier}; it covers no finding yet)`;
    problems.push(
      `expires ${entry.expires} is longer than ${limit.days} days, the limit for ${whose}: at the latest ${last}`,
    );
  }
  return problems;
}

const annotation = (line: number, message: string): CheckAnnotation => ({
  path: EXCEPTIONS_PATH,
  startLine: line,
  endLine: line,
  level: "failure",
  message,
});

/** The verdict on the PR's file: annotations per bad entry, or the file's validation errors. */
async function verdict(
  text: string | null,
  pr: ExceptionsPullRequest,
  ctx: Parameters<typeof entryProblems>[2],
) {
  const parsed = parseExceptionsFile(text);
  if (!parsed.ok) {
    const annotations = parsed.errors.map((e) =>
      annotation(parsed.lines.get(e.path) ?? 1, `${e.path || "(whole file)"}: ${e.message}`),
    );
    return { annotations, details: errorsAsMarkdown(parsed.errors), entries: 0 };
  }
  const annotations: CheckAnnotation[] = [];
  const lines: Array<{ path: string; message: string }> = [];
  for (const entry of parsed.entries) {
    const problems = await entryProblems(entry, pr, ctx);
    if (problems.length === 0) continue;
    annotations.push(annotation(entry.line, problems.join("; ")));
    lines.push(...problems.map((message) => ({ path: `exceptions[${entry.index}]`, message })));
  }
  return { annotations, details: errorsAsMarkdown(lines), entries: parsed.entries.length };
}

/** A PR opened or pushed to: when it changes the exceptions file, the check run and the review request. */
export async function checkExceptionsPullRequest(
  store: Store,
  platform: Platform,
  config: RepoConfig,
  pr: ExceptionsPullRequest,
): Promise<"unchanged" | "success" | "failure"> {
  const head = await platform.fileText(pr.repository, EXCEPTIONS_PATH, pr.headSha);
  const base = await platform.fileText(pr.repository, EXCEPTIONS_PATH, pr.baseSha);
  if (head === base) return "unchanged";
  const now = store.now();
  const scope = pr.repository.repo === ".github" ? null : fullName(pr.repository);
  const candidates = await exceptionCandidates(store.db, pr.repository.owner, scope);
  const v = await verdict(head, pr, { platform, config, candidates, now });
  const failed = v.annotations.length > 0;
  await platform.createCheckRun(pr.repository, {
    name: EXCEPTIONS_CHECK,
    headSha: pr.headSha,
    conclusion: failed ? "failure" : "success",
    completedAt: new Date(now).toISOString(),
    output: {
      title: failed
        ? `${v.annotations.length} exception entr${v.annotations.length === 1 ? "y needs" : "ies need"} changes`
        : `${v.entries} exception entr${v.entries === 1 ? "y" : "ies"}: approvers, authors and expiries check out`,
      summary: failed
        ? `An exception needs a security-team approver who is not the PR's author, an expiry, and no more days than its tier allows.\n\n${v.details}`
        : "Every entry is approved by a member of the security team other than the author, within its tier's limit. The security team still reviews the pull request.",
      annotations: v.annotations,
    },
  });
  if (config.securityTeam)
    await platform.requestReview(pr.repository, pr.number, { teams: [config.securityTeam], users: [] });
  return failed ? "failure" : "success";
}
