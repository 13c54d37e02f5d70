// Trivy JSON reports (`trivy config|fs|repo --format json`, SchemaVersion 2):
// {"SchemaVersion","ArtifactName","ArtifactType","CreatedAt"?,"Results":[{"Target","Class","Type",
//  "MisconfSummary":{"Successes","Failures"},"Misconfigurations":[{"ID","AVDID"?,"Title","Severity",
//  "Status":"FAIL"|"PASS"|"EXCEPTION","CauseMetadata":{"Resource","Provider","Service","StartLine",
//  "EndLine"},"PrimaryURL","Resolution"}]}]}
//
// Only misconfigurations are findings. Vulnerabilities, secrets and licenses in the same report are
// other kinds of result that the Finding model has no place for: they are ignored (not rejected).
// `Results` is omitted by Trivy when there is nothing to report.
//
// Trivy gives a misconfiguration no id of its own, so source.findingId is derived from the check,
// the target file, the Terraform address and the line range (stable while the code does not move).
// The records are the Misconfigurations of all Results, flattened in document order: a rejection's
// `index` is the position in that flattened list, its `path` the exact JSON path
// (`$.Results[1].Misconfigurations[0].Severity`).

import { z } from "zod";
import {
  type Finding,
  type FindingParser,
  normalizeSeverity,
  type ParseContext,
  type ParseResult,
  type Rejection,
} from "../model.ts";
import { isObject, jsonPath, own, parseRecords, RecordError } from "../records.ts";

const Misconfiguration = z.object({
  ID: z.string().min(1),
  AVDID: z.string().min(1).optional(),
  Title: z.string().default(""),
  Message: z.string().optional(),
  Resolution: z.string().optional(),
  Severity: z.string().min(1),
  Status: z.string().min(1),
  PrimaryURL: z.string().optional(),
  CauseMetadata: z
    .object({
      Resource: z.string().optional(),
      Provider: z.string().optional(),
      Service: z.string().optional(),
      StartLine: z.number().int().optional(),
      EndLine: z.number().int().optional(),
    })
    .default({}),
});
type Misconfiguration = z.infer<typeof Misconfiguration>;

const Result = z.object({
  Target: z.string(),
  Misconfigurations: z.array(z.unknown()).nullish(),
});

/** Trivy statuses: a check that failed, passed (listed with --include-non-failures), or was
 *  waived by an exception. The Finding model has no "waived" status: those are rejected with why. */
// EXCEPTION: the check was waived by a Trivy exception (policy or .trivyignore).
const STATUS: Record<string, "failed" | "passed" | "suppressed"> = {
  FAIL: "failed",
  PASS: "passed",
  EXCEPTION: "suppressed",
};

const CLOUDS: Record<string, "aws" | "azure" | "gcp"> = {
  aws: "aws",
  azure: "azure",
  google: "gcp",
  gcp: "gcp",
};

/** The resource type of a Terraform address (`module.a.aws_s3_bucket.b[0]` → aws_s3_bucket). */
export function terraformResourceType(address: string): string | undefined {
  const parts = address.replace(/\[[^\]]*\]/g, "").split(".");
  let i = 0;
  while (parts[i] === "module" && i + 1 < parts.length) i += 2;
  if (parts[i] === "data") i += 1;
  const type = parts[i];
  return type && i + 1 < parts.length && /^[a-z][a-z0-9_]*$/.test(type) ? type : undefined;
}

function looksTrivy(doc: unknown): doc is Record<string, unknown> {
  return (
    isObject(doc) &&
    typeof doc.SchemaVersion === "number" &&
    typeof doc.ArtifactName === "string" &&
    typeof doc.ArtifactType === "string" &&
    (doc.Results === undefined || doc.Results === null || Array.isArray(doc.Results))
  );
}

function toFinding(
  m: Misconfiguration,
  target: string,
  createdAt: string | undefined,
  original: unknown,
  ctx: ParseContext,
): Finding {
  const severity = normalizeSeverity(m.Severity);
  if (!severity)
    throw new RecordError(
      `unknown severity "${m.Severity}" (expected CRITICAL, HIGH, MEDIUM, LOW or UNKNOWN)`,
      ["Severity"],
    );
  const status = own(STATUS, m.Status);
  if (!status)
    throw new RecordError(`unknown status "${m.Status}" (expected FAIL, PASS or EXCEPTION)`, ["Status"]);
  const cause = m.CauseMetadata;
  // `trivy aws` (cloud scans) names the resource by ARN, config scans by Terraform address.
  const arn = cause.Resource?.startsWith("arn:") ? cause.Resource : undefined;
  const address = (!arn && cause.Resource) || undefined;
  const start = cause.StartLine && cause.StartLine > 0 ? cause.StartLine : undefined;
  const end = cause.EndLine && cause.EndLine > 0 ? cause.EndLine : start;
  const file = target.replace(/^\.\//, "") || undefined;
  // The AVD id first (older reports: AVDID "AVD-AWS-0086" next to a legacy ID), then the ID.
  const catalogId = (m.AVDID ? ctx.catalogIdFor(m.AVDID) : null) ?? ctx.catalogIdFor(m.ID) ?? null;
  return {
    source: {
      tool: "trivy",
      format: "trivy",
      findingId: [m.AVDID ?? m.ID, file ?? "", arn ?? address ?? "", start ? `${start}-${end}` : ""].join(
        "|",
      ),
    },
    rule: { nativeId: m.ID, catalogId },
    title: m.Title || m.Message || m.ID,
    severity: { native: m.Severity, normalized: severity },
    resource: {
      arn,
      type: address ? terraformResourceType(address) : undefined,
      cloud: cause.Provider ? own(CLOUDS, cause.Provider.toLowerCase()) : undefined,
      terraformAddress: address,
      file,
      line: start,
    },
    status,
    lastSeen: createdAt,
    context: {
      dataSensitivity: [],
      remediationUrl: m.PrimaryURL || undefined,
      remediationText: m.Resolution || undefined,
    },
    raw: original,
  };
}

export const trivyParser: FindingParser = {
  id: "trivy",
  title: "Trivy JSON report (SchemaVersion, ArtifactName, Results[].Misconfigurations)",
  rescansCloud: false,
  sourceNames: { trivy: "Trivy" },
  detect: (doc) => looksTrivy(doc),
  parse(doc, ctx: ParseContext): ParseResult {
    const findings: Finding[] = [];
    const rejected: Rejection[] = [];
    if (!looksTrivy(doc)) {
      rejected.push({
        index: 0,
        path: "$",
        reason: "not a Trivy JSON report (SchemaVersion, ArtifactName, ArtifactType)",
      });
      return { findings, rejected };
    }
    // The report's creation time is when these results were last observed.
    const createdAt = z.iso.datetime({ offset: true }).safeParse(doc.CreatedAt).data;
    const results = Array.isArray(doc.Results) ? doc.Results : [];
    let offset = 0;
    results.forEach((result, r) => {
      const parsed = Result.safeParse(result);
      if (!parsed.success) {
        // A broken Result cannot be attributed to misconfigurations; only one that has some counts.
        const list =
          isObject(result) && Array.isArray(result.Misconfigurations) ? result.Misconfigurations : [];
        const issue = parsed.error.issues[0]!;
        for (let j = 0; j < list.length; j++) {
          rejected.push({
            index: offset + j,
            path: jsonPath("$.Results", r, issue.path),
            reason: issue.message,
          });
        }
        offset += list.length;
        return;
      }
      const list = parsed.data.Misconfigurations ?? [];
      const out = parseRecords(
        list,
        `$.Results[${r}].Misconfigurations`,
        Misconfiguration,
        (m, _i, original) => toFinding(m, parsed.data.Target, createdAt, original, ctx),
      );
      findings.push(...out.findings);
      for (const rej of out.rejected) rejected.push({ ...rej, index: offset + rej.index });
      offset += list.length;
    });
    return { findings, rejected };
  },
};
