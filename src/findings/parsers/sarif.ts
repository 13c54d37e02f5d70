// SARIF 2.1.0 (OASIS) as Checkov, Trivy, tfsec and KICS emit it: {version, runs:[{tool:{driver},
// results:[…], originalUriBaseIds?, invocations?}]}. One result is one finding.
//
// Tool (runs[].tool.driver.name, lower-cased): "Checkov" → checkov, "Trivy" → trivy, "KICS" →
// kics, and "defsec" → tfsec (tfsec ≥ 1.0 names its SARIF driver after its defsec engine; its
// rules' helpUri point at aquasecurity.github.io/tfsec). Anything else: the name, lower-cased.
//
// Rule: result.ruleId (else result.rule.id, else driver.rules[ruleIndex].id) → rule.nativeId. The
// catalog is asked for the rule id, then for an AVD id found in the rule's helpUri (Trivy links
// https://avd.aquasec.com/misconfig/avd-aws-0086). KICS rule ids are query UUIDs.
//
// Severity, first that applies:
//  1. `security-severity` (result, then rule properties; GitHub's convention, a CVSS-like 0–10
//     number as a string — Trivy always writes it, Checkov when the check has a severity):
//     ≥9 critical, ≥7 high, ≥4 medium, >0 low, 0 info.
//  2. a `severity` word in result/rule properties (e.g. "HIGH").
//  3. Checkov without security-severity: Checkov OSS knows no severity; it writes level "error" for
//     every failed check and "warning" for skipped ones, so its level is not a severity. Same rule
//     as the checkov parser: native "" and the model's "not rated" value (info), never a guess.
//  4. result.level, else the rule's defaultConfiguration.level, else "warning" (the SARIF default,
//     §3.27.10): error → high, warning → medium, note → low, none → info. tfsec writes error for
//     CRITICAL and HIGH, KICS puts error/warning/note/none on the rule: critical becomes high.
//
// File: the first location's physicalLocation.artifactLocation (or run.artifacts[index]). A relative
// uri (also with Windows backslashes, as KICS writes them) is relative to its uriBaseId, which the
// tool declares as the scanned root (Trivy: ROOTPATH), so it is the path; a chain of relative bases
// is prefixed. An absolute uri (file:///abs, /abs, C:\repo\main.tf, file:///C:/repo/main.tf) is made
// relative to the longest run.originalUriBaseIds / invocations[].workingDirectory that contains
// it; when none does, the absolute path is kept as written (forward slashes) and the locate step
// matches it by suffix: the scanned root is not known, and fixloop does not invent a relative path.
// Relative paths are percent-decoded, forward-slash, without a leading slash.
// Line: region.startLine.
//
// Status: SARIF §3.27.23/§3.35: a result is suppressed when `suppressions` is non-empty and none of
// them is "underReview" or "rejected" (a missing status means accepted). A suppressed result was
// detected and deliberately accepted by someone (Checkov writes its skipped checks so), so it is
// "resolved": not open work for fixloop, and not a pass. kind "pass" → passed; "fail" (the
// default), "open" and "review" → failed; "notApplicable" / "informational" carry no verdict
// about the resource and are rejected with that reason rather than mislabelled.
//
// findingId: result.fingerprints, else partialFingerprints (both meant to be stable across runs),
// else result.guid, else a hash of tool, rule, file, line and message (with #2, #3… appended when a
// document repeats an identical result, which Checkov and KICS do).

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
import { isObject, jsonPath, parseRecords, RecordError } from "../records.ts";

const Message = z.looseObject({ text: z.string().optional() });
const ArtifactLocation = z.looseObject({
  uri: z.string().optional(),
  uriBaseId: z.string().optional(),
  index: z.number().int().nonnegative().optional(),
});
const PropertyBag = z.record(z.string(), z.unknown());

const Result = z.looseObject({
  ruleId: z.string().min(1).optional(),
  ruleIndex: z.number().int().optional(),
  rule: z.looseObject({ id: z.string().optional(), index: z.number().int().optional() }).optional(),
  kind: z.enum(["pass", "open", "informational", "notApplicable", "review", "fail"]).optional(),
  level: z.enum(["none", "note", "warning", "error"]).optional(),
  message: Message.optional(),
  guid: z.string().min(1).optional(),
  fingerprints: z.record(z.string(), z.string()).optional(),
  partialFingerprints: z.record(z.string(), z.string()).optional(),
  suppressions: z
    .array(z.looseObject({ status: z.enum(["accepted", "underReview", "rejected"]).optional() }))
    .optional(),
  properties: PropertyBag.optional(),
  locations: z
    .array(
      z.looseObject({
        physicalLocation: z
          .looseObject({
            artifactLocation: ArtifactLocation.optional(),
            region: z.looseObject({ startLine: z.number().int().optional() }).optional(),
          })
          .optional(),
      }),
    )
    .optional(),
});
type Result = z.infer<typeof Result>;

// A rule (reportingDescriptor, §3.49) is validated only when a result uses it: a rule with a wrong
// type rejects the results that name it, at the rule's own path, and nothing else.
const RuleSchema = z.looseObject({
  id: z.string().optional(),
  name: z.string().optional(),
  shortDescription: Message.optional(),
  helpUri: z.string().optional(),
  defaultConfiguration: z.looseObject({ level: z.string().optional() }).optional(),
  properties: PropertyBag.optional(),
});
type Rule = z.infer<typeof RuleSchema>;

/** A driver rule as read: its id (when it is a string, for lookup) and the rule or why it is unreadable. */
interface RunRule {
  id: string | undefined;
  rule?: Rule;
  problem?: { path: string; reason: string };
}

interface RunInfo {
  tool: string;
  rules: RunRule[];
  bases: Record<string, { uri?: string; uriBaseId?: string }>;
  roots: string[];
  artifacts: unknown[];
}

const LOCATION_URI = ["locations", 0, "physicalLocation", "artifactLocation", "uri"] as const;

export function normalizeToolName(name: string): string {
  const n = name.trim().toLowerCase();
  if (n === "defsec" || n.startsWith("tfsec")) return "tfsec";
  if (n.startsWith("trivy")) return "trivy";
  if (n.startsWith("checkov")) return "checkov";
  if (n === "kics" || n.startsWith("keeping infrastructure as code")) return "kics";
  return n;
}

function hash(parts: readonly unknown[]): string {
  return stableId(parts);
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A uri or path as a forward-slash path; `file:///C:/x` → `C:/x`, `file:///x` → `/x`. */
function toPath(uri: string): string {
  let p = uri;
  if (/^file:/i.test(p)) p = decode(p.replace(/^file:(\/\/[^/]*)?/i, ""));
  else p = decode(p);
  p = p.replace(/\\/g, "/");
  if (/^\/[A-Za-z]:\//.test(p)) p = p.slice(1);
  return p;
}

const isAbsolute = (p: string) => p.startsWith("/") || /^[A-Za-z]:\//.test(p);

/** Collapses `.` and `x/..`; returns undefined when the path climbs out of its root. */
function clean(path: string): string | undefined {
  const out: string[] = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(seg);
  }
  return out.join("/");
}

function relativeTo(path: string, root: string): string | undefined {
  const r = root.endsWith("/") ? root : `${root}/`;
  const windows = /^[A-Za-z]:\//.test(r);
  const hit = windows ? path.toLowerCase().startsWith(r.toLowerCase()) : path.startsWith(r);
  return hit ? path.slice(r.length) : undefined;
}

function fileOf(result: Result, run: RunInfo): string | undefined {
  const loc = result.locations?.[0]?.physicalLocation?.artifactLocation;
  if (!loc) return undefined;
  let { uri, uriBaseId } = loc;
  if (uri === undefined && loc.index !== undefined) {
    const art = run.artifacts[loc.index];
    const l = isObject(art) && isObject(art.location) ? art.location : undefined;
    uri = typeof l?.uri === "string" ? l.uri : undefined;
    uriBaseId ??= typeof l?.uriBaseId === "string" ? l.uriBaseId : undefined;
  }
  if (uri === undefined || uri === "") return undefined;
  let path = toPath(uri);
  if (!isAbsolute(path)) {
    // Relative to its base: prefix the relative bases of the chain, up to the absolute root.
    const visited = new Set<string>();
    let id = uriBaseId;
    while (id !== undefined && !visited.has(id)) {
      visited.add(id);
      const base = run.bases[id];
      if (!base?.uri) break;
      const b = toPath(base.uri);
      if (isAbsolute(b)) break;
      path = `${b.replace(/\/?$/, "/")}${path}`;
      id = base.uriBaseId;
    }
  } else {
    const roots = run.roots
      .filter((r) => relativeTo(path, r) !== undefined)
      .sort((a, b) => b.length - a.length);
    const root = roots[0];
    // No declared root contains it: keep the absolute path as written (forward slashes). The
    // locate step matches it by suffix against the checkout; nothing is invented, nothing lost.
    if (root === undefined) return path.replace(/\\/g, "/");
    path = relativeTo(path, root)!;
  }
  const cleaned = clean(path);
  if (cleaned === undefined)
    throw new RecordError(`artifact uri "${uri}" points outside the scanned root`, [...LOCATION_URI]);
  return cleaned || undefined;
}

function ruleOf(result: Result, run: RunInfo): { id: string | undefined; rule: Rule | undefined } {
  const index = result.ruleIndex ?? result.rule?.index;
  const byIndex = index !== undefined && index >= 0 ? run.rules[index] : undefined;
  const id = result.ruleId ?? result.rule?.id ?? byIndex?.id;
  const found =
    byIndex && (id === undefined || byIndex.id === id) ? byIndex : run.rules.find((r) => r.id === id);
  if (found?.problem)
    throw new RecordError(`rule ${id ?? "?"}: ${found.problem.reason}`, ["ruleId"], found.problem.path);
  return { id, rule: found?.rule };
}

function readRule(rule: unknown, path: string): RunRule {
  const parsed = RuleSchema.safeParse(rule);
  if (parsed.success) return { id: parsed.data.id, rule: parsed.data };
  const issue = parsed.error.issues[0]!;
  const id = isObject(rule) && typeof rule.id === "string" ? rule.id : undefined;
  return { id, problem: { path: jsonPath(path, undefined, issue.path), reason: issue.message } };
}

function severityOf(
  result: Result,
  rule: Rule | undefined,
  run: RunInfo,
): { native: string; normalized: Severity } {
  for (const [bag, path] of [
    [result.properties, ["properties", "security-severity"]],
    // A rule-level problem is reported at the result's ruleId, the value that names the rule.
    [rule?.properties, ["ruleId"]],
  ] as const) {
    const v = bag?.["security-severity"];
    if (v === undefined || v === null) continue;
    const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN;
    if (!Number.isFinite(n) || n < 0 || n > 10)
      throw new RecordError(
        `${bag === result.properties ? "" : `rule ${rule?.id}: `}security-severity "${String(v)}" is not a number from 0 to 10`,
        [...path],
      );
    return { native: String(v), normalized: normalizeSeverity(n)! };
  }
  for (const [bag, path] of [
    [result.properties, ["properties", "severity"]],
    [rule?.properties, ["ruleId"]],
  ] as const) {
    const v = bag?.severity;
    if (typeof v !== "string" || v.trim() === "") continue;
    const normalized = normalizeSeverity(v);
    if (!normalized)
      throw new RecordError(
        `${bag === result.properties ? "" : `rule ${rule?.id}: `}unknown severity "${v}"`,
        [...path],
      );
    return { native: v, normalized };
  }
  if (run.tool === "checkov") return { native: "", normalized: normalizeSeverity("unknown")! };
  const level = result.level ?? rule?.defaultConfiguration?.level ?? "warning";
  const normalized = normalizeSeverity(level);
  if (!normalized) throw new RecordError(`unknown level "${level}"`, ["level"]);
  return { native: level, normalized };
}

function statusOf(result: Result): Finding["status"] {
  const kind = result.kind ?? "fail";
  if (kind === "pass") return "passed";
  if (kind === "notApplicable" || kind === "informational")
    throw new RecordError(
      `result kind "${kind}" says nothing about whether the resource passes or fails the rule`,
      ["kind"],
    );
  const s = result.suppressions ?? [];
  const suppressed = s.length > 0 && s.every((x) => x.status === undefined || x.status === "accepted");
  return suppressed ? "suppressed" : "failed";
}

function idOf(result: Result, tool: string, ruleId: string, file?: string, line?: number): string {
  for (const prints of [result.fingerprints, result.partialFingerprints]) {
    const key = prints ? Object.keys(prints).sort()[0] : undefined;
    if (prints && key !== undefined && prints[key]) return `${key}:${prints[key]}`;
  }
  if (result.guid) return result.guid;
  return hash([tool, ruleId, file ?? null, line ?? null, result.message?.text ?? null]);
}

function runInfo(run: Record<string, unknown>, base: string): RunInfo | undefined {
  const tool = isObject(run.tool) ? run.tool : undefined;
  const driver = isObject(tool?.driver) ? tool.driver : undefined;
  if (typeof driver?.name !== "string" || driver.name.trim() === "") return undefined;
  const rules = Array.isArray(driver.rules)
    ? driver.rules.map((r, i) => readRule(r, `${base}.tool.driver.rules[${i}]`))
    : [];
  const bases: RunInfo["bases"] = {};
  if (isObject(run.originalUriBaseIds)) {
    for (const [k, v] of Object.entries(run.originalUriBaseIds)) {
      if (isObject(v))
        bases[k] = {
          uri: typeof v.uri === "string" ? v.uri : undefined,
          uriBaseId: typeof v.uriBaseId === "string" ? v.uriBaseId : undefined,
        };
    }
  }
  const roots = Object.values(bases)
    .map((b) => (b.uri ? toPath(b.uri) : ""))
    .filter(isAbsolute);
  if (Array.isArray(run.invocations)) {
    for (const inv of run.invocations) {
      const wd = isObject(inv) && isObject(inv.workingDirectory) ? inv.workingDirectory.uri : undefined;
      if (typeof wd === "string" && isAbsolute(toPath(wd))) roots.push(toPath(wd));
    }
  }
  return {
    tool: normalizeToolName(driver.name),
    rules,
    bases,
    roots,
    artifacts: Array.isArray(run.artifacts) ? run.artifacts : [],
  };
}

export const sarifParser: FindingParser = {
  id: "sarif",
  title: "SARIF 2.1.0 (Checkov, Trivy, tfsec, KICS …: {version, runs:[{tool, results}]})",
  rescansCloud: false,
  sourceNames: {},
  detect: (doc) =>
    isObject(doc) &&
    Array.isArray(doc.runs) &&
    ((typeof doc.version === "string" && doc.version.startsWith("2.1")) ||
      (typeof doc.$schema === "string" && /sarif/i.test(doc.$schema))),
  parse(doc, ctx: ParseContext): ParseResult {
    const out: ParseResult = { findings: [], rejected: [] };
    if (!isObject(doc) || !Array.isArray(doc.runs)) {
      out.rejected.push({ index: 0, path: "$.runs", reason: "not a SARIF log: expected a runs array" });
      return out;
    }
    const seen = new Map<string, number>();
    let offset = 0;
    doc.runs.forEach((run, r) => {
      const base = `$.runs[${r}]`;
      if (!isObject(run)) {
        out.rejected.push({ index: offset, path: base, reason: "expected a run object" });
        offset += 1;
        return;
      }
      // results absent or null: the tool did not run / reported nothing (§3.14.23).
      if (run.results === undefined || run.results === null) return;
      if (!Array.isArray(run.results)) {
        out.rejected.push({ index: offset, path: `${base}.results`, reason: "expected an array of results" });
        offset += 1;
        return;
      }
      const info = runInfo(run, base);
      if (!info) {
        for (let i = 0; i < run.results.length; i++) {
          out.rejected.push({
            index: offset + i,
            path: `${base}.tool.driver.name`,
            reason: "the run does not name its tool (tool.driver.name)",
          });
        }
        offset += run.results.length;
        return;
      }
      const part = parseRecords(run.results, `${base}.results`, Result, (res, _i, original) => {
        const { id, rule } = ruleOf(res, info);
        if (!id) throw new RecordError("the result names no rule (ruleId, rule.id or ruleIndex)", ["ruleId"]);
        const file = fileOf(res, info);
        const startLine = res.locations?.[0]?.physicalLocation?.region?.startLine;
        const line = startLine !== undefined && startLine > 0 ? startLine : undefined;
        const avd = rule?.helpUri?.match(/\bavd-[a-z0-9]+-\d+\b/i)?.[0];
        const catalogId = ctx.catalogIdFor(id) ?? (avd ? ctx.catalogIdFor(avd) : null);
        const key = idOf(res, info.tool, id, file, line);
        const n = (seen.get(key) ?? 0) + 1;
        seen.set(key, n);
        const message = res.message?.text?.trim();
        return {
          source: { tool: info.tool, format: "sarif", findingId: n === 1 ? key : `${key}#${n}` },
          rule: { nativeId: id, catalogId },
          title: rule?.shortDescription?.text || rule?.name || message?.split("\n")[0] || id,
          severity: severityOf(res, rule, info),
          resource: { file, line: file ? line : undefined },
          status: statusOf(res),
          context: { dataSensitivity: [], remediationUrl: rule?.helpUri || undefined },
          raw: original,
        };
      });
      out.findings.push(...part.findings);
      out.rejected.push(...part.rejected.map((x) => ({ ...x, index: x.index + offset })));
      offset += run.results.length;
    });
    return out;
  },
};
