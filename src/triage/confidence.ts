// Confidence (0–1) that acting on a finding is right, with the reasons: how reliable the source is,
// how the Terraform was located, and whether the fix is deterministic.

import type { Finding } from "../findings/model.ts";
import { own } from "../findings/records.ts";

/** How the defining Terraform was found (the locate step reports one of these). */
export type LocatedBy = "file-line" | "address" | "tags" | "mapping" | "identity" | "module-input" | "none";

const SOURCE_RELIABILITY: Record<string, number> = {
  checkov: 0.95,
  trivy: 0.95,
  tfsec: 0.95,
  kics: 0.9,
  securityhub: 0.9,
  prowler: 0.9,
  wiz: 0.9,
  prisma: 0.9,
  generic: 0.75,
};

const LOCATION: Record<LocatedBy, { factor: number; reason: string }> = {
  "file-line": { factor: 1, reason: "the scanner named the file and line" },
  address: { factor: 0.98, reason: "the finding named the Terraform address" },
  tags: { factor: 0.95, reason: "yor trace tags on the resource point to the block" },
  mapping: { factor: 0.95, reason: "an explicit mapping in the configuration names the block" },
  identity: { factor: 0.85, reason: "the cloud identity matched resolved attributes of one block" },
  "module-input": {
    factor: 0.8,
    reason: "the resource is created by a module; the fix sets the module's input",
  },
  none: { factor: 0, reason: "no Terraform block was located" },
};

export interface Confidence {
  value: number;
  reasons: string[];
}

export function confidence(finding: Finding, located: LocatedBy, fixDeterministic: boolean): Confidence {
  const source = own(SOURCE_RELIABILITY, finding.source.tool) ?? 0.7;
  const where = LOCATION[located];
  const fix = fixDeterministic ? 1 : 0.7;
  const value = Math.round(source * where.factor * fix * 100) / 100;
  return {
    value,
    reasons: [
      `${finding.source.tool} findings are ${source >= 0.9 ? "highly " : ""}reliable (${source})`,
      where.reason,
      fixDeterministic ? "the fix is deterministic" : "the fix needs judgement",
    ],
  };
}
