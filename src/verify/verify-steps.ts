// The evidence the `verify` job gathers: CI on the merge commit (REST), the code re-scan of the
// merged Terraform (the repository snapshot over git), and the runtime re-scans later ingests
// recorded. The decision is ./decide.ts; the notifications ./verify-notify.ts.

import { applyPatch, parsePatch, reversePatch } from "diff";
import { blobLink } from "../github/hosts.ts";
import type { Platform, RepoRef } from "../github/platform.ts";
import type { SourceFile } from "../hcl/index.ts";
import { CI_GRACE_MS } from "../jobs/kinds.ts";
import { locate } from "../locate/locate.ts";
import type { InstallationRepository, RemediationEnv } from "../remediate/env.ts";
import { triagedFromStored } from "../remediate/stored-finding.ts";
import { ruleById } from "../rules/registry.ts";
import { type FindingSource, findingSources, type StoredFinding } from "../store/findings.ts";
import type { Remediation } from "../store/remediations.ts";
import type { Verification } from "../store/verifications.ts";
import { type CheckRunInput, type CommitStatusInput, ciState, type RequiredCheck } from "./ci-state.ts";
import { codeRescan } from "./code-rescan.ts";
import { type CheckedItem, sourceName, when } from "./verification-text.ts";

/** A commit with no check at all this long after the merge has no CI to wait for (declared with the
 *  job delays: the lifecycle schedules the first verification look after it). */
export { CI_GRACE_MS };

const short = (sha: string) => sha.slice(0, 12);

export type CiCheck =
  | { kind: "pending"; detail: string }
  | { kind: "green" | "red"; item: CheckedItem; reused: boolean };

/**
 * CI as GitHub's merge box would read it. Required checks come from the branch's protection as the
 * branch endpoint reports it (readable with the app's contents permission, unlike the protection
 * endpoint, which needs administration access); without protection every check counts.
 */
export async function checkCi(
  platform: Platform,
  at: { repository: RepoRef; sha: string; defaultBranch: string | null; mergedAt: number },
  known: readonly Verification[],
  now: number,
): Promise<CiCheck> {
  const { sha, mergedAt } = at;
  const stored = known.filter((k) => k.kind === "ci" && k.result === "passed").at(-1);
  if (stored) return { kind: "green", item: { ...stored }, reused: true };
  const reports = await platform.ciReports(at.repository, sha, at.defaultBranch);
  const ci = ciState({
    checkRuns: reports.checkRuns as CheckRunInput[],
    statuses: reports.statuses as CommitStatusInput[],
    required: reports.required as RequiredCheck[] | null,
  });
  const noCi = ci.considered.length === 0;
  if (ci.state === "pending" || (noCi && now - mergedAt < CI_GRACE_MS))
    return {
      kind: "pending",
      detail: noCi
        ? `no CI has reported on the merge commit ${short(sha)} yet`
        : `CI on the merge commit ${short(sha)} is still running: ${ci.pending.join(", ")}`,
    };
  const base = { kind: "ci" as const, checkedBy: "github-checks", observedAt: new Date(now).toISOString() };
  if (ci.state === "red")
    return {
      kind: "red",
      reused: false,
      item: {
        ...base,
        result: "failed",
        detail: `CI failed on the merge commit ${short(sha)}: ${ci.failing.map((f) => f.name).join(", ")}`,
        links: { commit: sha },
        items: ci.failing,
      },
    };
  const detail = noCi
    ? `no CI reported on the merge commit ${short(sha)} within ${CI_GRACE_MS / 60_000} minutes of the merge`
    : `${ci.considered.length} check${ci.considered.length === 1 ? "" : "s"} passed on the merge commit ${short(sha)}${reports.required?.length ? " (the branch's required checks)" : ""}: ${ci.considered.join(", ")}`;
  return {
    kind: "green",
    reused: false,
    item: { ...base, result: "passed", detail, links: { commit: sha } },
  };
}

export interface CodeCheck {
  item: CheckedItem;
  /** The finding's own rule still fires on the resource: the fix engine has something to do again. */
  stillFailing: boolean;
}

/**
 * The rule catalog over the merged Terraform. The snapshot is the default branch head, not the
 * merge commit itself: RepoSourceCache fetches branch heads only, and what is on the branch now is
 * what will be deployed — a later commit that undoes the fix must fail verification. The head must
 * contain the merge commit (a head learned before the merge's push would be the unfixed code), so
 * when the shas differ one compare request settles it. `before` is the same files with the PR's
 * diff reversed, so "new findings" are those the change itself brought.
 */
export async function checkCode(
  env: RemediationEnv,
  platform: Platform,
  fix: { finding: StoredFinding; remediation: Remediation; installed: InstallationRepository | null },
): Promise<CodeCheck | { stale: string }> {
  const { finding, remediation, installed } = fix;
  const at = new Date(env.store.now()).toISOString();
  const sha = remediation.mergeCommitSha as string;
  const item = (result: CheckedItem["result"], detail: string, links = {}): CheckedItem => ({
    kind: "code",
    result,
    checkedBy: "fixloop",
    observedAt: at,
    detail,
    links: { commit: sha, ...links },
  });
  if (!installed)
    return {
      item: item(
        "pending",
        `${remediation.repository} is no longer accessible to fixloop: the code cannot be re-scanned`,
      ),
      stillFailing: false,
    };
  const { snapshot, index } = await env.snapshot(finding.installationId, installed);
  let note = "";
  if (snapshot.sha !== sha) {
    const status = await platform.compareCommits(
      { owner: installed.owner, repo: installed.repo },
      sha,
      snapshot.sha,
    );
    if (status === "behind")
      return {
        stale: `the default branch head fixloop read (${short(snapshot.sha)}) predates the merge commit ${short(sha)}`,
      };
    if (status === "diverged")
      return {
        item: item(
          "pending",
          `the merge commit ${short(sha)} is not on ${installed.defaultBranch} any more (history rewritten?): the code cannot confirm the fix`,
        ),
        stillFailing: false,
      };
    note = ` Re-scanned at ${installed.defaultBranch}'s head ${short(snapshot.sha)}, which contains the merge commit.`;
  }
  const sources = await findingSources(env.store.db, finding.id);
  const rule = finding.rule.catalogId ? ruleById(finding.rule.catalogId) : undefined;
  const where = locate(
    triagedFromStored(finding, sources).finding,
    index,
    rule ? { resourceTypes: rule.resourceTypes } : {},
  );
  const block =
    where.kind === "located" ? (where.candidate.resource ?? where.candidate.moduleCall) : undefined;
  if (!block)
    return {
      item: item(
        "pending",
        `the resource cannot be found in the merged Terraform (${where.kind === "located" ? "no block" : where.reason}), so the code re-scan cannot confirm the fix`,
      ),
      stillFailing: false,
    };
  const before = reverseChange(snapshot.files, remediation.diff);
  const result = codeRescan({
    before: before.files,
    after: snapshot.files,
    finding: {
      ruleId: finding.rule.catalogId ?? finding.rule.nativeId,
      resourceAddress: block.address,
      file: block.file,
    },
    touchedFiles: remediation.files,
  });
  const detail = `${result.detail}${note}${before.note}`;
  const links = { scan: blobLink(env.host, installed, snapshot.sha, block.file, block.line) };
  const verdict = result.passed ? "passed" : result.inconclusive ? "pending" : "failed";
  return { item: item(verdict, detail, links), stillFailing: result.stillFailing.length > 0 };
}

/** The merged files with the PR's diff taken back out; a file the diff no longer fits stays as merged. */
export function reverseChange(
  files: readonly SourceFile[],
  diff: string,
): { files: SourceFile[]; note: string } {
  const out = new Map(files.map((f) => [f.path, f.text]));
  const misfits: string[] = [];
  for (const patch of diff.trim() ? parsePatch(diff) : []) {
    const path = (patch.newFileName ?? "").replace(/^b\//, "");
    const text = out.get(path);
    if (patch.oldFileName === "/dev/null") {
      out.delete(path); // the change created it
      continue;
    }
    const reverted = text === undefined ? false : applyPatch(text, reversePatch(patch), { fuzzFactor: 2 });
    if (reverted === false) misfits.push(path);
    else out.set(path, reverted);
  }
  const note = misfits.length
    ? ` The fix's diff no longer fits ${misfits.join(", ")} (changed since), so new findings there are judged against the merged file.`
    : "";
  return { files: [...out].map(([path, text]) => ({ path, text })), note };
}

/** The latest runtime re-scan after the merge (later ingests record them), in the source's words. */
export async function latestRuntime(
  env: RemediationEnv,
  finding: StoredFinding,
  known: readonly Verification[],
): Promise<CheckedItem | null> {
  const row = known
    .filter((k) => k.kind === "runtime")
    .sort((a, b) => Date.parse(a.observedAt) - Date.parse(b.observedAt) || a.id - b.id)
    .at(-1);
  if (!row) return null;
  const sources = await findingSources(env.store.db, finding.id);
  const words = sourceWords(sources.find((s) => s.tool === row.checkedBy));
  const scan = `the ${sourceName(row.checkedBy)} scan of ${when(row.observedAt)}`;
  const detail =
    row.result === "failed"
      ? `${finding.rule.nativeId} still fails according to ${scan}: ${words ?? row.detail}`
      : `${finding.rule.nativeId} passes according to ${scan}: ${row.detail}`;
  return { ...row, detail };
}

/** Why the source says it fails, where the format carries it (ASFF StatusReasons, OCSF status_detail). */
export function sourceWords(source: FindingSource | undefined): string | null {
  const raw = source?.raw as Record<string, unknown> | null | undefined;
  if (!raw || typeof raw !== "object") return null;
  const reasons = (raw.Compliance as { StatusReasons?: Array<{ Description?: unknown }> } | undefined)
    ?.StatusReasons;
  const texts = (Array.isArray(reasons) ? reasons : [])
    .map((r) => r?.Description)
    .filter((d): d is string => typeof d === "string" && d.trim() !== "");
  if (texts.length) return texts.join("; ");
  return typeof raw.status_detail === "string" && raw.status_detail.trim() ? raw.status_detail : null;
}
