// The generic payload security teams send today (one object or an array of them), as the design's
// seed routing payload has it:
// {"finding_id","resource_arn","severity","context":{"is_internet_reachable","contains_pii",
//  "attack_path_detected","owner_team","jira_project","remediation_steps"},
//  "metadata":{"account_id","region","first_seen"}}
// Optional: `rule_id` (or `control_id`) names the check, `title`, and `status` for re-scan results.
// The full format is documented in docs/http-api.md and published as
// schemas/generic-finding.schema.json (a test checks that every schema-valid document is accepted).
//
// - `attack_path_detected` is a flag or the path itself as text ("Internet -> EC2 -> S3:GetObject"):
//   text sets context.attackPath and is kept as context.attackPathText.
// - `remediation_steps` is a URL or text: an https URL becomes context.remediationUrl, anything
//   else context.remediationText.
// - Keys fixloop does not know are never a rejection: every context key, and any unknown key of the
//   record or its metadata, is kept in context.sourceContext (and the whole record in `raw`).

import { z } from "zod";
import { parseArn } from "../arn.ts";
import {
  type Finding,
  type FindingParser,
  normalizeSeverity,
  type ParseContext,
  UNSPECIFIED_RULE,
} from "../model.ts";
import { isObject, parseRecords, RecordError } from "../records.ts";

const Record = z.looseObject({
  finding_id: z.string().min(1),
  resource_arn: z.string().min(1),
  severity: z.string().min(1),
  rule_id: z.string().min(1).optional(),
  control_id: z.string().min(1).optional(),
  title: z.string().optional(),
  status: z.string().optional(),
  context: z
    .looseObject({
      is_internet_reachable: z.boolean().optional(),
      contains_pii: z.boolean().optional(),
      attack_path_detected: z
        .union([z.boolean(), z.string()], {
          error: (issue) =>
            `expected a boolean or the attack path as text, received ${issue.input === null ? "null" : Array.isArray(issue.input) ? "array" : typeof issue.input}`,
        })
        .optional(),
      owner_team: z.string().optional(),
      jira_project: z.string().optional(),
      remediation_steps: z.string().optional(),
    })
    .default({}),
  metadata: z
    .looseObject({
      account_id: z.string().optional(),
      region: z.string().optional(),
      first_seen: z.iso.datetime({ offset: true }).optional(),
    })
    .default({}),
});
type Record = z.infer<typeof Record>;

const KNOWN_TOP = new Set([
  "finding_id",
  "resource_arn",
  "severity",
  "rule_id",
  "control_id",
  "title",
  "status",
  "context",
  "metadata",
]);
const KNOWN_METADATA = new Set(["account_id", "region", "first_seen"]);

const STATUSES = new Map<string, Finding["status"]>([
  ["open", "failed"],
  ["failed", "failed"],
  ["passed", "passed"],
  ["resolved", "resolved"],
  ["suppressed", "suppressed"],
]);

const looksGeneric = (v: unknown) =>
  isObject(v) && "finding_id" in v && ("resource_arn" in v || "severity" in v);

/** An https URL without credentials is a link to the source's guidance; anything else is text. */
export function isGuidanceUrl(text: string): boolean {
  const trimmed = text.trim();
  if (!/^https:\/\//i.test(trimmed) || /\s/.test(trimmed) || !URL.canParse(trimmed)) return false;
  const url = new URL(trimmed);
  return url.protocol === "https:" && url.username === "" && url.password === "" && url.hostname !== "";
}

/** Every context key as sent, then the record's and its metadata's keys fixloop does not read. */
function sourceContext(r: Record): { [key: string]: unknown } | undefined {
  const out: { [key: string]: unknown } = {};
  for (const [key, value] of Object.entries(r)) {
    if (!KNOWN_TOP.has(key)) out[key] = value;
  }
  for (const [key, value] of Object.entries(r.metadata)) {
    if (!KNOWN_METADATA.has(key)) out[`metadata.${key}`] = value;
  }
  // Context keys last: they are what `fixloop finding` is asked to show under their own names.
  Object.assign(out, r.context);
  return Object.keys(out).length > 0 ? out : undefined;
}

function context(r: Record): Finding["context"] {
  const path = r.context.attack_path_detected;
  const pathText = typeof path === "string" && path.trim() !== "" ? path : undefined;
  const steps = r.context.remediation_steps;
  const stepsUrl = steps !== undefined && isGuidanceUrl(steps) ? steps.trim() : undefined;
  return {
    internetReachable: r.context.is_internet_reachable,
    dataSensitivity: r.context.contains_pii ? ["PII" as const] : [],
    // Text names the path, so the resource is on one; an empty text says nothing either way.
    attackPath: typeof path === "boolean" ? path : pathText !== undefined ? true : undefined,
    attackPathText: pathText,
    ownerTeam: r.context.owner_team,
    remediationUrl: stepsUrl,
    remediationText: stepsUrl === undefined && steps ? steps : undefined,
    ticketProject: r.context.jira_project,
    sourceContext: sourceContext(r),
  };
}

function status(r: Record): Finding["status"] {
  if (r.status === undefined) return "failed";
  const s = STATUSES.get(r.status.trim().toLowerCase());
  if (!s)
    throw new RecordError(
      `unknown status "${r.status}" (expected open, failed, passed, resolved or suppressed)`,
      ["status"],
    );
  return s;
}

function convert(r: Record, ctx: ParseContext, original: unknown): Finding {
  const severity = normalizeSeverity(r.severity);
  if (!severity)
    throw new RecordError(`unknown severity "${r.severity}" (expected critical, high, medium, low or info)`, [
      "severity",
    ]);
  const arn = parseArn(r.resource_arn);
  if (!arn) throw new RecordError(`resource_arn is not an ARN: "${r.resource_arn}"`, ["resource_arn"]);
  const nativeId = r.rule_id ?? r.control_id ?? UNSPECIFIED_RULE;
  const ctxOut = context(r);
  return {
    source: { tool: "generic", format: "generic", findingId: r.finding_id },
    rule: { nativeId, catalogId: nativeId === UNSPECIFIED_RULE ? null : ctx.catalogIdFor(nativeId) },
    title: r.title ?? ctxOut.remediationText ?? `${arn.service} finding ${r.finding_id}`,
    severity: { native: r.severity, normalized: severity },
    resource: {
      arn: r.resource_arn,
      name: arn.resourceId,
      type: `${arn.service}${arn.resourceType ? `:${arn.resourceType}` : ""}`,
      cloud: "aws" as const,
      account: r.metadata.account_id ?? (arn.account || undefined),
      region: r.metadata.region ?? (arn.region || undefined),
    },
    status: status(r),
    firstSeen: r.metadata.first_seen,
    context: ctxOut,
    raw: original,
  };
}

export const genericParser: FindingParser = {
  id: "generic",
  title: "Generic CSPM payload (finding_id, resource_arn, severity, context, metadata)",
  rescansCloud: false,
  sourceNames: {},
  // A batch is generic when its records are; a broken record must not hide the valid ones.
  detect: (doc) => looksGeneric(doc) || (Array.isArray(doc) && doc.some(looksGeneric)),
  parse(doc, ctx: ParseContext) {
    const records = Array.isArray(doc) ? doc : [doc];
    return parseRecords(
      records,
      "$",
      Record,
      (r, _index, original) => convert(r, ctx, original),
      Array.isArray(doc),
    );
  },
};
