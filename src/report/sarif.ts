// SARIF 2.1.0 as GitHub code scanning ingests it: rules with help and a numeric
// `security-severity`, results with a %SRCROOT%-relative location and a stable fingerprint.
// %SRCROOT% is the repository's top level (or the scanned folder outside git): GitHub resolves
// artifact URIs against the repository root, whatever folder was scanned.

import { createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import type { Log } from "sarif";
import { type Detection, detectionId, type Rule } from "../rules/types.ts";

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

/** Typed against @types/sarif, so the log's structure is checked against the 2.1.0 spec at compile time. */
export function toSarif(
  detections: Detection[],
  rules: readonly Rule[],
  version: string,
  site: SarifSite = { root: "", description: "", prefix: "" },
): Log {
  const used = rules.filter((r) => detections.some((d) => d.ruleId === r.id));
  const ruleIndex = new Map(used.map((r, i) => [r.id, i]));
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
            rules: used.map((r) => ({
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
          },
        },
        results: detections.map((d) => {
          const rule = used[ruleIndex.get(d.ruleId)!]!;
          return {
            ruleId: d.ruleId,
            ruleIndex: ruleIndex.get(d.ruleId),
            level: LEVEL[rule.severity],
            message: { text: d.message },
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
          };
        }),
      },
    ],
  };
}
