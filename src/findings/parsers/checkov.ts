// Checkov's JSON output (`checkov -o json`): one report object
//   {check_type, results:{passed_checks, failed_checks, skipped_checks, parsing_errors}, summary}
// or a LIST of them (one per check type when several frameworks ran), or — when nothing was
// scanned — a summary-only document {"passed":0,"failed":0,"skipped":0,…,"checkov_version"}.
//
// Mapping (checkov/common/output/record.py, report.py):
// - every passed/failed/skipped check is one finding: status passed / failed / suppressed.
//   Skipped = suppressed by the user (`#checkov:skip=ID:reason` or --skip-check): the check did
//   fail, and a person decided not to fix it, so it is neither an open failure (fixloop must not
//   open a PR against that decision) nor a pass. Its suppress_comment stays in `raw`; it is NOT put
//   in context.remediationText, which means "how to fix", and a skip reason is the opposite.
// - check_id → rule.nativeId (bc_check_id is tried for the catalog when check_id maps to nothing).
// - resource → terraformAddress for Terraform check types. Checkov names a resource declared inside
//   a module `module.<name>.<type>.<name>` while file_path points at the module's own source file,
//   so the address that exists in that file is the part after the module prefixes.
// - file_path ("/dir/main.tf", relative to the directory checkov scanned) → file without the
//   leading slash; file_line_range[0] → line (Checkov writes 0 when it has no line: omitted).
// - severity: Checkov OSS writes `severity: null` (severities come from the Prisma Cloud
//   platform). fixloop does not guess one: severity.native is "" (nothing was reported) and the
//   normalized value is the model's value for "not rated" (normalizeSeverity("unknown") = info).
//   A severity string Checkov did report but fixloop does not know is rejected.
// - guideline → context.remediationUrl; entity_tags (string values) → resource.tags.
// Checkov has no finding id: source.findingId is a hash of check type, check id, file, resource
// and line range (with #2, #3… appended when a document repeats the same record).

import { z } from "zod";
import { stableId } from "../hash.ts";
import {
  type Finding,
  type FindingParser,
  normalizeSeverity,
  type ParseContext,
  type ParseResult,
  type Severity,
} from "../model.ts";
import { isObject, parseRecords, RecordError } from "../records.ts";

const CheckRecord = z.looseObject({
  check_id: z.string().min(1),
  bc_check_id: z.string().nullish(),
  check_name: z.string(),
  check_result: z.looseObject({
    result: z.string().optional(),
    suppress_comment: z.string().nullish(),
  }),
  file_path: z.string().min(1),
  file_line_range: z.array(z.number().int().nonnegative()).nullish(),
  resource: z.string().min(1),
  severity: z.string().nullish(),
  guideline: z.string().nullish(),
  entity_tags: z.record(z.string(), z.unknown()).nullish(),
});
type CheckRecord = z.infer<typeof CheckRecord>;

const LISTS = [
  ["passed_checks", "passed"],
  ["failed_checks", "failed"],
  ["skipped_checks", "suppressed"],
] as const;

const TERRAFORM_TYPES = new Set(["terraform", "terraform_plan", "terraform_json"]);

const isReport = (v: unknown): v is Record<string, unknown> =>
  isObject(v) && typeof v.check_type === "string" && isObject(v.results);

/** `{"passed":0,"failed":0,…,"checkov_version":"2.1.269"}`: what Checkov prints when it scanned nothing. */
const isEmptySummary = (v: unknown): boolean =>
  isObject(v) &&
  typeof v.checkov_version === "string" &&
  typeof v.passed === "number" &&
  typeof v.failed === "number" &&
  !("results" in v);

/** `module.a.module.b["k"].aws_s3_bucket.this[0]` → `aws_s3_bucket.this[0]`. */
export function stripModulePrefix(address: string): string {
  return address.replace(/^(?:module\.[^.[\]]+(?:\[[^\]]*\])?\.)+/, "");
}

function hash(parts: readonly unknown[]): string {
  return stableId(parts);
}

function severityOf(native: string | null | undefined): { native: string; normalized: Severity } {
  if (native === null || native === undefined || native.trim() === "") {
    return { native: "", normalized: normalizeSeverity("unknown")! };
  }
  const normalized = normalizeSeverity(native);
  if (!normalized)
    throw new RecordError(
      `unknown severity "${native}" (expected CRITICAL, HIGH, MEDIUM, LOW, INFO or null)`,
      ["severity"],
    );
  return { native, normalized };
}

function convert(
  r: CheckRecord,
  original: unknown,
  checkType: string,
  status: Finding["status"],
  ctx: ParseContext,
  seen: Map<string, number>,
): Finding {
  const file = r.file_path.replace(/\\/g, "/").replace(/^\/+/, "");
  if (!file) throw new RecordError(`file_path "${r.file_path}" names no file`, ["file_path"]);
  const start = r.file_line_range?.[0];
  const terraform = TERRAFORM_TYPES.has(checkType);
  const address = terraform ? stripModulePrefix(r.resource) : undefined;
  const typeAndName = address?.replace(/^data\./, "").match(/^([^.]+)\.([^.[]+)/);
  const tags = r.entity_tags
    ? Object.fromEntries(
        Object.entries(r.entity_tags).filter((e): e is [string, string] => typeof e[1] === "string"),
      )
    : undefined;

  const base = hash([checkType, r.check_id, r.file_path, r.resource, r.file_line_range ?? null]);
  const n = (seen.get(base) ?? 0) + 1;
  seen.set(base, n);

  return {
    source: { tool: "checkov", format: "checkov", findingId: n === 1 ? base : `${base}#${n}` },
    rule: {
      nativeId: r.check_id,
      catalogId: ctx.catalogIdFor(r.check_id) ?? (r.bc_check_id ? ctx.catalogIdFor(r.bc_check_id) : null),
    },
    title: r.check_name,
    severity: severityOf(r.severity),
    resource: {
      file,
      line: start !== undefined && start > 0 ? start : undefined,
      terraformAddress: address,
      type: typeAndName?.[1],
      name: typeAndName?.[2],
      tags: tags && Object.keys(tags).length > 0 ? tags : undefined,
    },
    status,
    context: {
      dataSensitivity: [],
      remediationUrl: r.guideline || undefined,
    },
    raw: original,
  };
}

export const checkovParser: FindingParser = {
  id: "checkov",
  title: "Checkov JSON (checkov -o json: {check_type, results, summary} or a list of them)",
  rescansCloud: false,
  sourceNames: { checkov: "Checkov" },
  detect: (doc) =>
    isReport(doc) || isEmptySummary(doc) || (Array.isArray(doc) && doc.length > 0 && doc.every(isReport)),
  parse(doc, ctx: ParseContext): ParseResult {
    const out: ParseResult = { findings: [], rejected: [] };
    if (isEmptySummary(doc)) return out;
    const reports = Array.isArray(doc) ? doc : [doc];
    const seen = new Map<string, number>();
    let offset = 0;
    reports.forEach((report, r) => {
      const prefix = Array.isArray(doc) ? `$[${r}]` : "$";
      if (!isReport(report)) {
        out.rejected.push({
          index: offset,
          path: prefix,
          reason: "not a Checkov report: expected an object with check_type and results",
        });
        offset += 1;
        return;
      }
      const checkType = report.check_type as string;
      const results = report.results as Record<string, unknown>;
      for (const [list, status] of LISTS) {
        const records = results[list];
        if (records === undefined || records === null) continue;
        if (!Array.isArray(records)) {
          out.rejected.push({
            index: offset,
            path: `${prefix}.results.${list}`,
            reason: `expected an array of checks, got ${typeof records}`,
          });
          offset += 1;
          continue;
        }
        const part = parseRecords(records, `${prefix}.results.${list}`, CheckRecord, (rec, _i, original) =>
          convert(rec, original, checkType, status, ctx, seen),
        );
        out.findings.push(...part.findings);
        out.rejected.push(...part.rejected.map((x) => ({ ...x, index: x.index + offset })));
        offset += records.length;
      }
    });
    return out;
  },
};
