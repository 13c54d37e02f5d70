// KICS JSON (`kics scan --report-formats json`, results.json):
// {"kics_version"?,"files_scanned","queries_total","total_counter","severity_counters","start"?,"end"?,
//  "queries":[{"query_name","query_id" (UUID),"query_url"?,"severity","platform","cloud_provider"?,
//   "files":[{"file_name","similarity_id","line","resource_type"?,"resource_name"?,"search_key",
//   "issue_type","expected_value","actual_value"}]}]}
//
// One finding per queries[].files[] entry (KICS counts them in total_counter); KICS lists failures
// only. source.findingId is KICS's similarity_id; an entry without one gets a derived id (query id,
// file, line, search key). `bill_of_materials` (--bom, severity TRACE) is an inventory, not findings:
// it is not read.
//
// For Terraform, search_key starts with the resource (`aws_s3_bucket[positive1].acl`,
// `module[vpc]`, `data.aws_iam_policy_document[p]`), which gives terraformAddress
// (`aws_s3_bucket.positive1`). resource_name is the cloud-side name KICS read from the resource's
// attributes, not its Terraform label, so it goes to resource.name only.
//
// The records are the files[] entries of all queries, flattened in document order: a rejection's
// `index` is the position in that list, its `path` the exact JSON path (`$.queries[2].files[0].line`,
// or `$.queries[2].severity` for every entry of a query whose own fields are broken).

import { z } from "zod";
import {
  type Finding,
  type FindingParser,
  normalizeSeverity,
  type ParseContext,
  type ParseResult,
  type Rejection,
} from "../model.ts";
import { isObject, jsonPath, own, parseRecords } from "../records.ts";

const Query = z.object({
  query_name: z.string().min(1),
  query_id: z.string().min(1),
  query_url: z.string().optional(),
  severity: z.string().min(1),
  platform: z.string().optional(),
  cloud_provider: z.string().optional(),
  files: z.array(z.unknown()),
});
type Query = z.infer<typeof Query>;

const FileEntry = z.object({
  file_name: z.string().min(1),
  similarity_id: z.string().min(1).optional(),
  line: z.number().int(),
  resource_type: z.string().optional(),
  resource_name: z.string().optional(),
  search_key: z.string().optional(),
  issue_type: z.string().optional(),
  expected_value: z.string().nullish(),
  actual_value: z.string().nullish(),
});
type FileEntry = z.infer<typeof FileEntry>;

const CLOUDS: { [provider: string]: "aws" | "azure" | "gcp" } = {
  aws: "aws",
  azure: "azure",
  gcp: "gcp",
  google: "gcp",
};

/** Terraform block kinds that are not resources, in KICS search keys. */
const NOT_RESOURCES = new Set(["provider", "variable", "output", "locals", "terraform", "resource"]);

/** `aws_s3_bucket[positive1].acl` → type aws_s3_bucket, address aws_s3_bucket.positive1. */
export function kicsTerraformResource(searchKey: string): { type?: string; address: string } | undefined {
  const m = /^(?:resource\.)?(data\.)?([a-z][a-z0-9_]*)\[([^\]]+)\]/.exec(searchKey);
  if (!m) return undefined;
  const [, data, type, rawName] = m as unknown as [string, string | undefined, string, string];
  const name = rawName.replace(/^\{\{(.*)\}\}$/, "$1");
  if (NOT_RESOURCES.has(type) || !/^[A-Za-z_][\w-]*$/.test(name)) return undefined;
  if (type === "module") return data ? undefined : { address: `module.${name}` };
  return { type, address: `${data ? "data." : ""}${type}.${name}` };
}

function looksKics(doc: unknown): doc is Record<string, unknown> & { queries: unknown[] } {
  if (!isObject(doc) || !Array.isArray(doc.queries)) return false;
  if ("kics_version" in doc || ("total_counter" in doc && "severity_counters" in doc)) return true;
  // Some tools trim the summary away; the queries themselves still say KICS.
  return doc.queries.some(
    (q) => isObject(q) && typeof q.query_id === "string" && "query_name" in q && Array.isArray(q.files),
  );
}

function toFinding(
  q: Query,
  f: FileEntry,
  lastSeen: string | undefined,
  original: unknown,
  ctx: ParseContext,
): Finding {
  const file = f.file_name.replace(/^\.\//, "");
  const line = f.line > 0 ? f.line : undefined;
  const terraform =
    q.platform?.toLowerCase() === "terraform" && f.search_key
      ? kicsTerraformResource(f.search_key)
      : undefined;
  const severity = normalizeSeverity(q.severity)!;
  return {
    source: {
      tool: "kics",
      format: "kics",
      findingId: f.similarity_id ?? [q.query_id, file, line ?? "", f.search_key ?? ""].join("|"),
    },
    rule: { nativeId: q.query_id, catalogId: ctx.catalogIdFor(q.query_id) },
    title: q.query_name,
    severity: { native: q.severity, normalized: severity },
    resource: {
      name: f.resource_name || undefined,
      type: f.resource_type || terraform?.type,
      cloud: q.cloud_provider ? own(CLOUDS, q.cloud_provider.toLowerCase()) : undefined,
      terraformAddress: terraform?.address,
      file,
      line,
    },
    status: "failed",
    lastSeen,
    context: {
      dataSensitivity: [],
      remediationUrl: q.query_url || undefined,
      remediationText: f.expected_value || undefined,
    },
    raw: original,
  };
}

export const kicsParser: FindingParser = {
  id: "kics",
  title: "KICS JSON (kics_version, total_counter, queries[].files[])",
  rescansCloud: false,
  sourceNames: { kics: "KICS" },
  detect: (doc) => looksKics(doc),
  parse(doc, ctx: ParseContext): ParseResult {
    const findings: Finding[] = [];
    const rejected: Rejection[] = [];
    if (!looksKics(doc)) {
      rejected.push({ index: 0, path: "$", reason: "not a KICS JSON report (queries[].files[])" });
      return { findings, rejected };
    }
    // The scan's end time is when these results were last observed.
    const lastSeen = z.iso.datetime({ offset: true }).safeParse(doc.end).data;
    let offset = 0;
    doc.queries.forEach((query, qi) => {
      const files = isObject(query) && Array.isArray(query.files) ? query.files : [];
      const parsed = Query.safeParse(query);
      let problem: { path: ReadonlyArray<PropertyKey>; reason: string } | undefined;
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        problem = { path: issue.path, reason: issue.message };
      } else if (!normalizeSeverity(parsed.data.severity)) {
        problem = {
          path: ["severity"],
          reason: `unknown severity "${parsed.data.severity}" (expected CRITICAL, HIGH, MEDIUM, LOW or INFO)`,
        };
      }
      if (problem || !parsed.success) {
        // Every entry of a broken query is rejected, pointing at the query's offending value.
        const { path, reason } = problem ?? { path: [], reason: "invalid query" };
        const count = Math.max(files.length, 1);
        for (let j = 0; j < count; j++)
          rejected.push({ index: offset + j, path: jsonPath("$.queries", qi, path), reason });
        offset += count;
        return;
      }
      const q = parsed.data;
      const out = parseRecords(q.files, `$.queries[${qi}].files`, FileEntry, (f, _j, original) =>
        toFinding(q, f, lastSeen, original, ctx),
      );
      findings.push(...out.findings);
      for (const rej of out.rejected) rejected.push({ ...rej, index: offset + rej.index });
      offset += q.files.length;
    });
    return { findings, rejected };
  },
};
