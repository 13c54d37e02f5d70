// The `verify` job: a merged fixloop fix becomes a resolved finding only when CI on the merge
// commit is green and the re-scans the configuration asks for confirm it; otherwise the finding is
// reopened with the reason in words. It runs on the merge, again when a CI webhook for the commit
// arrives, and every half hour while it waits (the sweep flags it overdue after the window).
// The evidence is gathered in ./verify-steps.ts, the decision is pure (./decide.ts), the state
// change and the verification rows are one transaction; the notifications are idempotent through
// the job's saved progress (a retry after a crash finishes them without posting twice).

import { errorsAsLine } from "../config/config-errors.ts";
import { resourceLabel } from "../evidence/labels.ts";
import type { RepoRef } from "../github/client.ts";
import { webLink } from "../github/hosts.ts";
import { remediateJob } from "../jobs/kinds.ts";
import type { JobHandler } from "../jobs/worker.ts";
import { changeStateIn } from "../lifecycle/change-state.ts";
import type { Actor } from "../lifecycle/machine.ts";
import type { RemediationEnv } from "../remediate/env.ts";
import { CONFIG_RETRY_MS } from "../remediate/remediate-job.ts";
import { auditTrail } from "../store/audit.ts";
import { findingSources, getFinding, type StoredFinding } from "../store/findings.ts";
import { enqueueJobs } from "../store/jobs.ts";
import { latestMergedRemediation, type Remediation } from "../store/remediations.ts";
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
import { type CodeCheck, checkCi, checkCode, latestRuntime } from "./verify-steps.ts";

const APP: Actor = { kind: "app" };
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
  const { store } = env;
  const finding = await getFinding(store.db, findingId);
  if (!finding) return { outcome: "nothing-to-do", detail: "finding is gone" };
  if (finding.state !== "merged" && finding.state !== "verifying") {
    // A retry after a crash between the decision and its notifications finishes them — only when
    // the decision was committed (the transaction may have lost a race instead).
    if (io.progress.verdict && committed(await auditTrail(store.db, findingId), io.progress.verdict))
      return finish(env, finding, io);
    return { outcome: "nothing-to-do", detail: `finding is ${finding.state}: nothing to verify` };
  }
  const remediation = await latestMergedRemediation(store.db, findingId);
  if (!remediation || finding.installationId === null)
    return { outcome: "nothing-to-do", detail: "no merged fixloop PR with a merge commit to verify" };
  const [owner, repo] = (remediation.repository as string).split("/") as [string, string];
  const repository: RepoRef = { owner, repo };
  const parsed = await env.repoConfig(finding.installationId, repository);
  if (!parsed.ok)
    return {
      outcome: "invalid-config",
      detail: `.github/fixloop.yml in ${owner}/${repo} is invalid (${errorsAsLine(parsed.errors)}): verification waits for it to be fixed`,
      rescheduleAt: store.now() + CONFIG_RETRY_MS,
    };
  const config = parsed.config;
  const sha = remediation.mergeCommitSha as string;
  const formats = (await findingSources(store.db, findingId)).map((s) => s.format);
  const setting = config.verification.mode as ModeSetting;
  let mode = effectiveMode(setting, sourceCanRescan(finding, formats));
  if (finding.state === "merged")
    await store.transaction(async (tx) => {
      const now = store.now();
      await changeStateIn(
        tx,
        {
          findingId,
          to: "verifying",
          actor: APP,
          reason: `verifying the merge commit ${sha}: CI, then ${rescansPlanned(mode, finding, formats)}`,
          links: { pr: remediation.prUrl ?? undefined, commit: sha },
          expectedFrom: "merged",
        },
        now,
      );
      await tx
        .updateTable("findings")
        // A new window per merge: a reopened finding merged again starts over.
        .set({
          verification_deadline: now + config.verification.waitHours * 60 * MINUTE,
          verification_overdue_at: null,
        })
        .where("id", "=", findingId)
        .execute();
    });

  const mergedAt = mergeTime(await auditTrail(store.db, findingId));
  const known = (await verificationsOf(store.db, findingId)).filter(
    (v) => Date.parse(v.observedAt) >= mergedAt,
  );
  const gh = await env.github(finding.installationId);
  const installed =
    (await env.repositories(finding.installationId, owner)).find(
      (r) => r.owner === owner && r.repo === repo,
    ) ?? null;

  const ci = await checkCi(
    gh,
    repository,
    sha,
    installed?.defaultBranch ?? null,
    known,
    mergedAt,
    store.now(),
  );
  if (ci.kind === "pending")
    return { outcome: "waiting-ci", detail: ci.detail, rescheduleAt: retryAt(env, finding) };
  const checked: CheckedItem[] = [ci.item];
  let code: CodeCheck | null = null;
  if (ci.kind === "green") {
    const scanned = await checkCode(env, finding, remediation, installed, gh);
    if ("stale" in scanned)
      return { outcome: "waiting-ci", detail: scanned.stale, rescheduleAt: store.now() + STALE_RETRY_MS };
    code = scanned;
    checked.push(code.item);
  }
  const scanning = await codeScanningStep(
    env,
    gh,
    finding,
    {
      repository,
      defaultBranch: installed?.defaultBranch ?? null,
      mergedAt,
      needed: runtimeMatters(mode, ci, code),
    },
    known,
  );
  if (scanning.unavailable) mode = effectiveMode(setting, sourceCanRescan(finding, formats, false));
  const ctx = verificationContext(env, finding, remediation, repository, mode);
  const runtime = await latestRuntime(env, finding, scanning.known);
  if (runtime) checked.push(runtime);
  const decision = withNote(decide(mode, ci, code, runtime, ctx.resource), scanning.note);
  const fresh = newRows(findingId, checked, known);

  if (decision.kind === "waiting") {
    if (fresh.length > 0) await store.transaction((tx) => recordVerifications(tx, fresh));
    return { outcome: "waiting-runtime", detail: decision.detail, rescheduleAt: retryAt(env, finding) };
  }
  const assignment = remediation.assignment;
  io.progress.verdict = {
    ...decision,
    context: ctx,
    checked,
    repository,
    prNumber: remediation.prNumber as number,
    owners: [...(assignment.team ? [assignment.team] : []), ...assignment.reviewers],
  };
  await io.save(io.progress);
  await store.transaction(async (tx) => {
    const now = store.now();
    await recordVerifications(tx, fresh);
    const verified = decision.kind === "verified";
    await changeStateIn(
      tx,
      {
        findingId,
        to: verified ? "resolved" : "reopened",
        actor: APP,
        reason: verified ? `verified: ${decision.summary}` : `not verified: ${decision.reason}`,
        links: { ...(remediation.prUrl ? { pr: remediation.prUrl } : {}), commit: sha },
        expectedFrom: "verifying",
      },
      now,
    );
    if (decision.kind === "not-verified" && decision.newFix) {
      await changeStateIn(
        tx,
        {
          findingId,
          to: "fixing",
          actor: APP,
          reason: "the rule still fails on the resource in the merged code: fixloop computes a new fix",
          expectedFrom: "reopened",
        },
        now,
      );
      await enqueueJobs(tx, [remediateJob(findingId, finding.risk.score)], now);
    }
  });
  return finish(env, finding, io);
}

/** Posts what the decision owes people (check run, tracking issue, PR comment), each once. */
async function finish(env: RemediationEnv, finding: StoredFinding, io: ProgressIo): Promise<VerifyResult> {
  const verdict = io.progress.verdict as Verdict;
  await notify(env, await env.github(finding.installationId), verdict, {
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

function retryAt(env: RemediationEnv, finding: StoredFinding): number {
  const now = env.store.now();
  const overdue = finding.verificationOverdueAt !== null;
  return now + (overdue ? OVERDUE_RETRY_MS : VERIFY_RETRY_MS);
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
  repository: RepoRef,
  mode: VerificationMode,
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
