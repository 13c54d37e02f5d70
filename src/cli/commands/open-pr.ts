// `fixloop fix <dir> --findings F --open-pr`: the pull requests the GitHub App opens, from a CI job
// with a token instead of an installation. Planning, branch names, commit message, PR body, labels,
// owner routing and the Git Data API calls are the app's own (src/remediate, src/github); what
// differs is where things come from (open-pr-setup.ts) and that "is there a PR already" is asked of
// GitHub instead of the store — so a CI job that runs twice updates its PR instead of opening another.

import type { SimpleGit } from "simple-git";
import { isRuleEnabled } from "../../config/repo-config.ts";
import { fullName, type GitHub, type RepoRef } from "../../github/client.ts";
import type { FileChange } from "../../github/git-data.ts";
import { ensureLabels, labelsFor } from "../../github/labels.ts";
import { type PrFinding, renderPrBody } from "../../github/pr-body.ts";
import { openPullRequest, updatePullRequest } from "../../github/pull-requests.ts";
import { buildIndex, type SourceFile, type TerraformIndex } from "../../hcl/index.ts";
import type { FindingFixResult } from "../../ingest/fix-findings.ts";
import type { TriagedFinding } from "../../ingest/triage-finding.ts";
import { resolveOwner } from "../../owners/resolve-owner.ts";
import { fixBranchName } from "../../remediate/branch-name.ts";
import {
  fixCommitMessage,
  type GroupFixPlan,
  type PatchPlan,
  planFix,
  prTitle,
} from "../../remediate/plan-fix.ts";
import { guidanceOf } from "../../remediate/present.ts";
import { type RuleOptions, ruleById } from "../../rules/registry.ts";
import type { FindingsInput } from "../findings-input.ts";
import { CliError, type CliIo } from "../io.ts";
import { terminalSafe } from "../text.ts";
import { findingResultJson } from "./fix-output.ts";
import {
  CONFIG_PATH,
  checkBase,
  codeownersAtHead,
  githubFailure,
  type OpenPrSetup,
  readAtHead,
} from "./open-pr-setup.ts";

export { type OpenPrDeps, prepareOpenPr, requireToken } from "./open-pr-setup.ts";

type Action = "opened" | "updated" | "unchanged" | "declined" | "none";
interface PrOutcome {
  result: FindingFixResult;
  action: Action;
  detail: string;
  pr: { number: number; url: string; branch: string; team: string | null; reviewers: string[] } | null;
}

/** Plans every finding, checks the base on GitHub, then opens or updates one PR per fixed finding. */
export async function openPullRequests(
  setup: OpenPrSetup,
  tree: { sources: SourceFile[]; index: TerraformIndex },
  input: FindingsInput,
  options: {
    format: "text" | "json";
    base: string | undefined;
    /** From flags (--require-kms); otherwise the repository's fixloop.yml `rules.options`. */
    ruleOptions?: RuleOptions | undefined;
  },
  io: CliIo,
): Promise<number> {
  const { sources, index } = atRepositoryRoot(tree, setup.prefix);
  const codeownersRules = await codeownersAtHead(setup.git);
  const planned: Array<{ t: TriagedFinding; plan: GroupFixPlan; skip?: string }> = [];
  const seen = new Map<string, string>();
  for (const t of input.triaged) {
    const plan = await planFix(sources, index, t, options.ruleOptions ?? setup.config.rules.options);
    const rule = t.finding.rule.catalogId;
    const first = seen.get(t.dedupeKey);
    seen.set(t.dedupeKey, first ?? t.finding.source.findingId);
    const skip = first
      ? `the same finding as ${first}: one pull request covers both`
      : rule && !isRuleEnabled(setup.config, rule)
        ? `rule ${rule} is disabled in ${CONFIG_PATH}`
        : plan.kind === "no-patch"
          ? plan.reason
          : uncommitted(plan, sources, await headTexts(setup.git, plan));
    planned.push({ t, plan, ...(skip ? { skip } : {}) });
  }
  const outcomes: PrOutcome[] = [];
  const work = planned.filter((p) => !p.skip && p.plan.kind === "patch");
  const baseBranch = work.length > 0 ? await checkBase(setup, options.base) : (options.base ?? null);
  if (work.length > 0) await applyRepositoryLimit(setup, work);
  const labelCache = new Set<string>();
  for (const { t, plan, skip } of planned) {
    if (skip || plan.kind !== "patch") {
      outcomes.push({ result: plan.result, action: "none", detail: skip ?? "", pr: null });
      continue;
    }
    try {
      outcomes.push(await openOne(setup, { t, plan, index, codeownersRules, baseBranch, labelCache }));
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw githubFailure(e, `open the pull request for ${t.finding.source.findingId}`, setup.scrub);
    }
  }
  io.stdout.write(
    options.format === "json" ? outputJson(setup, baseBranch, outcomes, input) : outputText(outcomes),
  );
  return outcomes.every((o) => o.pr !== null) && input.rejected.length === 0 ? 0 : 1;
}

/**
 * The app's noise budget, per repository: new PRs stop at `limits.openPrsPerRepository` open fixloop
 * PRs (branches under `branchPrefix`), riskiest findings first; a finding whose PR is already open is
 * updated regardless. The rest are reported without a PR and get one on a later run, once some merge
 * or close. (The per-team limit needs the app's store of who owns which PR; the CLI has none.)
 */
async function applyRepositoryLimit(
  setup: OpenPrSetup,
  work: Array<{ t: TriagedFinding; plan: GroupFixPlan; skip?: string }>,
): Promise<void> {
  const { gh, repository, config } = setup;
  const open = await gh.paginate(gh.rest.pulls.list, { ...repository, state: "open", per_page: 100 });
  const ours = new Set(
    open.map((p) => p.head.ref).filter((ref) => ref.startsWith(`${config.branchPrefix}/`)),
  );
  const limit = config.limits.openPrsPerRepository;
  let count = ours.size;
  const byRisk = [...work].sort((a, b) => b.t.risk.score - a.t.risk.score);
  for (const w of byRisk) {
    if (w.plan.kind !== "patch") continue;
    const branch = fixBranchName(config.branchPrefix, w.plan.ruleIds[0] ?? null, w.t.dedupeKey);
    if (ours.has(branch)) continue;
    if (count >= limit) {
      w.skip = `not opened: ${fullName(repository)} has ${count} open fixloop PRs (limits.openPrsPerRepository: ${limit}); riskier findings went first — it opens on a later run, once some merge or close`;
      continue;
    }
    count++;
  }
}

/** Paths relative to the repository root: the tree sent to GitHub, CODEOWNERS and the diff need them. */
function atRepositoryRoot(tree: { sources: SourceFile[]; index: TerraformIndex }, prefix: string) {
  if (!prefix) return tree;
  const sources = tree.sources.map((s) => ({ path: `${prefix}/${s.path}`, text: s.text }));
  return { sources, index: buildIndex(sources) };
}

async function headTexts(git: SimpleGit, plan: GroupFixPlan) {
  const files = plan.kind === "patch" ? plan.files : [];
  return new Map(await Promise.all(files.map(async (f) => [f.path, await readAtHead(git, f.path)] as const)));
}

/** The PR is built on HEAD: a file whose working copy differs would carry changes nobody committed. */
function uncommitted(plan: PatchPlan, sources: SourceFile[], atHead: Map<string, string | null>) {
  // A file the fix creates is in neither: null at HEAD, no source.
  const dirty = plan.files.filter(
    (f) => (atHead.get(f.path) ?? undefined) !== sources.find((s) => s.path === f.path)?.text,
  );
  if (dirty.length === 0) return undefined;
  return `${dirty.map((f) => f.path).join(", ")} differ${dirty.length === 1 ? "s" : ""} from HEAD: the pull request is built on HEAD, so commit and push first`;
}

interface OneFinding {
  t: TriagedFinding;
  plan: PatchPlan;
  index: TerraformIndex;
  codeownersRules: Awaited<ReturnType<typeof codeownersAtHead>>;
  baseBranch: string | null;
  labelCache: Set<string>;
}

async function openOne(setup: OpenPrSetup, w: OneFinding): Promise<PrOutcome> {
  const { gh, repository, config, base } = setup;
  const { t, plan } = w;
  const f = t.finding;
  const loc = plan.result.location;
  const located = loc.kind === "located" ? loc.candidate.resource : undefined;
  const owner = resolveOwner(
    {
      finding: { context: f.context, resource: f.resource },
      located: located ? { index: w.index, resource: located } : null,
      file: plan.target.file,
      codeowners: w.codeownersRules,
    },
    config,
  );
  const body = renderPrBody({
    host: setup.host,
    findings: [prFindingOf(t)],
    change: {
      files: plan.files.map((c) => c.path),
      diff: plan.diff,
      fixes: plan.fixes,
    },
    impactNotes: plan.impact,
    // Not shown for a PR opened from CI (nothing verifies it), but the type wants a concrete mode.
    verification: { mode: "code", waitHours: config.verification.waitHours },
    routing: owner.explanation,
    commands: [],
    origin: "cli",
  });
  const title = prTitle(plan);
  const message = fixCommitMessage(plan, [t.dedupeKey]);
  const branch = fixBranchName(config.branchPrefix, plan.ruleIds[0] ?? null, t.dedupeKey);
  const team = config.owners.requestReview ? owner.team : null;
  const reviewers = config.owners.requestReview ? owner.reviewers : [];
  const pr = (number: number, url: string) => ({ number, url, branch, team, reviewers });

  const existing = await gh.rest.pulls.list({
    ...repository,
    head: `${repository.owner}:${branch}`,
    state: "all",
  });
  const open = existing.data.find((p) => p.state === "open");
  if (open) {
    const changed = await fixChanged(gh, repository, open.head.sha, base, plan.files);
    const commit = changed ? { commit: { branch, ...base, files: plan.files, message } } : {};
    await updatePullRequest(gh, { repository, number: open.number, title, body, ...commit });
    return changed
      ? {
          result: plan.result,
          action: "updated",
          detail: "new commit: the fix changed",
          pr: pr(open.number, open.html_url),
        }
      : {
          result: plan.result,
          action: "unchanged",
          detail: "already carries this fix; body refreshed",
          pr: pr(open.number, open.html_url),
        };
  }
  const declined = existing.data.find((p) => p.state === "closed" && !p.merged_at);
  if (declined)
    return {
      result: plan.result,
      action: "declined",
      detail: `${declined.html_url} was closed without merging: fixloop opens no other PR for this finding (reopen it to have it updated)`,
      pr: null,
    };
  // No approval step outside the app: a gated or disruptive fix (the CLI's --allow-disruptive does
  // not apply here) is opened, but always asks for a security review.
  const labels = labelsFor({ tier: t.risk.tier, impactNotes: plan.impact.length > 0 }, config);
  const disruptive = t.finding.rule.catalogId ? ruleById(t.finding.rule.catalogId)?.disruptive : false;
  if ((t.gate.gate === "pr_after_approval" || disruptive) && !labels.includes(config.securityReview.label))
    labels.push(config.securityReview.label);
  await ensureLabels(gh, repository, labels, w.labelCache);
  const draft = {
    repository,
    baseBranch: w.baseBranch as string,
    ...base,
    branch,
    title,
    body,
    commitMessage: message,
    files: plan.files,
    labels,
    assignees: config.owners.assignees,
    teamReviewers: team ? [team] : [],
    reviewers,
  };
  const opened = await openPullRequest(gh, draft, {}, async () => {});
  const detail = opened.reviewProblem ?? (t.gate.gate === "pr_after_approval" ? t.gate.reason : "");
  return { result: plan.result, action: "opened", detail, pr: pr(opened.number, opened.url) };
}

/**
 * Whether the open PR's branch lacks this fix: a different base, or a different tree. GitHub names a
 * tree by its content, so creating the tree again makes nothing new and says whether it matches.
 */
async function fixChanged(
  gh: GitHub,
  repo: RepoRef,
  headSha: string,
  base: { baseSha: string; baseTreeSha: string },
  files: readonly FileChange[],
): Promise<boolean> {
  const head = await gh.rest.git.getCommit({ ...repo, commit_sha: headSha });
  if (head.data.parents.length !== 1 || head.data.parents[0]?.sha !== base.baseSha) return true;
  const tree = await gh.rest.git.createTree({
    ...repo,
    base_tree: base.baseTreeSha,
    tree: files.map((f) => ({
      path: f.path,
      mode: "100644" as const,
      type: "blob" as const,
      content: f.content,
    })),
  });
  return tree.data.sha !== head.data.tree.sha;
}

/** A triaged finding as the PR body presents it (present.ts does the same for a stored one). */
function prFindingOf(t: TriagedFinding): PrFinding {
  const f = t.finding;
  const { score, tier, explanation, factors } = t.risk;
  return {
    id: t.dedupeKey,
    title: f.title,
    rule: f.rule,
    sourceTool: f.source.tool,
    firstSeen: f.firstSeen ?? null,
    sourceLink: f.context.remediationUrl ?? null,
    risk: { score, tier, explanation, factors },
    attackPath: f.context.attackPath === true,
    attackPathText: f.context.attackPathText ?? null,
    guidance: guidanceOf(f.context),
  };
}

function outputText(outcomes: PrOutcome[]): string {
  // Each line is one line by construction: terminalSafe shows any control or line break a field carries.
  const lines = outcomes.flatMap((o) => {
    const f = o.result.triaged.finding;
    const head = `${(o.pr ? o.action : "no PR").padEnd(9)} ${f.source.tool} ${f.source.findingId} [${o.result.triaged.risk.tier} ${o.result.triaged.risk.score}]`;
    if (!o.pr) return [head, `    ${o.detail}`].map(terminalSafe);
    const review = [o.pr.team, ...o.pr.reviewers].filter(Boolean).map((r) => `@${r}`);
    const to = review.length > 0 ? `; review: ${review.join(", ")}` : "";
    return [`${head} → ${o.pr.url}`, `    branch ${o.pr.branch}${to}${o.detail ? `; ${o.detail}` : ""}`].map(
      terminalSafe,
    );
  });
  const n = (a: Action) => outcomes.filter((o) => o.pr && o.action === a).length;
  const none = outcomes.filter((o) => !o.pr).length;
  lines.push(
    "",
    `${n("opened")} opened, ${n("updated")} updated, ${n("unchanged")} unchanged; ${none} finding${none === 1 ? "" : "s"} without a pull request.`,
  );
  return `${lines.join("\n")}\n`;
}

function outputJson(
  setup: OpenPrSetup,
  baseBranch: string | null,
  outcomes: PrOutcome[],
  input: FindingsInput,
): string {
  const results = outcomes.map((o) => ({
    ...findingResultJson(o.result),
    pullRequest: o.pr ? { action: o.action, ...o.pr, detail: o.detail } : null,
    ...(o.pr ? {} : { noPullRequest: o.detail }),
  }));
  const out = {
    repository: fullName(setup.repository),
    baseBranch,
    baseSha: setup.base.baseSha,
    results,
    rejected: input.rejected,
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
