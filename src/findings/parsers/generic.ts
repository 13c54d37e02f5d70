// The generic payload security teams send today (one object or an array of them):
// {"finding_id","resource_arn","severity","context":{"is_internet_reachable","contains_pii",
//  "attack_path_detected","owner_team","jira_project","remediation_steps"},
//  "metadata":{"account_id","region","first_seen"}}
// It names no check id; an optional `rule_id` (or `control_id`) is honoured when present.

import { z } from "zod";
import { parseArn } from "../arn.ts";
import { type FindingParser, normalizeSeverity, type ParseContext, UNSPECIFIED_RULE } from "../model.ts";
import { isObject, parseRecords, RecordError } from "../records.ts";

const Record = z.object({
  finding_id: z.string().min(1),
  resource_arn: z.string().min(1),
  severity: z.string().min(1),
  rule_id: z.string().min(1).optional(),
  control_id: z.string().min(1).optional(),
  title: z.string().optional(),
  status: z.enum(["open", "failed", "passed", "resolved", "OPEN", "FAILED", "PASSED", "RESOLVED"]).optional(),
  context: z
    .object({
      is_internet_reachable: z.boolean().optional(),
      contains_pii: z.boolean().optional(),
      attack_path_detected: z.boolean().optional(),
      owner_team: z.string().optional(),
      jira_project: z.string().optional(),
      remediation_steps: z.string().optional(),
    })
    .default({}),
  metadata: z
    .object({
      account_id: z.string().optional(),
      region: z.string().optional(),
      first_seen: z.iso.datetime({ offset: true }).optional(),
    })
    .default({}),
});

const looksGeneric = (v: unknown) =>
  isObject(v) && "finding_id" in v && ("resource_arn" in v || "severity" in v);

export const genericParser: FindingParser = {
  id: "generic",
  title: "Generic CSPM payload (finding_id, resource_arn, severity, context, metadata)",
  // A batch is generic when its records are; a broken record must not hide the valid ones.
  detect: (doc) => looksGeneric(doc) || (Array.isArray(doc) && doc.some(looksGeneric)),
  parse(doc, ctx: ParseContext) {
    const records = Array.isArray(doc) ? doc : [doc];
    return parseRecords(
      records,
      "$",
      Record,
      (r, _index, original) => {
        const severity = normalizeSeverity(r.severity);
        if (!severity)
          throw new RecordError(
            `unknown severity "${r.severity}" (expected critical, high, medium, low or info)`,
            ["severity"],
          );
        const arn = parseArn(r.resource_arn);
        if (!arn) throw new RecordError(`resource_arn is not an ARN: "${r.resource_arn}"`, ["resource_arn"]);
        const nativeId = r.rule_id ?? r.control_id ?? UNSPECIFIED_RULE;
        const status = r.status?.toLowerCase();
        return {
          source: { tool: "generic", format: "generic", findingId: r.finding_id },
          rule: { nativeId, catalogId: nativeId === UNSPECIFIED_RULE ? null : ctx.catalogIdFor(nativeId) },
          title: r.title ?? r.context.remediation_steps ?? `${arn.service} finding ${r.finding_id}`,
          severity: { native: r.severity, normalized: severity },
          resource: {
            arn: r.resource_arn,
            name: arn.resourceId,
            type: `${arn.service}${arn.resourceType ? `:${arn.resourceType}` : ""}`,
            cloud: "aws" as const,
            account: r.metadata.account_id ?? (arn.account || undefined),
            region: r.metadata.region ?? (arn.region || undefined),
          },
          status: status === "passed" ? "passed" : status === "resolved" ? "resolved" : "failed",
          firstSeen: r.metadata.first_seen,
          context: {
            internetReachable: r.context.is_internet_reachable,
            dataSensitivity: r.context.contains_pii ? ["PII" as const] : [],
            attackPath: r.context.attack_path_detected,
            ownerTeam: r.context.owner_team,
            remediationText: r.context.remediation_steps,
            ticketProject: r.context.jira_project,
          },
          raw: original,
        };
      },
      Array.isArray(doc),
    );
  },
};
