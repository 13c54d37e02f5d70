// tfsec JSON (`tfsec --format json`), a single object {"results": [...] | null}. Three generations:
// - v1.x (defsec): rule_id "AVD-AWS-0086", long_id "aws-s3-block-public-acls", resource
//   "aws_s3_bucket.b", links[], status 0 failed | 1 passed | 2 ignored (with --include-passed /
//   --include-ignored), warning.
// - 0.5x–0.6x: rule_id "aws-vpc-no-public-egress-sgr", legacy_rule_id "AWS007", links[],
//   status "failed"/"passed"; the resource is only named in the description
//   ("Resource 'module.EKS:module.eks:aws_eks_cluster.this' has …").
// - legacy (< 0.40): rule_id "AWS017", link "See https://… for more information.", passed true/false,
//   severities ERROR/WARNING/INFO.
// `{"results": null}` is tfsec's empty report.
//
// Paths: tfsec writes location.filename as it resolved it, very often ABSOLUTE
// (/home/ci/repo/modules/x/main.tf), and the report does not name the scanned directory. A common
// prefix of the report's paths is not the scan root (a scan of /tmp/aws-eks whose findings are all
// under /tmp/aws-eks/modules/ has the common prefix /tmp/aws-eks/modules/), so no root is guessed:
// an absolute path is kept verbatim and the locate step matches it by suffix; a relative one loses a
// leading "./" only.
//
// tfsec gives a result no id of its own: source.findingId is derived from the check, the file, the
// line range and the resource (two module instances can fail one check on one line).

import { z } from "zod";
import { type FindingParser, normalizeSeverity, type ParseContext, type ParseResult } from "../model.ts";
import { isObject, own, parseRecords, RecordError } from "../records.ts";

const Record = z.object({
  rule_id: z.string().min(1),
  // tfsec serializes a missing id as "" (its Result struct has no omitempty): not an id, not an error.
  long_id: z.string().optional(),
  legacy_rule_id: z.string().optional(),
  rule_description: z.string().optional(),
  rule_provider: z.string().nullish(),
  description: z.string().default(""),
  resolution: z.string().optional(),
  links: z.array(z.string()).nullish(),
  link: z.string().optional(),
  severity: z.string().min(1),
  status: z.union([z.number().int(), z.string()]).optional(),
  passed: z.boolean().optional(),
  resource: z.string().optional(),
  location: z.object({
    filename: z.string().min(1),
    start_line: z.number().int(),
    end_line: z.number().int().optional(),
  }),
});
type Record = z.infer<typeof Record>;

const CLOUDS: { [provider: string]: "aws" | "azure" | "gcp" } = {
  aws: "aws",
  azure: "azure",
  google: "gcp",
  gcp: "gcp",
};

/** A Terraform resource address (optionally module-qualified, with index keys). */
const ADDRESS = /^(?:module\.[\w-]+(?:\[[^\]]*\])?\.)*(?:data\.)?[a-z][a-z0-9_]*\.[\w-]+(?:\[[^\]]*\])?$/;

/** The resource type of a Terraform address (`module.a.aws_s3_bucket.b[0]` → aws_s3_bucket). */
function resourceType(address: string): string | undefined {
  const parts = address.replace(/\[[^\]]*\]/g, "").split(".");
  let i = 0;
  while (parts[i] === "module" && i + 1 < parts.length) i += 2;
  if (parts[i] === "data") i += 1;
  return i + 1 < parts.length ? parts[i] : undefined;
}

/** The address tfsec < 1.0 names at the start of its description, `module.a:aws_x.y` → `module.a.aws_x.y`. */
function addressFromDescription(description: string): string | undefined {
  const m = /^(?:Resource|Block) '([^']+)'/.exec(description);
  if (!m) return undefined;
  const address = m[1]!.replaceAll(":", ".");
  return ADDRESS.test(address) ? address : undefined;
}

function status(r: Record): "failed" | "passed" | "suppressed" {
  if (typeof r.status === "number") {
    if (r.status === 0) return "failed";
    if (r.status === 1) return "passed";
    if (r.status === 2) return "suppressed"; // ignored by a tfsec:ignore comment or --exclude
    throw new RecordError(`unknown status ${r.status} (expected 0 failed, 1 passed or 2 ignored)`, [
      "status",
    ]);
  }
  if (typeof r.status === "string") {
    const s = r.status.toLowerCase();
    if (s === "failed") return "failed";
    if (s === "passed") return "passed";
    if (s === "ignored") return "suppressed";
    throw new RecordError(`unknown status "${r.status}" (expected failed, passed or ignored)`, ["status"]);
  }
  return r.passed === true ? "passed" : "failed";
}

function looksTfsec(doc: unknown): doc is { results: unknown[] | null } {
  if (!isObject(doc) || !("results" in doc)) return false;
  const results = doc.results;
  // tfsec's document has nothing but `results`; an empty one is only recognizable by that.
  if (results === null || (Array.isArray(results) && results.length === 0))
    return Object.keys(doc).length === 1;
  return (
    Array.isArray(results) &&
    results.some(
      (r) =>
        isObject(r) &&
        typeof r.rule_id === "string" &&
        isObject(r.location) &&
        "filename" in r.location &&
        "start_line" in r.location,
    )
  );
}

export const tfsecParser: FindingParser = {
  id: "tfsec",
  title: "tfsec JSON ({results: [{rule_id, long_id?, severity, location{filename, start_line}}]})",
  rescansCloud: false,
  sourceNames: { tfsec: "tfsec" },
  detect: (doc) => looksTfsec(doc),
  parse(doc, ctx: ParseContext): ParseResult {
    if (!looksTfsec(doc))
      return { findings: [], rejected: [{ index: 0, path: "$", reason: "not a tfsec JSON report" }] };
    return parseRecords(doc.results ?? [], "$.results", Record, (r, _index, original) => {
      const severity = normalizeSeverity(r.severity);
      if (!severity)
        throw new RecordError(
          `unknown severity "${r.severity}" (expected CRITICAL, HIGH, MEDIUM, LOW, or legacy ERROR, WARNING, INFO)`,
          ["severity"],
        );
      const address = r.resource || addressFromDescription(r.description);
      const file = r.location.filename.replace(/^\.\//, "");
      const start = r.location.start_line > 0 ? r.location.start_line : undefined;
      const end = r.location.end_line && r.location.end_line > 0 ? r.location.end_line : start;
      // The long id is the most specific across versions, then the rule id, then the legacy id.
      const ids = [r.long_id, r.rule_id, r.legacy_rule_id].filter((id): id is string => !!id?.trim());
      const catalogId = ids.map((id) => ctx.catalogIdFor(id)).find((id) => id !== null) ?? null;
      // The other names of the check stay findable: `AWS050` beside `aws-vpc-no-excessive-port-access`.
      const otherIds = [...new Set(ids.filter((id) => id !== r.rule_id))];
      const url = r.links?.find((l) => l.length > 0) ?? /https?:\/\/\S+/.exec(r.link ?? "")?.[0];
      return {
        source: {
          tool: "tfsec",
          format: "tfsec",
          findingId: [r.long_id || r.rule_id, file, start ? `${start}-${end}` : "", address ?? ""].join("|"),
        },
        rule: { nativeId: r.rule_id, catalogId, ...(otherIds.length > 0 ? { otherIds } : {}) },
        title: r.rule_description || r.description || r.rule_id,
        severity: { native: r.severity, normalized: severity },
        resource: {
          type: address ? resourceType(address) : undefined,
          cloud: r.rule_provider ? own(CLOUDS, r.rule_provider.toLowerCase()) : undefined,
          terraformAddress: address,
          file,
          line: start,
        },
        status: status(r),
        context: {
          dataSensitivity: [],
          remediationUrl: url,
          remediationText: r.resolution || undefined,
        },
        raw: original,
      };
    });
  },
};
