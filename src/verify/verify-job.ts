// The `verify` job: a merged fixloop fix becomes a resolved finding only when CI on the merge
// commit is green and the re-scans the configuration asks for confirm it; otherwise the finding is
// reopened with the reason in words. It runs on the merge, again when a CI webhook for the commit
// arrives, and every half hour while it waits (the sweep flags it overdue after the window).
// The evidence is gathered in ./verify-steps.ts, the decision is pure (./decide.ts), the state
// change and the verification rows are one transaction; the notifications are idempotent through
// the job's saved progress (a retry after a crash finishes them without posting twice).

import { errorsAsLine } from "../config/config-errors.ts";
import { resourceLabel } from "../evidence/labels.ts";
import { webLink } from "../github/hosts.ts";
import { type RepoRef, repoRefOf } from "../github/platform.ts";
import type { JobHandler } from "../jobs/worker.ts";
import { runCommand } from "../lifecycle/apply.ts";
import { startVerification, type VerdictDecision, verdict } from "../lifecycle/commands.ts";
import type { Actor } from "../lifecycle/machine.ts";
import { VERIFYING_STATES } from "../lifecycle/states.ts";
import type { RemediationEnv } from "../remediate/env.ts";
import { CONFIG_RETRY_MS } from "../remediate/remediate-job.ts";
import { auditTrail } from "../store/audit.ts";
import {
  findingSources,
  getFinding,
  type StoredFinding,
  startVerificationWindow,
} from "../store/findings.ts";
import { latestMergedRemediation, type MergedRemediation, type Remediation } from "../store/remediations.ts";
import { type NewVerification, recordVerifications, verificationsOf } from "../store/verifications.ts";
import { codeScanningStep, withNote } from "./code-scanning.ts";
import {
  decide,
  effectiveMode,
  type ModeSetting,
  runtimeMatters,
  sourceCanRescan,
  type Verdict,
  type VerificationMode,
} from "./decide.ts";
import type { CheckedItem, VerificationContext } from "./verification-text.ts";
import { notify } from "./verify-notify.ts";
import { type CiCheck, type CodeCheck, checkCi, checkCode, latestRuntime } from "./verify-steps.ts";

const MINUTE = 60_000;
/** While waiting for CI or a runtime scan; a check webhook for the commit wakes the job earlier. */
export const VERIFY_RETRY_MS = 30 * MINUTE;
/** Past the deadline the owners have been told (overdue): look less often. */
export const OVERDUE_RETRY_MS = 6 * 60 * MINUTE;
/** The snapshot predates the merge (the push webhook has not refreshed it yet): look again soon. */
export const STALE_RETRY_MS = 2 * MINUTE;

export interface VerifyResult {
  outcome: "resolved" | "reopened" | "waiting-ci" | "waiting-runtime" | "invalid-config" | "nothing-to-do";
  detail: string;
  rescheduleAt?: number;
}

export interface VerifyProgress {
  /** The decision, saved before the state changes: a re-run only finishes its notifications. */
  verdict?: Verdict;
  checkRun?: { id: number; url: string };
  comment?: string;
  issue?: string | null;
}

export function verifyHandler(
  env: RemediationEnv,
  onResult?: (id: string, r: VerifyResult) => void,
): JobHandler {
  return async (payload, ctx) => {
    const findingId = (payload as { findingId?: unknown }).findingId;
    if (typeof findingId !== "string") throw new Error("verify job without a findingId");
    const progress = { ...((ctx.progress ?? {}) as VerifyProgress) };
    const result = await verifyFinding(env, findingId, {
      progress,
      save: (p) => ctx.saveProgress(p),
    });
    onResult?.(findingId, result);
    env.log.info({ findingId, outcome: result.outcome }, result.detail);
    return result.rescheduleAt !== undefined ? { rescheduleAt: result.rescheduleAt } : undefined;
  };
}

export interface ProgressIo {
  progress: VerifyProgress;
  save(p: VerifyProgress): Promise<void>;
}

export async function verifyFinding(
  env: RemediationEnv,
  findingId: string,
  io: ProgressIo = { progress: {}, save: async () => {} },
): Promise<VerifyResult> {
  const subject = await loadSubject(env, findingId, io);
  if ("outcome" in subject) return subject;
  if (subject.finding.state === "merged") await beginVerification(env, subject);
  const evidence = await gatherEvidence(env, subject);
  const plan = planVerification(evidence, {
    now: env.store.now(),
    overdue: subject.finding.verificationOverdueAt !== null,
    remediation: subject.remediation,
    repository: subject.repository,
  });
  if (plan.kind === "waiting") {
    if (plan.fresh.length > 0) await env.store.transaction((tx) => recordVerifications(tx, plan.fresh));
    return plan.result;
  }
  io.progress.verdict = plan.verdict;
  await io.save(io.progress);
  await env.store.transaction(async (tx) => {
    await recordVerifications(tx, plan.fresh);
    await runCommand(tx, findingId, verdict(plan.decision), env.store.now());
  });
  return finish(env, subject.finding, io);
}

/** What a verification is about: the finding, its merged fix and the repository's settings. */
interface Subject {
  finding: StoredFinding;
  remediation: MergedRemediation;
  repository: RepoRef;
  formats: string[];
  setting: ModeSetting;
  /** The mode before GitHub code scanning has answered (./decide.ts). */
  mode: VerificationMode;
  waitHours: number;
}

async function loadSubject(
  env: RemediationEnv,
  findingId: string,
  io: ProgressIo,
): Promise<Subject | VerifyResult> {
  const { store } = env;
  const finding = await getFinding(store.db, findingId);
  if (!finding) return { outcome: "nothing-to-do", detail: "finding is gone" };
  if (!VERIFYING_STATES.has(finding.state)) {
    // A retry after a crash between the decision and its notifications finishes them — only when
    // the decision was committed (the transaction may have lost a race instead).
    if (io.progress.verdict && committed(await auditTrail(store.db, findingId), io.progress.verdict))
      return finish(env, finding, io);
    return { outcome: "nothing-to-do", detail: `finding is ${finding.state}: nothing to verify` };
  }
  const remediation = await latestMergedRemediation(store.db, findingId);
  if (!remediation || finding.installationId === null)
    return { outcome: "nothing-to-do", detail: "no merged fixloop PR with a merge commit to verify" };
  const repository = repoRefOf(remediation.repository as string);
  const { owner, repo } = repository;
  const parsed = await env.repoConfig(finding.installationId, repository);
  if (!parsed.ok)
    return {
      outcome: "invalid-config",
      detail: `.github/fixloop.yml in ${owner}/${repo} is invalid (${errorsAsLine(parsed.errors)}): verification waits for it to be fixed`,
      rescheduleAt: store.now() + CONFIG_RETRY_MS,
    };
  const formats = (await findingSources(store.db, findingId)).map((s) => s.format);
  const setting = parsed.config.verification.mode as ModeSetting;
  const mode = effectiveMode(setting, sourceCanRescan(finding, formats));
  const waitHours = parsed.config.verification.waitHours;
  return { finding, remediation, repository, formats, setting, mode, waitHours };
}

/** merged → verifying, with a new verification window (a reopened finding merged again starts over). */
async function beginVerification(env: RemediationEnv, s: Subject): Promise<void> {
  const sha = s.remediation.mergeCommitSha;
  const reason = `verifying the merge commit ${sha}: CI, then ${rescansPlanned(s.mode, s.finding, s.formats)}`;
  const links = { pr: s.remediation.prUrl ?? undefined, commit: sha };
  await env.store.transaction(async (tx) => {
    const now = env.store.now();
    await runCommand(tx, s.finding.id, startVerification({ reason, links }), now);
    await startVerificationWindow(tx, s.finding.id, now + s.waitHours * 60 * MINUTE);
  });
}

/** What the verification has seen: CI on the merge commit, the code re-scan, the runtime re-scan. */
export interface Evidence {
  findingId: string;
  mode: VerificationMode;
  ci: CiCheck;
  code: CodeCheck | { stale: string } | null;
  runtime: CheckedItem | null;
  /** GitHub code scanning's note on the decision, if it had one. */
  scanningNote: string | null;
  context: VerificationContext;
  /** Verification rows already stored since the merge. */
  known: ReadonlyArray<{ kind: string; result: string; detail: string }>;
}

async function gatherEvidence(env: RemediationEnv, s: Subject): Promise<Evidence> {
  const { store } = env;
  const { finding, remediation, repository } = s;
  const installationId = finding.installationId as number;
  const mergedAt = mergeTime(await auditTrail(store.db, finding.id));
  const known = (await verificationsOf(store.db, finding.id)).filter(
    (v) => Date.parse(v.observedAt) >= mergedAt,
  );
  const gh = await env.platform(installationId);
  const installed =
    (await env.repositories(installationId, repository.owner)).find(
      (r) => r.owner === repository.owner && r.repo === repository.repo,
    ) ?? null;
  const defaultBranch = installed?.defaultBranch ?? null;
  const base = { findingId: finding.id, known, code: null, runtime: null, scanningNote: null };
  const ci = await checkCi(
    gh,
    { repository, sha: remediation.mergeCommitSha, defaultBranch, mergedAt },
    known,
    store.now(),
  );
  const pending = {
    ...base,
    mode: s.mode,
    ci,
    context: verificationContext(env, finding, remediation, { repository, mode: s.mode }),
  };
  if (ci.kind === "pending") return pending;
  const code = ci.kind === "green" ? await checkCode(env, gh, { finding, remediation, installed }) : null;
  if (code && "stale" in code) return { ...pending, code };
  const at = { repository, defaultBranch, mergedAt, needed: runtimeMatters(s.mode, ci, code), known };
  const scanning = await codeScanningStep(env, gh, finding, at);
  const mode = scanning.unavailable
    ? effectiveMode(s.setting, sourceCanRescan(finding, s.formats, false))
    : s.mode;
  const context = verificationContext(env, finding, remediation, { repository, mode });
  const runtime = await latestRuntime(env, finding, scanning.known);
  return { ...base, mode, ci, code, runtime, scanningNote: scanning.note, context };
}

export type VerificationPlan =
  | { kind: "waiting"; result: VerifyResult; fresh: NewVerification[] }
  | { kind: "verdict"; verdict: Verdict; decision: VerdictDecision; fresh: NewVerification[] };

/**
 * The decision, from the evidence alone (pure): wait (and when to look again), or the verdict with
 * what its notifications need and the lifecycle decision it makes. Only new verification rows
 * are stored.
 */
export function planVerification(
  e: Evidence,
  at: { now: number; overdue: boolean; remediation: MergedRemediation; repository: RepoRef },
): VerificationPlan {
  // Past the deadline the owners have been told (overdue): look less often.
  const retryAt = at.now + (at.overdue ? OVERDUE_RETRY_MS : VERIFY_RETRY_MS);
  const waiting = (result: VerifyResult, fresh: NewVerification[] = []): VerificationPlan => ({
    kind: "waiting",
    result,
    fresh,
  });
  if (e.ci.kind === "pending")
    return waiting({ outcome: "waiting-ci", detail: e.ci.detail, rescheduleAt: retryAt });
  if (e.code && "stale" in e.code)
    return waiting({ outcome: "waiting-ci", detail: e.code.stale, rescheduleAt: at.now + STALE_RETRY_MS });
  const checked: CheckedItem[] = [
    e.ci.item,
    ...(e.code ? [e.code.item] : []),
    ...(e.runtime ? [e.runtime] : []),
  ];
  const decision = withNote(
    decide(e.mode, { ci: e.ci, code: e.code, runtime: e.runtime }, e.context.resource),
    e.scanningNote,
  );
  const fresh = newRows(e.findingId, checked, e.known);
  if (decision.kind === "waiting")
    return waiting({ outcome: "waiting-runtime", detail: decision.detail, rescheduleAt: retryAt }, fresh);
  const { remediation } = at;
  const links = {
    ...(remediation.prUrl ? { pr: remediation.prUrl } : {}),
    commit: remediation.mergeCommitSha,
  };
  const assignment = remediation.assignment;
  return {
    kind: "verdict",
    fresh,
    verdict: {
      ...decision,
      context: e.context,
      checked,
      repository: at.repository,
      prNumber: remediation.prNumber as number,
      owners: [...(assignment.team ? [assignment.team] : []), ...assignment.reviewers],
    },
    decision:
      decision.kind === "verified"
        ? { verified: true, summary: decision.summary, links }
        : { verified: false, reason: decision.reason, newFix: decision.newFix, links },
  };
}

/** Posts what the decision owes people (check run, tracking issue, PR comment), each once. */
async function finish(env: RemediationEnv, finding: StoredFinding, io: ProgressIo): Promise<VerifyResult> {
  const verdict = io.progress.verdict as Verdict;
  await notify(env, await env.platform(finding.installationId), verdict, {
    progress: io.progress,
    save: (p) => io.save(p as VerifyProgress),
  });
  return verdict.kind === "verified"
    ? { outcome: "resolved", detail: `verified: ${verdict.summary}` }
    : { outcome: "reopened", detail: `not verified: ${verdict.reason}` };
}

/** What the verification will look at, in words, before it knows whether code scanning answers. */
function rescansPlanned(mode: VerificationMode, finding: StoredFinding, formats: readonly string[]): string {
  if (mode !== "both") return `the ${mode} re-scan`;
  // `both` only because GitHub code scanning may hold the SARIF scanner's results: it may not.
  if (!sourceCanRescan(finding, formats, false))
    return "the code re-scan and GitHub code scanning's alert (the code re-scan alone if code scanning is not enabled)";
  return "the code and runtime re-scans";
}

/** The verdict's own transition is in the trail, after the latest merge. */
function committed(
  trail: ReadonlyArray<{ from: string | null; to: string; actor: Actor }>,
  verdict: Verdict,
) {
  const last = trail.findLastIndex((e) => e.from === "verifying" && e.actor.kind === "app");
  const merged = trail.findLastIndex((e) => e.to === "merged");
  const to = verdict.kind === "verified" ? "resolved" : "reopened";
  return last > merged && trail[last]?.to === to;
}

/** The latest merge of the finding's fix (a reopened finding can be merged again later). */
function mergeTime(trail: ReadonlyArray<{ to: string; at: string }>): number {
  const merged = trail.filter((e) => e.to === "merged").at(-1);
  return merged ? Date.parse(merged.at) : 0;
}

/** Verification rows not stored yet: a waiting job observes the same facts every half hour, and
 *  runtime rows were written by the ingest that saw them. */
function newRows(
  findingId: string,
  checked: readonly CheckedItem[],
  known: ReadonlyArray<{ kind: string; result: string; detail: string }>,
): NewVerification[] {
  return checked
    .filter((c) => c.kind !== "runtime")
    .filter((c) => !known.some((k) => k.kind === c.kind && k.result === c.result && k.detail === c.detail))
    .map((c) => ({
      findingId,
      kind: c.kind,
      result: c.result,
      checkedBy: c.checkedBy,
      observedAt: Date.parse(c.observedAt),
      detail: c.detail,
      links: c.links,
    }));
}

export function verificationContext(
  env: RemediationEnv,
  finding: StoredFinding,
  remediation: Remediation,
  { repository, mode }: { repository: RepoRef; mode: VerificationMode },
): VerificationContext {
  const sha = remediation.mergeCommitSha as string;
  const { owner, repo } = repository;
  return {
    host: env.host,
    findingId: finding.id,
    title: finding.title,
    resource: resourceLabel(finding.resource),
    mergeCommit: sha,
    commitUrl: webLink(env.host, owner, repo, "commit", sha),
    prUrl: remediation.prUrl ?? webLink(env.host, owner, repo, "pull", remediation.prNumber ?? 0),
    mode,
    evidenceUrl: env.evidenceUrl(finding.id),
  };
}
