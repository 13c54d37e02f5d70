// Synthetic finding documents for the ingest benchmark, built deterministically from real samples:
// one SARIF document and one ASFF batch of `count` findings each, every record a copy of a real
// one with its id, file, line and resource varied so that dedupe keys are distinct.

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

export function asffDocument(repoRoot: string, count: number): string {
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
    return f;
  });
  return JSON.stringify({ Findings: findings });
}
