// `fixloop fix <dir> --findings F --open-pr`: the pull requests the GitHub App opens, from a CI job
// with a token instead of an installation. Planning, branch names, commit message, PR body, labels,
// owner routing and the Git Data API calls are the app's own (src/remediate, src/github); what
// differs is where things come from (open-pr-setup.ts) and that "is there a PR already" is asked of
// GitHub instead of the store — so a CI job that runs twice updates its PR instead of opening another.

import type { SimpleGit } from "simple-git";
import { isRuleEnabled } from "../../config/repo-config.ts";
import { fullName } from "../../github/platform.ts";
import type { PrFinding } from "../../github/pr-body.ts";
import { buildIndex, type SourceFile, type TerraformIndex } from "../../hcl/index.ts";
import type { FindingFixResult } from "../../ingest/fix-findings.ts";
import type { TriagedFinding } from "../../ingest/triage-finding.ts";
import { type GroupFixPlan, type PatchPlan, planFix } from "../../remediate/plan-fix.ts";
import {
  deliverPullRequest,
  type FixPullRequests,
  overLimit,
  prBranch,
  prContent,
  prOwner,
} from "../../remediate/pr-delivery.ts";
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
  given: { tree: { sources: SourceFile[]; index: TerraformIndex }; input: FindingsInput },
  options: {
    format: "text" | "json";
    base: string | undefined;
    /** From flags (--require-kms); otherwise the repository's fixloop.yml `rules.options`. */
    ruleOptions?: RuleOptions | undefined;
  },
  io: CliIo,
): Promise<number> {
  const { input } = given;
  const { sources, index } = atRepositoryRoot(given.tree, setup.prefix);
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
  for (const { t, plan, skip } of planned) {
    if (skip || plan.kind !== "patch") {
      outcomes.push({ result: plan.result, action: "none", detail: skip ?? "", pr: null });
      continue;
    }
    try {
      outcomes.push(await openOne(setup, { t, plan, index, codeownersRules, baseBranch }));
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
  const { platform, repository, config } = setup;
  const open = await platform.openPullRequests(repository);
  const ours = new Set(open.map((p) => p.branch).filter((ref) => ref.startsWith(`${config.branchPrefix}/`)));
  const limits = { repository: config.limits.openPrsPerRepository, team: Number.POSITIVE_INFINITY };
  let count = ours.size;
  const byRisk = [...work].sort((a, b) => b.t.risk.score - a.t.risk.score);
  for (const w of byRisk) {
    if (w.plan.kind !== "patch") continue;
    if (ours.has(prBranch(config, w.plan, w.t.dedupeKey))) continue;
    const over = overLimit({ repository: count, team: null }, limits);
    if (over) {
      w.skip = `not opened: ${fullName(repository)} has ${over.count} open fixloop PRs (limits.openPrsPerRepository: ${over.limit}); riskier findings went first — it opens on a later run, once some merge or close`;
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
}

async function openOne(setup: OpenPrSetup, w: OneFinding): Promise<PrOutcome> {
  const { platform, repository, config, base } = setup;
  const { t, plan } = w;
  const f = t.finding;
  const loc = plan.result.location;
  const located = loc.kind === "located" ? loc.candidate.resource : undefined;
  const owner = prOwner(
    {
      finding: { context: f.context, resource: f.resource },
      located: located ? { index: w.index, resource: located } : null,
      file: plan.target.file,
      codeowners: w.codeownersRules,
    },
    config,
  );
  // No approval step outside the app: a gated or disruptive fix (the CLI's --allow-disruptive does
  // not apply here) is opened, but always asks for a security review.
  const disruptive = f.rule.catalogId ? ruleById(f.rule.catalogId)?.disruptive === true : false;
  const content = prContent({
    host: setup.host,
    config,
    plan,
    findings: [prFindingOf(t)],
    owner,
    // Not shown for a PR opened from CI (nothing verifies it), but the type wants a concrete mode.
    verification: "code",
    origin: "cli",
    commands: [],
    tier: t.risk.tier,
    forceSecurityReview: t.gate.gate === "pr_after_approval" || disruptive,
  });
  const branch = prBranch(config, plan, t.dedupeKey);
  const team = content.teamReviewers[0] ?? null;
  const pr = (number: number, url: string) => ({ number, url, branch, team, reviewers: content.reviewers });

  const existing = await platform.pullRequestsFor(repository, branch);
  const open = existing.find((p) => p.state === "open");
  const declined = existing.find((p) => p.state === "closed" && !p.merged);
  if (!open && declined)
    return {
      result: plan.result,
      action: "declined",
      detail: `${declined.url} was closed without merging: fixloop opens no other PR for this finding (reopen it to have it updated)`,
      pr: null,
    };
  // The PR was listed by its head branch: that branch is the one to move (a listing may omit it).
  const listed = open ? { ...open, branch } : undefined;
  const outcome = await deliverPullRequest(platform, githubPullRequests(setup, listed), {
    repository,
    baseBranch: w.baseBranch as string,
    base,
    branch,
    plan,
    content,
    team: owner.team,
    limits: null, // applied to the whole run, riskiest first (applyRepositoryLimit)
    resume: { progress: {}, save: async () => {} },
  });
  if (outcome.kind === "over-limit") throw new Error("unreachable: the CLI applies no limit per PR");
  if (outcome.kind === "opened") {
    const { opened } = outcome;
    const detail = opened.reviewProblem ?? (t.gate.gate === "pr_after_approval" ? t.gate.reason : "");
    return { result: plan.result, action: "opened", detail, pr: pr(opened.number, opened.url) };
  }
  const changed = outcome.kind === "updated";
  return {
    result: plan.result,
    action: changed ? "updated" : "unchanged",
    detail: changed ? "new commit: the fix changed" : "already carries this fix; body refreshed",
    pr: pr(outcome.pr.number, outcome.pr.url),
  };
}

/** The CLI's side of the pipeline's port: its PRs, and whether their branch has the fix, from GitHub. */
function githubPullRequests(
  setup: OpenPrSetup,
  open: { number: number; url: string; branch: string; headSha: string } | undefined,
): FixPullRequests {
  return {
    existing: async () => (open ? { number: open.number, url: open.url, branch: open.branch } : null),
    fixChanged: (_pr, plan) =>
      setup.platform.fixDiffers(setup.repository, (open as { headSha: string }).headSha, {
        ...setup.base,
        files: plan.files,
      }),
    openCounts: async () => ({ repository: 0, team: null }),
  };
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
