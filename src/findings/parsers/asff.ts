// AWS Security Finding Format (ASFF), as AWS Security Hub (CSPM) and the products that feed it emit it
// (https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format-syntax.html).
//
// Accepted documents:
//   {"Findings": [...]}        GetFindings response / BatchImportFindings request (also what DefectDojo stores)
//   {"findings": [...]}        the same list with a lower-case key (`aws securityhub get-findings` exports, DefectDojo)
//   [ {...ASFF}, ... ]         a bare list of findings
//   {...ASFF}                  one finding
//   {"detail-type": "Security Hub Findings - Imported" | "Security Hub Findings - Custom Action",
//    "detail": {"findings": [...]}}   the EventBridge event
//
// Decisions (documented because ASFF leaves them open):
// - One Finding per (ASFF finding, Resources[] entry). A control finding normally has one resource; when it
//   has several, each resource needs its own fix. findingId is the ASFF `Id` when there is one resource, and
//   `${Id}#${Resources[i].Id}` when there are several.
// - rule.nativeId: Compliance.SecurityControlId (consolidated control findings, e.g. S3.8), else
//   ProductFields.ControlId (standard-specific control findings, e.g. S3.8 / PCI.IAM.1), else GeneratorId when
//   the finding is a CIS v1.2 rule (ProductFields.RuleId: "1.6" alone is ambiguous, the GeneratorId names the
//   ruleset and rule), else Types[0] (GuardDuty: "TTPs/.../Recon:EC2-Portscan"), else GeneratorId.
// - status, first match wins:
//     RecordState ARCHIVED            → resolved (Security Hub archives findings whose resource/control is gone)
//     Compliance.Status PASSED        → passed
//     Workflow.Status RESOLVED        → resolved (set by a person or by Security Hub when the check passes)
//     Compliance.Status WARNING / NOT_AVAILABLE → rejected: the check could not be evaluated, nothing to fix
//     anything else (FAILED, no Compliance: GuardDuty, Inspector…) → failed
//   Workflow.Status SUPPRESSED      → suppressed (someone accepted the risk in Security Hub)
// - severity: Severity.Label; when a (pre-2020) finding has no Label, Severity.Normalized (0–100) mapped with
//   the AWS table (0 informational, 1–39 low, 40–69 medium, 70–89 high, 90–100 critical).

import { z } from "zod";
import { parseArn } from "../arn.ts";
import { asffDetailsIdentifiers, uniqueIdentifiers } from "../identifiers.ts";
import {
  type Finding,
  type FindingParser,
  normalizeSeverity,
  type ParseContext,
  type Severity,
} from "../model.ts";
import { isObject, parseRecords, RecordError } from "../records.ts";

const Resource = z.object({
  Type: z.string().min(1),
  Id: z.string().min(1),
  Region: z.string().optional(),
  Partition: z.string().optional(),
  Tags: z.record(z.string(), z.string()).optional(),
  // Read for the resource's identifiers only (identifiers.ts); a custom check avoids zod walking
  // every IpPermissions entry of a large security group.
  Details: z.custom<Record<string, unknown>>(isObject, "expected an object").optional(),
});

const AsffFinding = z.object({
  Id: z.string().min(1),
  ProductArn: z.string().min(1),
  GeneratorId: z.string().min(1),
  AwsAccountId: z.string().optional(),
  Region: z.string().optional(),
  Types: z.array(z.string()).optional(),
  FirstObservedAt: z.string().optional(),
  LastObservedAt: z.string().optional(),
  CreatedAt: z.string().optional(),
  UpdatedAt: z.string().optional(),
  Severity: z.object({
    Label: z.string().optional(),
    Normalized: z.number().optional(),
    Original: z.string().optional(),
  }),
  Title: z.string(),
  Remediation: z
    .object({
      Recommendation: z.object({ Text: z.string().optional(), Url: z.string().optional() }).optional(),
    })
    .optional(),
  // Only ControlId is read from it; a custom check avoids zod walking every vendor key.
  ProductFields: z.custom<Record<string, unknown>>(isObject, "expected an object").optional(),
  Resources: z.array(Resource).min(1),
  Compliance: z
    .object({ Status: z.string().optional(), SecurityControlId: z.string().optional() })
    .optional(),
  Workflow: z.object({ Status: z.string().optional() }).optional(),
  RecordState: z.string().optional(),
});
type AsffFinding = z.infer<typeof AsffFinding>;

const looksAsff = (v: unknown): boolean =>
  isObject(v) &&
  typeof v.ProductArn === "string" &&
  "Resources" in v &&
  ("SchemaVersion" in v || "AwsAccountId" in v || "GeneratorId" in v);

const isEventBridge = (doc: Record<string, unknown>): boolean =>
  typeof doc["detail-type"] === "string" &&
  doc["detail-type"].startsWith("Security Hub Findings") &&
  isObject(doc.detail) &&
  Array.isArray(doc.detail.findings);

/** Where the records are in the document, and the JSON path they are reported under. */
function locate(doc: unknown): { records: unknown[]; base: string; indexed: boolean } | undefined {
  if (Array.isArray(doc)) return { records: doc, base: "$", indexed: true };
  if (!isObject(doc)) return undefined;
  if (isEventBridge(doc)) {
    return {
      records: (doc.detail as { findings: unknown[] }).findings,
      base: "$.detail.findings",
      indexed: true,
    };
  }
  if (Array.isArray(doc.Findings)) return { records: doc.Findings, base: "$.Findings", indexed: true };
  if (Array.isArray(doc.findings)) return { records: doc.findings, base: "$.findings", indexed: true };
  if (looksAsff(doc)) return { records: [doc], base: "$", indexed: false };
  return undefined;
}

/** ASFF timestamps must carry an offset (RFC 3339); anything else is left out rather than guessed. */
const isoWithOffset = z.iso.datetime({ offset: true });
const timestamp = (...candidates: (string | undefined)[]): string | undefined =>
  candidates.find((c) => c !== undefined && isoWithOffset.safeParse(c).success);

function severityOf(f: AsffFinding): { native: string; normalized: Severity } {
  const { Label, Normalized } = f.Severity;
  if (Label !== undefined) {
    const normalized = normalizeSeverity(Label);
    if (!normalized) {
      throw new RecordError(
        `unknown Severity.Label "${Label}" (expected INFORMATIONAL, LOW, MEDIUM, HIGH or CRITICAL)`,
        ["Severity", "Label"],
      );
    }
    return { native: Label, normalized };
  }
  if (Normalized !== undefined && Normalized >= 0 && Normalized <= 100) {
    // AWS: 0 INFORMATIONAL, 1–39 LOW, 40–69 MEDIUM, 70–89 HIGH, 90–100 CRITICAL == the 0–10 scale × 10.
    return { native: `Normalized ${Normalized}`, normalized: normalizeSeverity(Normalized / 10)! };
  }
  throw new RecordError("Severity has neither a Label nor a Normalized score between 0 and 100", [
    "Severity",
  ]);
}

function statusOf(f: AsffFinding): Finding["status"] {
  if (f.RecordState === "ARCHIVED") return "resolved";
  const compliance = f.Compliance?.Status;
  if (compliance === "PASSED") return "passed";
  if (f.Workflow?.Status === "RESOLVED") return "resolved";
  if (f.Workflow?.Status === "SUPPRESSED") return "suppressed";
  if (compliance === "WARNING" || compliance === "NOT_AVAILABLE") {
    throw new RecordError(
      `Compliance.Status ${compliance}: Security Hub could not evaluate the check, so there is nothing to fix`,
      ["Compliance", "Status"],
    );
  }
  return "failed";
}

const productField = (f: AsffFinding, key: string): string | undefined => {
  const v = f.ProductFields?.[key];
  return typeof v === "string" && v !== "" ? v : undefined;
};

function ruleOf(f: AsffFinding, ctx: ParseContext): Finding["rule"] {
  const securityControl = f.Compliance?.SecurityControlId;
  const control = productField(f, "ControlId");
  const cisRule = productField(f, "RuleId") ? f.GeneratorId : undefined;
  const nativeId = securityControl ?? control ?? cisRule ?? f.Types?.[0] ?? f.GeneratorId;
  // Most specific first: the consolidated security control id, then the standard's control id.
  for (const id of [securityControl, control, nativeId]) {
    if (id === undefined) continue;
    const catalogId = ctx.catalogIdFor(id);
    if (catalogId) return { nativeId, catalogId };
  }
  return { nativeId, catalogId: null };
}

/** `arn:aws:securityhub:us-east-1::product/aws/guardduty` → guardduty; Security Hub's own → securityhub. */
function toolOf(productArn: string): string {
  const product = /:product\/(.+)$/.exec(productArn)?.[1];
  return product?.split("/").pop() || "securityhub";
}

function convert(f: AsffFinding, _index: number, original: unknown, ctx: ParseContext): Finding[] {
  const severity = severityOf(f);
  const status = statusOf(f);
  const rule = ruleOf(f, ctx);
  const recommendation = f.Remediation?.Recommendation;
  return f.Resources.map((r) => {
    const arn = parseArn(r.Id);
    return {
      source: {
        tool: toolOf(f.ProductArn),
        format: "asff",
        findingId: f.Resources.length === 1 ? f.Id : `${f.Id}#${r.Id}`,
      },
      rule,
      title: f.Title,
      severity,
      resource: {
        arn: arn ? r.Id : undefined,
        id: arn ? undefined : r.Id,
        name: arn?.resourceId,
        type: r.Type,
        cloud: "aws" as const,
        account: f.AwsAccountId ?? (arn?.account || undefined),
        region: r.Region ?? f.Region ?? (arn?.region || undefined),
        tags: r.Tags && Object.keys(r.Tags).length > 0 ? r.Tags : undefined,
        identifiers: uniqueIdentifiers(asffDetailsIdentifiers(r.Details)),
      },
      status,
      firstSeen: timestamp(f.FirstObservedAt, f.CreatedAt),
      lastSeen: timestamp(f.LastObservedAt, f.UpdatedAt),
      context: {
        dataSensitivity: [],
        remediationUrl: recommendation?.Url,
        remediationText: recommendation?.Text,
      },
      raw: original,
    };
  });
}

export const asffParser: FindingParser = {
  id: "asff",
  title: "AWS Security Hub ASFF (GetFindings {Findings}, a list of findings, or the EventBridge event)",
  rescansCloud: true,
  sourceNames: { securityhub: "Security Hub", config: "AWS Config" },
  detect(doc) {
    if (Array.isArray(doc)) return doc.some(looksAsff);
    if (!isObject(doc)) return false;
    if (isEventBridge(doc) || looksAsff(doc)) return true;
    // `Findings` (capitalized) is the ASFF API's own key; an empty GetFindings page is still ASFF.
    if (Array.isArray(doc.Findings)) return doc.Findings.length === 0 || doc.Findings.some(looksAsff);
    // Lower-case `findings` is shared with many tools: only when its records look like ASFF.
    return Array.isArray(doc.findings) && doc.findings.some(looksAsff);
  },
  parse(doc, ctx) {
    const where = locate(doc);
    if (!where) {
      return {
        findings: [],
        rejected: [
          {
            index: 0,
            path: "$",
            reason:
              "not an ASFF document: expected Findings/findings, a list of findings, or an EventBridge event",
          },
        ],
      };
    }
    return parseRecords(
      where.records,
      where.base,
      AsffFinding,
      (f, index, original) => convert(f, index, original, ctx),
      where.indexed,
    );
  },
};
