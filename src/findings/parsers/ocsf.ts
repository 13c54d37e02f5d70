// OCSF findings (https://schema.ocsf.io): Detection Finding (class_uid 2004) as Prowler v4/v5 writes it with
// `--output-formats json-ocsf` (a JSON array, prowler/lib/outputs/ocsf/ocsf.py), and Compliance Finding
// (class_uid 2003) as AWS Security Hub (v2) emits it. Accepted documents: an array of findings, one finding,
// or the Security Hub EventBridge event `{"detail-type": "Findings Imported V2", "detail": {"findings": [...]}}`.
//
// Mapping:
// - rule.nativeId = metadata.event_code (Prowler: the check id, e.g. s3_bucket_level_public_access_block), else
//   compliance.control (Security Hub: the control id, e.g. S3.8). Catalog: event_code, then compliance.control.
// - source.findingId = finding_info.uid (Prowler: prowler-<provider>-<check>-<account>-<region>-<resource>).
//   OCSF allows several resources: one Finding per resource, `${uid}#${resource.uid}` when there are several.
// - status: status "Resolved" → resolved; status_code PASS → passed, FAIL → failed; MANUAL is rejected (Prowler
//   could not decide, nothing to fix); without status_code, compliance.status Pass/Fail (Warning rejected).
//   A muted Prowler finding (status "Suppressed") → suppressed.
// - severity: `severity` (Informational, Low, Medium, High, Critical; Fatal → critical), else severity_id 1–6.
// - timestamps: Prowler writes created_time as epoch SECONDS (int(datetime.timestamp())) and created_time_dt as a
//   naive local datetime without an offset. Epoch numbers are used (> 1e11 read as milliseconds, the OCSF unit);
//   a date string is used only when it carries an offset, never guessed (4.x files have only naive strings).

import { z } from "zod";
import { parseArn } from "../arn.ts";
import { identifierOf, tagListToMap, uniqueIdentifiers } from "../identifiers.ts";
import {
  type Finding,
  type FindingParser,
  normalizeSeverity,
  type ParseContext,
  type Severity,
} from "../model.ts";
import { epochMillisToIso, isObject, parseRecords, RecordError } from "../records.ts";

const Time = z.union([z.number(), z.string()]).optional();

const OcsfResource = z.object({
  uid: z.string().optional(),
  name: z.string().optional(),
  type: z.string().optional(),
  region: z.string().optional(),
  cloud_partition: z.string().optional(),
  owner: z.object({ account: z.object({ uid: z.string().optional() }).optional() }).optional(),
  // Read for the resource's identity only: OCSF `tags` (key_value_object list) and `data`, where
  // Prowler puts the resource's own metadata (name, id, vpc_id, tags as [{Key, Value}]).
  tags: z.unknown().optional(),
  data: z.unknown().optional(),
});
type OcsfResource = z.infer<typeof OcsfResource>;

const OcsfFinding = z.object({
  class_uid: z.number(),
  finding_info: z.object({
    uid: z.string().min(1),
    title: z.string().optional(),
    desc: z.string().optional(),
    created_time: Time,
    created_time_dt: z.string().optional(),
    first_seen_time: Time,
    first_seen_time_dt: z.string().optional(),
    last_seen_time: Time,
    last_seen_time_dt: z.string().optional(),
  }),
  metadata: z
    .object({
      event_code: z.string().optional(),
      product: z.object({ name: z.string().optional() }).optional(),
    })
    .optional(),
  severity: z.string().optional(),
  severity_id: z.number().optional(),
  status: z.string().optional(),
  status_code: z.string().optional(),
  status_detail: z.string().optional(),
  message: z.string().optional(),
  time: Time,
  time_dt: z.string().optional(),
  resources: z.array(OcsfResource).optional(),
  cloud: z
    .object({
      provider: z.string().optional(),
      region: z.string().optional(),
      account: z.object({ uid: z.string().optional() }).optional(),
    })
    .optional(),
  compliance: z.object({ control: z.string().optional(), status: z.string().optional() }).optional(),
  remediation: z
    .object({ desc: z.string().optional(), references: z.array(z.string()).optional() })
    .optional(),
});
type OcsfFinding = z.infer<typeof OcsfFinding>;

const looksOcsf = (v: unknown): boolean =>
  isObject(v) &&
  typeof v.class_uid === "number" &&
  v.class_uid >= 2000 &&
  v.class_uid < 3000 &&
  isObject(v.finding_info);

const isEventBridge = (doc: Record<string, unknown>): boolean =>
  doc["detail-type"] === "Findings Imported V2" && isObject(doc.detail) && Array.isArray(doc.detail.findings);

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
  if (looksOcsf(doc)) return { records: [doc], base: "$", indexed: false };
  return undefined;
}

const isoWithOffset = z.iso.datetime({ offset: true });

function timeOf(...candidates: (number | string | undefined)[]): string | undefined {
  for (const c of candidates) {
    if (typeof c === "number" && Number.isFinite(c) && c > 0) {
      return epochMillisToIso(c > 1e11 ? c : c * 1000);
    }
    if (typeof c === "string" && isoWithOffset.safeParse(c).success) return c;
  }
  return undefined;
}

const BY_SEVERITY_ID: Record<number, Severity> = {
  1: "info",
  2: "low",
  3: "medium",
  4: "high",
  5: "critical",
  6: "critical",
};

function severityOf(f: OcsfFinding): { native: string; normalized: Severity } {
  if (f.severity !== undefined) {
    const normalized = f.severity.toLowerCase() === "fatal" ? "critical" : normalizeSeverity(f.severity);
    if (!normalized) {
      throw new RecordError(
        `unknown severity "${f.severity}" (expected Informational, Low, Medium, High, Critical or Fatal)`,
        ["severity"],
      );
    }
    return { native: f.severity, normalized };
  }
  const byId = f.severity_id === undefined ? undefined : BY_SEVERITY_ID[f.severity_id];
  if (byId) return { native: `severity_id ${f.severity_id}`, normalized: byId };
  throw new RecordError(
    f.severity_id === undefined
      ? "no severity and no severity_id"
      : `unknown severity_id ${f.severity_id} (expected 1–6)`,
    [f.severity_id === undefined ? "severity" : "severity_id"],
  );
}

function statusOf(f: OcsfFinding): Finding["status"] {
  if (f.status?.toLowerCase() === "resolved") return "resolved";
  if (f.status?.toLowerCase() === "suppressed") return "suppressed";
  const code = f.status_code?.toUpperCase();
  if (code === "PASS") return "passed";
  if (code === "FAIL") return "failed";
  if (code !== undefined) {
    throw new RecordError(
      code === "MANUAL"
        ? "status_code MANUAL: the check needs a manual review, there is no result to fix"
        : `unknown status_code "${f.status_code}" (expected PASS, FAIL or MANUAL)`,
      ["status_code"],
    );
  }
  const compliance = f.compliance?.status?.toLowerCase();
  if (compliance === "pass") return "passed";
  if (compliance === "fail") return "failed";
  throw new RecordError(
    compliance === undefined
      ? "no status_code and no compliance.status: cannot tell whether the check failed"
      : `compliance.status "${f.compliance?.status}": the check could not be evaluated, nothing to fix`,
    [compliance === undefined ? "status_code" : "compliance"],
  );
}

function ruleOf(f: OcsfFinding, ctx: ParseContext): Finding["rule"] {
  const eventCode = f.metadata?.event_code || undefined;
  const control = f.compliance?.control || undefined;
  const nativeId = eventCode ?? control;
  if (!nativeId) {
    throw new RecordError("no check id: neither metadata.event_code nor compliance.control is set", [
      "metadata",
    ]);
  }
  for (const id of [eventCode, control]) {
    if (id === undefined) continue;
    const catalogId = ctx.catalogIdFor(id);
    if (catalogId) return { nativeId, catalogId };
  }
  return { nativeId, catalogId: null };
}

const CLOUDS = ["aws", "azure", "gcp"] as const;
const cloudOf = (provider: string | undefined) => CLOUDS.find((c) => c === provider?.toLowerCase());

function resourceOf(f: OcsfFinding, r: OcsfResource | undefined): Finding["resource"] {
  const arn = r?.uid ? parseArn(r.uid) : undefined;
  return {
    arn: arn ? r?.uid : undefined,
    id: arn ? undefined : r?.uid || undefined,
    name: r?.name || arn?.resourceId,
    type: r?.type || undefined,
    cloud: cloudOf(f.cloud?.provider) ?? (arn ? "aws" : undefined),
    account: f.cloud?.account?.uid || r?.owner?.account?.uid || arn?.account || undefined,
    region: r?.region || f.cloud?.region || arn?.region || undefined,
    tags: r ? tagsOf(r) : undefined,
    identifiers: r ? identifiersOf(r) : undefined,
  };
}

/** Prowler's resource metadata, `resources[].data.metadata`, when there is one. */
const metadataOf = (r: OcsfResource): Record<string, unknown> | undefined =>
  isObject(r.data) && isObject(r.data.metadata) ? r.data.metadata : undefined;

function tagsOf(r: OcsfResource): Record<string, string> | undefined {
  const tags = { ...tagListToMap(metadataOf(r)?.tags), ...tagListToMap(r.tags) };
  return Object.keys(tags).length > 0 ? tags : undefined;
}

function identifiersOf(r: OcsfResource): Finding["resource"]["identifiers"] {
  const m = metadataOf(r);
  if (!m) return undefined;
  const known = new Set([r.name, r.uid]);
  return uniqueIdentifiers(
    [
      ...identifierOf("name", m.name, "resources[].data.metadata.name"),
      ...identifierOf("id", m.id, "resources[].data.metadata.id"),
      ...identifierOf("vpc", m.vpc_id, "resources[].data.metadata.vpc_id"),
    ].filter((i) => !known.has(i.value)), // already the resource's name or uid
  );
}

function convert(f: OcsfFinding, original: unknown, ctx: ParseContext): Finding[] {
  const severity = severityOf(f);
  const status = statusOf(f);
  const rule = ruleOf(f, ctx);
  const product = f.metadata?.product?.name;
  const info = f.finding_info;
  const resources: (OcsfResource | undefined)[] = f.resources?.length ? f.resources : [undefined];
  return resources.map((r) => ({
    source: {
      tool: product ? product.toLowerCase().replace(/\s+/g, "") : "ocsf",
      format: "ocsf",
      findingId: resources.length > 1 && r?.uid ? `${info.uid}#${r.uid}` : info.uid,
    },
    rule,
    title: info.title ?? f.message ?? rule.nativeId,
    severity,
    resource: resourceOf(f, r),
    status,
    firstSeen: timeOf(info.first_seen_time, info.first_seen_time_dt, info.created_time, info.created_time_dt),
    lastSeen: timeOf(info.last_seen_time, info.last_seen_time_dt, f.time, f.time_dt),
    context: {
      dataSensitivity: [],
      remediationText: f.remediation?.desc || undefined,
      remediationUrl: f.remediation?.references?.find((ref) => /^https?:\/\//.test(ref)),
    },
    raw: original,
  }));
}

export const ocsfParser: FindingParser = {
  id: "ocsf",
  title: "OCSF findings (Prowler json-ocsf array, Security Hub v2 Findings Imported V2)",
  rescansCloud: true,
  sourceNames: { prowler: "Prowler" },
  // An empty array names no format; `--format ocsf` reads it (0 findings).
  detect(doc) {
    if (Array.isArray(doc)) return doc.some(looksOcsf);
    return isObject(doc) && (isEventBridge(doc) || looksOcsf(doc));
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
            reason: "not an OCSF document: expected an array of findings or one finding",
          },
        ],
      };
    }
    return parseRecords(
      where.records,
      where.base,
      OcsfFinding,
      (f, _index, original) => convert(f, original, ctx),
      where.indexed,
    );
  },
};
