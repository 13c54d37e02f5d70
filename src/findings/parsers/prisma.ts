// Prisma Cloud (CSPM) alerts, in the two shapes Prisma Cloud emits:
//  1. Alert API objects (GET /alert/{id}, POST /v2/alert → {"totalRows", "items": [...]}, a list of them):
//     {id: "P-…", status, alertTime, firstSeen, lastSeen (epoch ms), policy: {policyId, name?, severity?,
//      policyType, recommendation?}, resource: {id, name, rrn?, accountId, account, regionId, region,
//      resourceType, cloudType, resourceApiName, data?}}
//  2. The webhook integration's notification: a JSON array of flat alerts {alertId, policyId, policyName,
//     severity, resourceId, resourceName, resourceType, accountId, accountName, resourceRegionId, cloudType,
//     alertTs, callbackUrl, policyRecommendation?, …} (field names as documented by Prisma Cloud and as SIEM
//     parsers for "source": "Prisma Cloud" notifications read them; no real payload is public, see the report).
//
// Mapping: findingId = alert id (P-…); nativeId = policyId (Prisma has no short check id; catalog lookup by
// policyId); severity = policy.severity / severity, REQUIRED (an alert fetched without policy details has
// none and is rejected rather than guessed); status open / pending_resolution → failed, resolved → resolved,
// dismissed / snoozed → suppressed; a webhook alert without a status field is an
// open alert (Prisma notifies on open alerts; resolved/dismissed notifications carry their status).
// Timestamps are epoch milliseconds.

import { z } from "zod";
import { parseArn } from "../arn.ts";
import { identifierOf, tagListToMap, uniqueIdentifiers } from "../identifiers.ts";
import {
  type Finding,
  type FindingParser,
  normalizeSeverity,
  type ParseContext,
  type ResourceIdentifier,
} from "../model.ts";
import { epochMillisToIso, isObject, own, parseRecords, RecordError } from "../records.ts";

const ApiAlert = z.object({
  id: z.string().min(1),
  status: z.string().min(1),
  alertTime: z.number().optional(),
  firstSeen: z.number().optional(),
  lastSeen: z.number().optional(),
  policyId: z.string().optional(),
  policy: z.object({
    policyId: z.string().min(1),
    name: z.string().optional(),
    severity: z.string().optional(),
    policyType: z.string().optional(),
    recommendation: z.string().optional(),
  }),
  resource: z.object({
    id: z.string().optional(),
    name: z.string().optional(),
    rrn: z.string().optional(),
    accountId: z.string().optional(),
    regionId: z.string().optional(),
    resourceType: z.string().optional(),
    cloudType: z.string().optional(),
    // The resource's cloud configuration (AWS: groupName, groupId, vpcId, tags [{key, value}]…):
    // read for its identity only.
    data: z.unknown().optional(),
  }),
});
type ApiAlert = z.infer<typeof ApiAlert>;

const WebhookAlert = z.object({
  alertId: z.string().min(1),
  policyId: z.string().min(1),
  policyName: z.string().optional(),
  severity: z.string().optional(),
  status: z.string().optional(),
  alertStatus: z.string().optional(),
  alertTs: z.number().optional(),
  firstSeen: z.number().optional(),
  lastSeen: z.number().optional(),
  resourceId: z.string().optional(),
  resourceName: z.string().optional(),
  resourceType: z.string().optional(),
  accountId: z.string().optional(),
  resourceRegionId: z.string().optional(),
  cloudType: z.string().optional(),
  policyRecommendation: z.string().optional(),
});
type WebhookAlert = z.infer<typeof WebhookAlert>;

const looksApiAlert = (v: unknown): boolean =>
  isObject(v) &&
  typeof v.id === "string" &&
  isObject(v.policy) &&
  isObject(v.resource) &&
  ("alertTime" in v || "firstSeen" in v);
const looksWebhookAlert = (v: unknown): boolean =>
  isObject(v) && typeof v.alertId === "string" && "policyId" in v && ("resourceId" in v || "cloudType" in v);
const looksAlert = (v: unknown) => looksApiAlert(v) || looksWebhookAlert(v);

function locate(doc: unknown): { records: unknown[]; base: string; indexed: boolean } | undefined {
  if (Array.isArray(doc)) return { records: doc, base: "$", indexed: true };
  if (!isObject(doc)) return undefined;
  if (Array.isArray(doc.items)) return { records: doc.items, base: "$.items", indexed: true };
  if (looksAlert(doc)) return { records: [doc], base: "$", indexed: false };
  return undefined;
}

const STATUS: Record<string, Finding["status"]> = {
  open: "failed",
  pending_resolution: "failed",
  dismissed: "suppressed",
  snoozed: "suppressed",
  resolved: "resolved",
};
const CLOUDS: Record<string, "aws" | "azure" | "gcp"> = { aws: "aws", azure: "azure", gcp: "gcp" };

const epoch = (...c: (number | undefined)[]) => {
  const ms = c.find((v) => v !== undefined && Number.isFinite(v) && v > 0);
  return ms === undefined ? undefined : epochMillisToIso(ms);
};

/** The normalized fields both shapes share, read from either one. */
interface Common {
  id: string;
  policyId: string;
  policyName?: string;
  severity?: string;
  severityPath: PropertyKey[];
  status: string;
  statusPath: PropertyKey[];
  firstSeen?: string;
  lastSeen?: string;
  recommendation?: string;
  resource: {
    id?: string;
    name?: string;
    type?: string;
    cloudType?: string;
    account?: string;
    region?: string;
    data?: unknown;
  };
}

const fromApi = (a: ApiAlert): Common => ({
  id: a.id,
  policyId: a.policy.policyId,
  policyName: a.policy.name,
  severity: a.policy.severity,
  severityPath: ["policy", "severity"],
  status: a.status,
  statusPath: ["status"],
  firstSeen: epoch(a.firstSeen, a.alertTime),
  lastSeen: epoch(a.lastSeen),
  recommendation: a.policy.recommendation,
  resource: {
    id: a.resource.id,
    name: a.resource.name,
    type: a.resource.resourceType,
    cloudType: a.resource.cloudType,
    account: a.resource.accountId,
    region: a.resource.regionId,
    data: a.resource.data,
  },
});

const fromWebhook = (w: WebhookAlert): Common => ({
  id: w.alertId,
  policyId: w.policyId,
  policyName: w.policyName,
  severity: w.severity,
  severityPath: ["severity"],
  status: w.status ?? w.alertStatus ?? "open",
  statusPath: [w.status !== undefined ? "status" : "alertStatus"],
  firstSeen: epoch(w.firstSeen, w.alertTs),
  lastSeen: epoch(w.lastSeen),
  recommendation: w.policyRecommendation,
  resource: {
    id: w.resourceId,
    name: w.resourceName,
    type: w.resourceType,
    cloudType: w.cloudType,
    account: w.accountId,
    region: w.resourceRegionId,
  },
});

/** Keys of an alert's `resource.data` (the AWS API's fields, camel-cased by Prisma) that identify it. */
const DATA_IDENTIFIERS: Array<[string, ResourceIdentifier["kind"]]> = [
  ["groupName", "name"],
  ["bucketName", "name"],
  ["groupId", "id"],
  ["vpcId", "vpc"],
];

/** Tags and identifiers from the resource's configuration, beside its id and name. */
function identityOf(r: Common["resource"]): Pick<Finding["resource"], "tags" | "identifiers"> {
  if (!isObject(r.data)) return {};
  const data = r.data;
  const known = new Set([r.id, r.name]);
  const identifiers = uniqueIdentifiers(
    DATA_IDENTIFIERS.flatMap(([key, kind]) => identifierOf(kind, data[key], `resource.data.${key}`)).filter(
      (i) => !known.has(i.value),
    ),
  );
  return { tags: tagListToMap(data.tags), identifiers };
}

function convert(record: unknown, original: unknown, ctx: ParseContext): Finding {
  const webhook = isObject(record) && "alertId" in record;
  const parsed = webhook ? WebhookAlert.safeParse(record) : ApiAlert.safeParse(record);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RecordError(issue.message, issue.path);
  }
  const c = webhook ? fromWebhook(parsed.data as WebhookAlert) : fromApi(parsed.data as ApiAlert);
  const severity = c.severity ? normalizeSeverity(c.severity) : undefined;
  if (!severity) {
    throw new RecordError(
      c.severity
        ? `unknown severity "${c.severity}" (expected critical, high, medium, low or informational)`
        : "the alert carries no policy severity, so it cannot be rated",
      c.severityPath,
    );
  }
  const status = own(STATUS, c.status.toLowerCase());
  if (!status) {
    throw new RecordError(
      `unknown alert status "${c.status}" (expected open, resolved, dismissed, snoozed or pending_resolution)`,
      c.statusPath,
    );
  }
  const arn = c.resource.id ? parseArn(c.resource.id) : undefined;
  return {
    source: { tool: "prisma", format: "prisma", findingId: c.id },
    rule: { nativeId: c.policyId, catalogId: ctx.catalogIdFor(c.policyId) },
    title: c.policyName ?? `Prisma Cloud policy ${c.policyId}`,
    severity: { native: c.severity!, normalized: severity },
    resource: {
      arn: arn ? c.resource.id : undefined,
      id: arn ? undefined : c.resource.id || undefined,
      name: c.resource.name || arn?.resourceId,
      type: c.resource.type || undefined,
      cloud: c.resource.cloudType ? own(CLOUDS, c.resource.cloudType.toLowerCase()) : undefined,
      account: c.resource.account || arn?.account || undefined,
      region: c.resource.region || arn?.region || undefined,
      ...identityOf(c.resource),
    },
    status,
    firstSeen: c.firstSeen,
    lastSeen: c.lastSeen,
    context: { dataSensitivity: [], remediationText: c.recommendation || undefined },
    raw: original,
  };
}

export const prismaParser: FindingParser = {
  id: "prisma",
  title: "Prisma Cloud alerts (alert API objects, {items} pages, webhook notifications)",
  rescansCloud: true,
  sourceNames: { prisma: "Prisma Cloud" },
  detect(doc) {
    if (Array.isArray(doc)) return doc.some(looksAlert);
    if (!isObject(doc)) return false;
    if (Array.isArray(doc.items)) {
      return doc.items.some(looksAlert) || (doc.items.length === 0 && "totalRows" in doc);
    }
    return looksAlert(doc);
  },
  parse(doc, ctx) {
    const where = locate(doc);
    if (!where) {
      return {
        findings: [],
        rejected: [{ index: 0, path: "$", reason: "not a Prisma Cloud alert document" }],
      };
    }
    return parseRecords(
      where.records,
      where.base,
      z.unknown(),
      (record, _index, original) => convert(record, original, ctx),
      where.indexed,
    );
  },
};
