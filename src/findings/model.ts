// The normalized Finding: what every source format is turned into. Everything in it that came from
// a finding is untrusted text: it is validated here, and rendered escaped wherever it is shown.

import { z } from "zod";

export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

export const DataSensitivity = z.enum(["PII", "PCI", "PHI"]);

export const ResourceIdentifier = z.object({
  kind: z.enum(["name", "id", "vpc"]),
  value: z.string().min(1),
  /** Where in the source record: `Details.AwsEc2SecurityGroup.GroupName`, `resource.data.name`. */
  from: z.string().min(1),
});
export type ResourceIdentifier = z.infer<typeof ResourceIdentifier>;

export const FindingSchema = z.object({
  source: z.object({
    /** The tool that produced it: checkov, trivy, tfsec, kics, securityhub, prowler, wiz, prisma, generic… */
    tool: z.string().min(1),
    /** The parser (format) that read it: sarif, checkov-json, asff… */
    format: z.string().min(1),
    /** The finding's own id in the source (stable across re-scans where the source provides one). */
    findingId: z.string().min(1),
  }),
  rule: z.object({
    /** The check id as the source names it: CKV_AWS_20, AVD-AWS-0086, S3.8, a Wiz control id… */
    nativeId: z.string().min(1),
    /** The fixloop catalog rule it maps to through the aliases, or null when none does. */
    catalogId: z.string().nullable(),
    /** Other ids the source gives the same check (tfsec's legacy `AWS050` beside `aws-s3-…`). */
    otherIds: z.array(z.string()).optional(),
  }),
  title: z.string(),
  severity: z.object({ native: z.string(), normalized: Severity }),
  resource: z.object({
    arn: z.string().optional(),
    /** Cloud resource id (Azure resource id, GCP self link, Wiz providerId…). */
    id: z.string().optional(),
    name: z.string().optional(),
    /** Native resource type: AwsS3Bucket, aws_s3_bucket, bucket… */
    type: z.string().optional(),
    cloud: z.enum(["aws", "azure", "gcp"]).optional(),
    /** AWS account, Azure subscription or GCP project. */
    account: z.string().optional(),
    region: z.string().optional(),
    terraformAddress: z.string().optional(),
    /** For IaC scanners: the file relative to the scanned root, and the line. */
    file: z.string().optional(),
    line: z.number().int().positive().optional(),
    tags: z.record(z.string(), z.string()).optional(),
    /** Everything else the source says identifies the resource, each with where it said it, so that
     *  locate can match it against the code: the security group's GroupName, the DB identifier, the
     *  table name (kind "name"); cloud ids (kind "id"); the VPC it lives in (kind "vpc"). */
    identifiers: z.array(ResourceIdentifier).optional(),
  }),
  /** failed: open in the source; passed: the check passes; resolved: fixed or gone; suppressed: the
   *  owners accepted or waived it there (suppression, exception, dismissal) — not open work, not a pass. */
  status: z.enum(["failed", "passed", "resolved", "suppressed"]),
  firstSeen: z.iso.datetime({ offset: true }).optional(),
  lastSeen: z.iso.datetime({ offset: true }).optional(),
  context: z.object({
    internetReachable: z.boolean().optional(),
    dataSensitivity: z.array(DataSensitivity),
    attackPath: z.boolean().optional(),
    /** The attack path as the source describes it ("Internet -> EC2 (Instance Profile) -> S3:GetObject"):
     *  untrusted text, the most useful thing a source says to the engineer; rendered escaped. */
    attackPathText: z.string().optional(),
    ownerTeam: z.string().optional(),
    environment: z.string().optional(),
    remediationUrl: z.string().optional(),
    remediationText: z.string().optional(),
    ticketProject: z.string().optional(),
    /** Every context key the source sent, kept as sent (unknown keys are never a rejection), for
     *  `fixloop finding` and the evidence record. */
    sourceContext: z.record(z.string(), z.unknown()).optional(),
  }),
  /** The source record exactly as received, for the audit trail. */
  raw: z.unknown(),
});

export type Finding = z.infer<typeof FindingSchema>;

/** rule.nativeId of a finding whose source names no check (the generic payload without rule_id). */
export const UNSPECIFIED_RULE = "unspecified";

/** A record inside a document that could not be read, and why; valid records go through anyway. */
export interface Rejection {
  /** Position of the record in the document's list of records (0-based). */
  index: number;
  /** JSON path of the offending value, e.g. `$.findings[3].Compliance.Status`. */
  path: string;
  reason: string;
}

export interface ParseResult {
  findings: Finding[];
  rejected: Rejection[];
}

/** What a parser needs from outside: mapping a native check id to a catalog rule (kept out of
 *  findings/ so that this layer does not depend on the rule catalog). */
export interface ParseContext {
  catalogIdFor(nativeId: string): string | null;
}

/** One source format. `detect` is cheap and must not throw; `parse` validates record by record. */
export interface FindingParser {
  /** Format id used by `--format`: generic, sarif, checkov, trivy, tfsec, kics, asff, ocsf, wiz, prisma. */
  id: string;
  title: string;
  /** Its sources re-scan the running resource (CSPMs): their later reports are runtime evidence of a fix. */
  rescansCloud: boolean;
  /** How people name the tools this format's findings record as `source.tool` (`securityhub` → Security Hub). */
  sourceNames: Readonly<Record<string, string>>;
  detect(document: unknown): boolean;
  parse(document: unknown, ctx: ParseContext): ParseResult;
}

/** How sources spell severities, lower-cased (SARIF levels included). */
// A Map, not an object literal: a source sending "constructor" must not reach Object.prototype.
const SEVERITY_WORDS = new Map<string, Severity>([
  ["critical", "critical"],
  ["high", "high"],
  ["error", "high"],
  ["medium", "medium"],
  ["moderate", "medium"],
  ["warning", "medium"],
  ["low", "low"],
  ["note", "low"],
  ["info", "info"],
  ["informational", "info"],
  ["information", "info"],
  ["none", "info"],
  ["unknown", "info"],
]);

/** Normalizes the many ways sources spell severity. Unknown spellings are an error, not a guess. */
export function normalizeSeverity(native: string | number | undefined | null): Severity | undefined {
  if (native === undefined || native === null) return undefined;
  if (typeof native === "number") {
    // CVSS-like 0–10 scores (SARIF security-severity, ASFF Severity.Normalized is 0–100: callers scale).
    if (native >= 9) return "critical";
    if (native >= 7) return "high";
    if (native >= 4) return "medium";
    if (native > 0) return "low";
    return "info";
  }
  return SEVERITY_WORDS.get(native.trim().toLowerCase());
}
