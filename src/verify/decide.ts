// The verdict of a verification, pure: which evidence counts under the configured mode, and what
// CI, the code re-scan and the runtime re-scan together say — verified, not verified (and whether
// the fix engine has something new to do), or wait.

import type { RepoConfig } from "../config/repo-config.ts";
import { rescansCloud } from "../findings/registry.ts";
import type { RepoRef } from "../github/client.ts";
import type { StoredFinding } from "../store/findings.ts";
import { codeScanningApplies } from "./code-scanning.ts";
import type { CheckedItem, VerificationContext } from "./verification-text.ts";
import type { CiCheck, CodeCheck } from "./verify-steps.ts";

export type VerificationMode = "code" | "runtime" | "both";
/** `auto` (proposed config default): `both` when the source can re-scan the resource, else `code`. */
export type ModeSetting = RepoConfig["verification"]["mode"] | "auto";

export function effectiveMode(setting: ModeSetting, canRescan: boolean): VerificationMode {
  if (setting === "auto") return canRescan ? "both" : "code";
  return setting;
}

/** `codeScanning: false` once GitHub code scanning turned out unable to judge the finding. */
export function sourceCanRescan(
  finding: StoredFinding,
  formats: readonly string[],
  codeScanning = true,
): boolean {
  if (formats.some(rescansCloud)) return true; // the parser registry says which sources re-scan the cloud
  // A SARIF scanner's results are re-read from GitHub code scanning (./code-scanning.ts).
  if (codeScanning && codeScanningApplies(finding, formats)) return true;
  // A generic payload about a cloud resource (not a file) comes from a CSPM too.
  const r = finding.resource;
  return formats.includes("generic") && Boolean(r.arn ?? r.id) && !r.file;
}

export type Decision =
  | { kind: "verified"; summary: string }
  | { kind: "not-verified"; reason: string; newFix: boolean }
  | { kind: "waiting"; detail: string };

/** A decision with what its notifications need, saved before the state changes (JSON). */
export type Verdict = Exclude<Decision, { kind: "waiting" }> & {
  context: VerificationContext;
  checked: CheckedItem[];
  repository: RepoRef;
  prNumber: number;
  owners: string[];
};

/** Whether a runtime re-scan can still change `decide`'s answer: only then is one asked for. */
export function runtimeMatters(
  mode: VerificationMode,
  ci: Exclude<CiCheck, { kind: "pending" }>,
  code: CodeCheck | null,
): boolean {
  if (ci.kind === "red" || (mode !== "runtime" && code?.item.result === "failed")) return false;
  return mode !== "code" || code?.item.result !== "passed";
}

/**
 * What the evidence says under the configured mode. CI red always reopens. A code re-scan that
 * sees the rule failing reopens in `code` and `both`; an inconclusive one leaves it to the runtime
 * re-scan. A runtime failure reopens in `runtime` and `both`, and in `code` when the code could not tell.
 */
export function decide(
  mode: VerificationMode,
  seen: { ci: Exclude<CiCheck, { kind: "pending" }>; code: CodeCheck | null; runtime: CheckedItem | null },
  resource: string,
): Decision {
  const { ci, code, runtime } = seen;
  if (ci.kind === "red") return { kind: "not-verified", reason: ci.item.detail, newFix: false };
  const codeCounts = mode !== "runtime";
  if (codeCounts && code?.item.result === "failed")
    return { kind: "not-verified", reason: code.item.detail, newFix: code.stillFailing };
  const needRuntime = mode !== "code" || code?.item.result !== "passed";
  const runtimeFailed = runtime?.result === "failed";
  if (needRuntime && runtimeFailed)
    return {
      kind: "not-verified",
      reason: runtime.detail,
      newFix: Boolean(code?.stillFailing),
    };
  if (needRuntime && runtime?.result !== "passed")
    return {
      kind: "waiting",
      detail: `CI is green${code ? ` and the code re-scan ${code.item.result === "passed" ? "passed" : "could not confirm the fix"}` : ""}; waiting for the source to re-scan ${resource}`,
    };
  const parts = ["CI green on the merge commit"];
  if (code && codeCounts)
    parts.push(code.item.result === "passed" ? "code re-scan clean" : "code re-scan inconclusive");
  if (needRuntime && runtime) parts.push(`${runtime.checkedBy} re-scan passed at ${runtime.observedAt}`);
  return { kind: "verified", summary: parts.join(", ") };
}
