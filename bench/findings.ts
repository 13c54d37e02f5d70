// Synthetic finding documents for the ingest and store benchmarks, built deterministically from
// real samples: a SARIF document, an ASFF batch and a generic CSPM batch of `count` findings each,
// every record a copy of a real one with its id, file, line and resource varied so that dedupe
// keys are distinct.

import { readFileSync } from "node:fs";
import { join } from "node:path";

type Json = Record<string, unknown>;

export function sarifDocument(repoRoot: string, count: number): string {
  const sample = JSON.parse(
    readFileSync(join(repoRoot, "fixtures/findings/sarif/checkov-duplicates.sarif"), "utf8"),
  ) as Json;
  const run = (sample.runs as Json[])[0]!;
  const template = (run.results as Json[])[0]!;
  const results = Array.from({ length: count }, (_, i) => {
    const r = structuredClone(template) as Json;
    const loc = (r.locations as Json[])[0]!.physicalLocation as Json;
    (loc.artifactLocation as Json).uri = `services/svc-${String(i % 997).padStart(5, "0")}/main.tf`;
    (loc.region as Json).startLine = 1 + (i % 400);
    return r;
  });
  return JSON.stringify({ ...sample, runs: [{ ...run, results }] });
}

/**
 * `observedAt` moves LastObservedAt / UpdatedAt: the same findings seen again by a later scan
 * (the store benchmark's re-ingest).
 */
export function asffDocument(repoRoot: string, count: number, observedAt?: string): string {
  const sample = JSON.parse(
    readFileSync(join(repoRoot, "fixtures/findings/asff/afsbp-s3.8.json"), "utf8"),
  ) as Json;
  const list = (sample.Findings ?? sample.findings ?? [sample]) as Json[];
  const template = list[0]!;
  const findings = Array.from({ length: count }, (_, i) => {
    const f = structuredClone(template) as Json;
    f.Id = `${String(f.Id)}-${i}`;
    const res = (f.Resources as Json[])[0]!;
    res.Id = `arn:aws:s3:::bench-bucket-${i}`;
    if (observedAt) {
      f.LastObservedAt = observedAt;
      f.UpdatedAt = observedAt;
    }
    return f;
  });
  return JSON.stringify({ Findings: findings });
}

/** The generic CSPM payload: the sample batch's S3 bucket (no check named) and security group
 *  (EC2.13) records in turn, each copy on a resource of its own. Small records (~0.4 KB). */
export function genericDocument(repoRoot: string, count: number): string {
  const sample = JSON.parse(
    readFileSync(join(repoRoot, "fixtures/findings/generic/cspm-batch.json"), "utf8"),
  ) as Json[];
  const [bucket, group] = sample as [Json, Json];
  const findings = Array.from({ length: count }, (_, i) => {
    const f = structuredClone(i % 2 === 0 ? bucket : group) as Json;
    f.finding_id = `${String(f.finding_id)}-${i}`;
    f.resource_arn =
      i % 2 === 0
        ? `arn:aws:s3:::bench-bucket-${i}`
        : `arn:aws:ec2:us-east-1:123456789012:security-group/sg-${i.toString(16).padStart(17, "0")}`;
    return f;
  });
  return JSON.stringify(findings);
}
