// A finding fixloop had no fix for (no Terraform defines it, or nothing safe to change) that its
// source now reports passing was resolved at ingest (src/lifecycle/admission.ts). Its tracking
// issue asked a person to act; this closes it with the source's word and the evidence link, so the
// issue does not stay open for something already fixed.

import { mdInline, safeLink } from "../github/markdown.ts";
import type { JobHandler } from "../jobs/worker.ts";
import { auditTrail } from "../store/audit.ts";
import { getFinding } from "../store/findings.ts";
import type { RemediationEnv } from "./env.ts";
import { closeTrackingIssue } from "./tracking-issues.ts";

/** The closing comment: why it is resolved (the source's record, untrusted), and the evidence. */
export function sourceResolvedComment(reason: string, evidenceUrl: string | null): string {
  const evidence = evidenceUrl
    ? safeLink(evidenceUrl, [new URL(evidenceUrl).origin], { label: "evidence" })
    : "`fixloop evidence <id>`";
  return `**Resolved by the source.** ${mdInline(reason, 1_000)}\n\nfixloop changed nothing for this finding: the source's re-scan is the proof (${evidence}).`;
}

export function sourceResolvedHandler(env: RemediationEnv): JobHandler {
  return async (payload) => {
    const findingId = (payload as { findingId?: unknown }).findingId;
    if (typeof findingId !== "string") throw new Error("source-resolved job without a findingId");
    const { store } = env;
    const finding = await getFinding(store.db, findingId);
    // Reported failing again before this ran, or stored by the CLI: the issue stays as it is.
    if (finding?.state !== "resolved" || finding.installationId === null) return undefined;
    const resolved = (await auditTrail(store.db, findingId)).findLast((e) => e.to === "resolved");
    const comment = sourceResolvedComment(
      resolved?.reason ?? "the source reports it passing",
      env.evidenceUrl(findingId),
    );
    const platform = await env.platform(finding.installationId);
    const closed = await closeTrackingIssue({ platform, db: store.db, now: store.now() }, findingId, comment);
    env.log.info({ findingId, closed }, "resolved by the source: tracking issue closed");
    return undefined;
  };
}
