// SARIF 2.1.0 as GitHub code scanning ingests it: rules with help and a numeric
// `security-severity`, results with a %SRCROOT%-relative location and a stable fingerprint.
// %SRCROOT% is the repository's top level (or the scanned folder outside git): GitHub resolves
// artifact URIs against the repository root, whatever folder was scanned.

import { createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import type { Invocation, Log, ReportingDescriptor, Result } from "sarif";
import { type Detection, detectionId, type Rule } from "../rules/types.ts";
import { SUPPRESSION_RULE_ID } from "../suppress/policy.ts";

/** GitHub maps security-severity to levels: >9 critical, 7–8.9 high, 4–6.9 medium, <4 low. */
const SECURITY_SEVERITY: Record<Rule["severity"], string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
};
const LEVEL: Record<Rule["severity"], "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
};

/**
 * Where the scanned files are: `%SRCROOT%` is `root` (the repository's top level, so code scanning
 * finds the files when a subfolder was scanned) and each file is `prefix` + its path in the scan.
 */
export interface SarifSite {
  /** Absolute directory `%SRCROOT%` stands for. */
  root: string;
  /** What `root` is, for a reader of the log: "the repository's top level" or "the scanned folder". */
  description: string;
  /** Path of the scanned directory inside `root`, with forward slashes and a trailing one ("" when it is the root). */
  prefix: string;
}

/** A relative URI reference for a path: each segment percent-encoded (spaces, `#`, `%`…). */
function uriOf(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** `file:///…/` URI of a directory, ending with a slash as SARIF requires of a base URI. */
function directoryUri(dir: string): string {
  return pathToFileURL(dir.endsWith("/") ? dir : `${dir}/`).href;
}

/** A file the scan could not read or parse (path relative to the scanned root). */
export interface SkippedFile {
  file: string;
  line?: number;
  column?: number;
  reason: string;
}

/** Typed against @types/sarif, so the log's structure is checked against the 2.1.0 spec at compile time. */
export function toSarif(
  detections: Detection[],
  rules: readonly Rule[],
  version: string,
  options: {
    site?: SarifSite;
    skipped?: readonly SkippedFile[];
    /** Detections a team suppressed in code: results with SARIF's own `suppressions` (inSource). */
    suppressed?: ReadonlyArray<{ detection: Detection; justification: string }>;
    /** Extra text per detection id (a suppression that expired), appended to the message. */
    notes?: ReadonlyMap<string, string>;
    /** Suppressions the repository's policy rejects, as `suppression-without-reason` results. */
    policy?: ReadonlyArray<{ file: string; line: number; message: string }>;
  } = {},
): Log {
  const {
    site = { root: "", description: "", prefix: "" },
    skipped = [],
    suppressed = [],
    notes,
    policy = [],
  } = options;
  const all = [...detections, ...suppressed.map((s) => s.detection)];
  const used = rules.filter((r) => all.some((d) => d.ruleId === r.id));
  const ruleIndex = new Map(used.map((r, i) => [r.id, i]));
  const result = (d: Detection, justification?: string): Result => {
    const rule = used[ruleIndex.get(d.ruleId)!]!;
    const note = notes?.get(detectionId(d));
    return {
      ruleId: d.ruleId,
      ruleIndex: ruleIndex.get(d.ruleId),
      level: LEVEL[rule.severity],
      message: { text: note ? `${d.message} (${note})` : d.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: uriOf(site.prefix + d.resource.file), uriBaseId: "%SRCROOT%" },
            region: { startLine: d.line },
          },
          logicalLocations: [{ name: d.resource.address, kind: "resource" }],
        },
      ],
      partialFingerprints: {
        "fixloopFindingId/v1": createHash("sha256").update(detectionId(d)).digest("hex").slice(0, 32),
      },
      ...(justification === undefined ? {} : { suppressions: [{ kind: "inSource", justification }] }),
    };
  };
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        ...(site.root
          ? {
              originalUriBaseIds: {
                "%SRCROOT%": { uri: directoryUri(site.root), description: { text: site.description } },
              },
            }
          : {}),
        tool: {
          driver: {
            name: "fixloop",
            version,
            informationUri: "https://github.com/fixloop/fixloop",
            rules: [
              ...used.map((r) => ({
                id: r.id,
                name: r.id.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase()),
                shortDescription: { text: r.title },
                fullDescription: { text: r.rationale },
                help: {
                  text: `${r.rationale}\n\nImpact of the fix: ${r.impact.join(" ")}`,
                  markdown: `${r.rationale}\n\n**Impact of the fix:**\n${r.impact.map((i) => `- ${i}`).join("\n")}`,
                },
                defaultConfiguration: { level: LEVEL[r.severity] },
                properties: {
                  tags: ["security", "terraform", r.provider],
                  precision: "high",
                  "security-severity": SECURITY_SEVERITY[r.severity],
                },
              })),
              ...(policy.length > 0 ? [SUPPRESSION_RULE] : []),
            ],
          },
        },
        invocations: [invocation(skipped, site.prefix)],
        results: [
          ...detections.map((d) => result(d)),
          ...suppressed.map((x) => result(x.detection, x.justification)),
          ...policy.map((p) => policyResult(p, site.prefix, used.length)),
        ],
      },
    ],
  };
}

/**
 * The run's invocation. Each skipped file is a tool execution notification of level "error": per
 * SARIF 2.1.0 appendix I, that tells a consumer the results are incomplete, while the results for
 * the other files are still reported (the tool itself ran to its end, so executionSuccessful).
 */
function invocation(skipped: readonly SkippedFile[], prefix: string): Invocation {
  return {
    executionSuccessful: true,
    toolExecutionNotifications: skipped.map((s) => ({
      level: "error",
      descriptor: { id: s.line === undefined ? "file-unreadable" : "file-syntax-error" },
      message: {
        text: `${s.file}${s.line === undefined ? "" : `:${s.line}:${s.column ?? 1}`}: ${s.reason} (file not scanned)`,
      },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: uriOf(prefix + s.file), uriBaseId: "%SRCROOT%" },
            ...(s.line === undefined ? {} : { region: { startLine: s.line, startColumn: s.column ?? 1 } }),
          },
        },
      ],
    })),
  };
}

/** The pseudo-rule of suppressions the repository's policy rejects (`.github/fixloop.yml` › suppressions). */
const SUPPRESSION_RULE: ReportingDescriptor = {
  id: SUPPRESSION_RULE_ID,
  name: "SuppressionWithoutReason",
  shortDescription: { text: "Suppression without a reason or a near enough expiry" },
  fullDescription: {
    text: "A check is suppressed in code (#checkov:skip, #tfsec:ignore, #trivy:ignore, .trivyignore, kics-scan) without the reason or the expiry the repository's configuration requires.",
  },
  defaultConfiguration: { level: "warning" },
  properties: {
    tags: ["security", "terraform", "suppression"],
    precision: "high",
    "security-severity": "5.5",
  },
};

function policyResult(
  p: { file: string; line: number; message: string },
  prefix: string,
  index: number,
): Result {
  return {
    ruleId: SUPPRESSION_RULE_ID,
    ruleIndex: index,
    level: "warning",
    message: { text: p.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: uriOf(prefix + p.file), uriBaseId: "%SRCROOT%" },
          region: { startLine: p.line },
        },
      },
    ],
    partialFingerprints: {
      "fixloopFindingId/v1": createHash("sha256")
        .update(`${SUPPRESSION_RULE_ID}:${p.file}:${p.line}:${p.message}`)
        .digest("hex")
        .slice(0, 32),
    },
  };
}
