// The evidence record of one finding: everything an auditor asks about it in one value — when
// and where it was detected, how risky it was and why, who owned the fix, what changed, how the
// fix was verified, whether the SLA held, and every state change with who made it. Read-only and
// deterministic (nothing in it depends on when it is built), so it can be rendered and compared.

import type { Actor, FindingState, Links } from "../lifecycle/machine.ts";
import { auditTrail, type StoredAuditEvent } from "../store/audit.ts";
import {
  FindingNotFoundError,
  type FindingSource,
  findingSources,
  getFinding,
  type StoredFinding,
} from "../store/findings.ts";
import { type Remediation, remediationsOf } from "../store/remediations.ts";
import type { Db } from "../store/store.ts";
import {
  type Verification,
  type VerificationKind,
  type VerificationResult,
  verificationsOf,
} from "../store/verifications.ts";
import type { Risk } from "../triage/risk.ts";
import { actorLabel } from "./labels.ts";

/** A source as the record shows it: without the raw record (that stays in the store). */
export type EvidenceSource = Omit<FindingSource, "raw">;

export interface EvidenceRemediation {
  repository: string | null;
  branch: string | null;
  prNumber: number | null;
  prUrl: string | null;
  commitSha: string | null;
  mergeCommitSha: string | null;
  files: string[];
  diff: string;
  createdAt: string;
}

export interface EvidenceCheck {
  kind: VerificationKind;
  result: VerificationResult;
  checkedBy: string;
  observedAt: string;
  detail: string;
  links: Links;
}

/** verified: the finding is resolved; pending: nothing checked yet; else the latest check's result. */
export type OverallVerification = "verified" | "pending" | VerificationResult;

export interface EvidenceEvent {
  at: string;
  from: FindingState | null;
  to: FindingState;
  actor: Actor;
  /** The actor in words: "fixloop", "GitHub user octocat (id 1)", "ingest from securityhub". */
  actorLabel: string;
  reason: string;
  links: Links;
}

export interface EvidenceContext {
  /** The attack path as the source describes it, or null when it gives none. */
  attackPath: string | null;
  /** The source's guidance: its URL and/or text. */
  guidance: { url: string | null; text: string | null } | null;
  /** Every context key the source sent (jira_project, owner_team, …), as sent. */
  sourceContext: Record<string, unknown>;
}

export interface EvidenceRecord {
  finding: {
    id: string;
    title: string;
    state: FindingState;
    rule: StoredFinding["rule"];
    severity: string;
    resource: StoredFinding["resource"];
  };
  detection: {
    /** When the source first saw it (or when fixloop did, if the source does not say). */
    detectedAt: string;
    lastSeen: string;
    /** When fixloop stored it. */
    recordedAt: string;
    sources: EvidenceSource[];
    /** What the sources said about the finding beyond the check (untrusted text, kept as sent). */
    context: EvidenceContext;
  };
  risk: Risk;
  assignment: {
    team: string | null;
    reviewers: string[];
    /** Which source decided the owner; "finding" when only the finding named one. */
    decidedBy: string | null;
  };
  /** Every fix attempt, oldest first (a PR closed unmerged and a second one make two). */
  remediations: EvidenceRemediation[];
  verification: { result: OverallVerification; checks: EvidenceCheck[] };
  sla: {
    due: string;
    /** Recorded by the SLA sweep, or resolved after the due date. Nothing here depends on "now":
     *  an open finding past its due date the sweep has not marked yet reads as not breached. */
    breached: boolean;
    /** When the SLA sweep recorded the breach; for a late resolution it never saw, the due date. */
    breachedAt: string | null;
    /** When the finding (now resolved) was last resolved; null while it is not resolved. */
    resolvedAt: string | null;
  };
  audit: EvidenceEvent[];
}

/** Gathers the evidence of one finding by its full id; FindingNotFoundError when there is none. */
export async function buildEvidenceRecord(db: Db, id: string): Promise<EvidenceRecord> {
  const finding = await getFinding(db, id);
  if (!finding) throw new FindingNotFoundError(id);
  const [sources, remediations, checks, events] = await Promise.all([
    findingSources(db, id),
    remediationsOf(db, id),
    verificationsOf(db, id),
    auditTrail(db, id),
  ]);
  return assembleEvidenceRecord({ finding, sources, remediations, checks, events });
}

/** What a record is made of, each list in the order its store read returns it (oldest first). */
export interface EvidenceParts {
  finding: StoredFinding;
  sources: FindingSource[];
  remediations: Remediation[];
  checks: Verification[];
  events: StoredAuditEvent[];
}

/** The record from its parts (read one finding at a time above, or many at once for a period). Pure. */
export function assembleEvidenceRecord(parts: EvidenceParts): EvidenceRecord {
  const { finding, sources, remediations, checks, events } = parts;
  const latestFix = remediations[remediations.length - 1];
  const latestCheck = checks[checks.length - 1];
  const resolvedAt =
    finding.state === "resolved" ? (events.findLast((e) => e.to === "resolved")?.at ?? null) : null;
  // ISO strings in UTC with milliseconds compare in time order.
  const lateResolution = resolvedAt !== null && resolvedAt > finding.slaDue;
  return {
    finding: {
      id: finding.id,
      title: finding.title,
      state: finding.state,
      rule: finding.rule,
      severity: finding.severity,
      resource: finding.resource,
    },
    detection: {
      detectedAt: finding.firstSeen,
      lastSeen: finding.lastSeen,
      recordedAt: finding.createdAt,
      // The raw source record stays out: it is in the store for the audit, but it is large and
      // evidence is meant to be read.
      sources: sources.map(({ raw: _raw, ...s }) => s),
      context: {
        attackPath: finding.context.attackPathText ?? null,
        guidance:
          finding.context.remediationUrl || finding.context.remediationText
            ? { url: finding.context.remediationUrl ?? null, text: finding.context.remediationText ?? null }
            : null,
        sourceContext: finding.context.sourceContext ?? {},
      },
    },
    risk: finding.risk,
    assignment: latestFix
      ? {
          team: latestFix.assignment.team ?? finding.ownerTeam,
          reviewers: latestFix.assignment.reviewers,
          decidedBy: latestFix.assignment.decidedBy,
        }
      : { team: finding.ownerTeam, reviewers: [], decidedBy: finding.ownerTeam ? "finding" : null },
    remediations: remediations.map((r) => ({
      repository: r.repository ?? null,
      branch: r.branch ?? null,
      prNumber: r.prNumber ?? null,
      prUrl: r.prUrl ?? null,
      commitSha: r.commitSha ?? null,
      mergeCommitSha: r.mergeCommitSha ?? null,
      files: r.files,
      diff: r.diff,
      createdAt: r.createdAt,
    })),
    verification: {
      result: finding.state === "resolved" ? "verified" : (latestCheck?.result ?? "pending"),
      checks: checks.map((c) => ({
        kind: c.kind,
        result: c.result,
        checkedBy: c.checkedBy,
        observedAt: c.observedAt,
        detail: c.detail,
        links: c.links,
      })),
    },
    sla: {
      due: finding.slaDue,
      breached: lateResolution || finding.slaBreachedAt !== null,
      // A breach the sweep never saw (resolved late, between two sweeps, or before fixloop ran
      // sweeps at all) happened at the due date: the moment the SLA ran out.
      breachedAt: finding.slaBreachedAt ?? (lateResolution ? finding.slaDue : null),
      resolvedAt,
    },
    audit: events.map((e) => ({
      at: e.at,
      from: e.from,
      to: e.to,
      actor: e.actor,
      actorLabel: actorLabel(e.actor),
      reason: e.reason,
      links: e.links,
    })),
  };
}
