// Auto-detection across every real sample: each document is read by the parser of the folder it
// sits in, and by no other (the registry asks parsers in table order and takes the first yes).

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FindingSchema } from "../../src/findings/model.ts";
import { detectFormat, parseFindings } from "../../src/findings/registry.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";

const ROOT = join(import.meta.dirname, "../../fixtures/findings");
const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };

const samples = readdirSync(ROOT).flatMap((format) =>
  readdirSync(join(ROOT, format))
    .filter((f) => f.endsWith(".json") || f.endsWith(".sarif"))
    .map((f) => ({
      format,
      file: f,
      doc: JSON.parse(readFileSync(join(ROOT, format, f), "utf8")) as unknown,
    })),
);

describe("format auto-detection on real samples", () => {
  it("has real samples for every format but Wiz (none is public; see fixtures/findings/wiz/SOURCES.md)", () => {
    expect(new Set(samples.map((s) => s.format))).toEqual(
      new Set(["generic", "sarif", "checkov", "trivy", "tfsec", "kics", "asff", "ocsf", "prisma"]),
    );
  });

  it.each(samples.map((s) => [`${s.format}/${s.file}`, s] as const))("%s", (_name, s) => {
    if (Array.isArray(s.doc) && s.doc.length === 0) {
      expect(parseFindings(s.doc, ctx)).toEqual({ format: "empty", findings: [], rejected: [] });
      return;
    }
    expect(detectFormat(s.doc)?.id).toBe(s.format);
    // Everything a parser builds from a real sample is a valid Finding.
    for (const f of parseFindings(s.doc, ctx).findings) FindingSchema.parse(f);
  });
});

describe("untrusted keys", () => {
  it("never resolves a severity, status or cloud through Object.prototype", () => {
    const asff = JSON.parse(readFileSync(join(ROOT, "asff/afsbp-s3.8.json"), "utf8"));
    for (const word of ["constructor", "__proto__", "toString"]) {
      const r = parseFindings({ ...asff, Severity: { Label: word } }, ctx);
      expect(r.findings).toEqual([]);
      expect(r.rejected[0]?.path).toMatch(/Severity/);
    }
  });
});

describe("accepted risk", () => {
  it("arrives as suppressed and is recorded, not fixed", async () => {
    const { triageFinding } = await import("../../src/ingest/triage-finding.ts");
    const { DEFAULT_TRIAGE_CONFIG } = await import("../../src/triage/config.ts");
    const asff = JSON.parse(readFileSync(join(ROOT, "asff/afsbp-s3.8.json"), "utf8"));
    const [finding] = parseFindings({ ...asff, Workflow: { Status: "SUPPRESSED" } }, ctx).findings;
    expect(finding?.status).toBe("suppressed");
    const t = triageFinding(finding!, DEFAULT_TRIAGE_CONFIG, new Date("2026-11-22T00:00:00Z"));
    expect(t).toMatchObject({
      actionable: false,
      reason: "the source reports it suppressed",
      gate: { gate: "record_only" },
    });
  });
});

describe("findings fixloop cannot act on", () => {
  it("are reported with the reason, not dropped", async () => {
    const { triageFinding } = await import("../../src/ingest/triage-finding.ts");
    const { DEFAULT_TRIAGE_CONFIG } = await import("../../src/triage/config.ts");
    const doc = JSON.parse(readFileSync(join(ROOT, "trivy/misconfigurations_and_secrets.json"), "utf8"));
    const now = new Date("2026-11-22T00:00:00Z");
    const docker = parseFindings(doc, ctx).findings.find((f) => f.resource.file === "Dockerfile")!;
    expect(triageFinding(docker, DEFAULT_TRIAGE_CONFIG, now)).toMatchObject({
      actionable: false,
      reason: "not a Terraform resource (Dockerfile): recorded only",
    });
  });
});
