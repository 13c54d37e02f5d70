// Wiz issue notifications: the JSON body a Wiz automation rule (Webhook / AWS SNS / … action) sends for an
// Issue. Wiz renders a user-editable Mustache template; the default template (reproduced in the Wiz Terraform
// provider's example, AxtonGrams/terraform-provider-wiz examples/resources/wiz_automation_rule_aws_sns) is:
//   {"trigger": {"source","type","ruleId","ruleName"},
//    "issue": {"id","status","severity","created","projects"},
//    "resource": {"id": providerId, "name", "type": nativeType, "cloudPlatform", "subscriptionId",
//                 "subscriptionName", "region", "status", "cloudProviderURL"},
//    "control": {"id","name","description","severity","sourceCloudConfigurationRuleId",
//                "sourceCloudConfigurationRuleName"}}
// and Cortex XSOAR's "Wiz Mapper Webhook" (demisto/content Packs/Wiz) reads the same paths. Templates that add
// `resource.providerId`, `resource.nativeType`, `resource.tags` or `issue.updated` are read too.
// No real rendered payload is public: this parser follows the documented template (see the report).
//
// Mapping: findingId = issue.id; nativeId = control.id (catalog: sourceCloudConfigurationRuleId first, then
// control.id); severity = issue.severity, else control.severity; status OPEN / IN_PROGRESS → failed,
// RESOLVED → resolved, REJECTED → suppressed; the resource's cloud id is
// providerId, else `resource.id` (the default template puts providerId there): an ARN goes to resource.arn.
// An unrendered template value ("{{issue.severity}}") fails validation like any other bad value.

import { z } from "zod";
import { parseArn } from "../arn.ts";
import { type Finding, type FindingParser, normalizeSeverity, type ParseContext } from "../model.ts";
import { isObject, own, parseRecords, RecordError } from "../records.ts";

const WizIssue = z.object({
  trigger: z.object({ type: z.string().optional(), ruleName: z.string().optional() }).optional(),
  issue: z.object({
    id: z.string().min(1),
    status: z.string().min(1),
    severity: z.string().optional(),
    created: z.string().optional(),
    createdAt: z.string().optional(),
    updated: z.string().optional(),
    updatedAt: z.string().optional(),
  }),
  control: z.object({
    id: z.string().min(1),
    name: z.string().optional(),
    description: z.string().optional(),
    severity: z.string().optional(),
    sourceCloudConfigurationRuleId: z.string().optional(),
  }),
  resource: z
    .object({
      id: z.string().optional(),
      providerId: z.string().optional(),
      name: z.string().optional(),
      type: z.string().optional(),
      nativeType: z.string().optional(),
      cloudPlatform: z.string().optional(),
      subscriptionId: z.string().optional(),
      region: z.string().optional(),
      tags: z.record(z.string(), z.string()).optional(),
    })
    .default({}),
});
type WizIssue = z.infer<typeof WizIssue>;

const looksWiz = (v: unknown): boolean => isObject(v) && isObject(v.issue) && isObject(v.control);

const isoWithOffset = z.iso.datetime({ offset: true });
const timestamp = (...c: (string | undefined)[]) =>
  c.find((v) => v !== undefined && isoWithOffset.safeParse(v).success);

const STATUS: Record<string, Finding["status"]> = {
  OPEN: "failed",
  IN_PROGRESS: "failed",
  REJECTED: "suppressed",
  RESOLVED: "resolved",
};

const CLOUDS: Record<string, "aws" | "azure" | "gcp"> = { AWS: "aws", AZURE: "azure", GCP: "gcp" };

function convert(w: WizIssue, original: unknown, ctx: ParseContext): Finding {
  const nativeSeverity = w.issue.severity || w.control.severity;
  const severity = nativeSeverity ? normalizeSeverity(nativeSeverity) : undefined;
  if (!severity) {
    throw new RecordError(
      nativeSeverity
        ? `unknown severity "${nativeSeverity}" (expected CRITICAL, HIGH, MEDIUM, LOW or INFORMATIONAL)`
        : "no issue.severity and no control.severity",
      w.issue.severity ? ["issue", "severity"] : ["control", "severity"],
    );
  }
  const status = own(STATUS, w.issue.status.toUpperCase());
  if (!status) {
    throw new RecordError(
      `unknown issue.status "${w.issue.status}" (expected OPEN, IN_PROGRESS, RESOLVED or REJECTED)`,
      ["issue", "status"],
    );
  }
  const r = w.resource;
  const cloudId = r.providerId || r.id || undefined;
  const arn = cloudId ? parseArn(cloudId) : undefined;
  const candidates = [w.control.sourceCloudConfigurationRuleId, w.control.id].filter(
    (id): id is string => !!id,
  );
  const catalogId = candidates.map((id) => ctx.catalogIdFor(id)).find((id) => id !== null) ?? null;
  return {
    source: { tool: "wiz", format: "wiz", findingId: w.issue.id },
    rule: { nativeId: w.control.id, catalogId },
    title: w.control.name || w.control.id,
    severity: { native: nativeSeverity!, normalized: severity },
    resource: {
      arn: arn ? cloudId : undefined,
      id: arn ? undefined : cloudId,
      name: r.name || arn?.resourceId,
      type: r.nativeType || r.type || undefined,
      cloud: r.cloudPlatform ? own(CLOUDS, r.cloudPlatform.toUpperCase()) : arn ? "aws" : undefined,
      account: r.subscriptionId || arn?.account || undefined,
      region: r.region || arn?.region || undefined,
      tags: r.tags && Object.keys(r.tags).length > 0 ? r.tags : undefined,
    },
    status,
    firstSeen: timestamp(w.issue.created, w.issue.createdAt),
    lastSeen: timestamp(w.issue.updated, w.issue.updatedAt),
    context: { dataSensitivity: [] },
    raw: original,
  };
}

export const wizParser: FindingParser = {
  id: "wiz",
  title: "Wiz issue webhook / automation payload ({trigger, issue, control, resource})",
  rescansCloud: true,
  sourceNames: { wiz: "Wiz" },
  detect: (doc) => looksWiz(doc) || (Array.isArray(doc) && doc.some(looksWiz)),
  parse(doc, ctx) {
    const records = Array.isArray(doc) ? doc : [doc];
    return parseRecords(
      records,
      "$",
      WizIssue,
      (w, _index, original) => convert(w, original, ctx),
      Array.isArray(doc),
    );
  },
};
