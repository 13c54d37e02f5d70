// Bad records through POST /api/orgs/:org/findings: a 202 for the good ones (or a 400 naming every
// bad one), never a 500, whatever a sender puts in a real document.

import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allPaths, deeplyNested, jsonText, mutate, SAMPLES, seededRandom } from "../findings/fuzz.ts";
import { type IngestApi, startIngestApi } from "./ingest-harness.ts";

const fixture = (path: string) => readFileSync(new URL(`../../fixtures/findings/${path}`, import.meta.url));

describe("ingest through the API keeps the document when a record is bad", () => {
  let api: IngestApi;
  beforeAll(async () => {
    api = await startIngestApi("sqlite", Date.parse("2026-11-12T09:00:00.000Z"));
  });
  afterAll(() => api.close());

  it("accepts a JSON file that starts with a UTF-8 byte order mark", async () => {
    const withBom = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      fixture("tfsec/one_finding_legacy.json"),
    ]);
    const response = await api.post("acme", withBom);
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ accepted: 1, rejected: [] });
  });

  it("stores the other records of a document with one record nested 100,000 levels deep", async () => {
    const doc = JSON.parse(fixture("generic/cspm-batch.json").toString("utf8"));
    doc[1].context.remediation_steps = deeplyNested(100_000, "object");
    const response = await api.post("acme", jsonText(doc));
    expect(response.status).toBe(202);
    const body = (await response.json()) as {
      accepted: number;
      rejected: { index: number; reason: string }[];
    };
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r) => [r.index, r.reason])).toEqual([
      [1, "the record is nested more than 64 levels deep"],
      [2, 'unknown severity "urgent" (expected critical, high, medium, low or info)'],
      [3, "required field is missing (expected string)"],
    ]);
  });

  it("answers 202 or 400, never 500, to mutated real samples of every format (fixed seed)", async () => {
    const rng = seededRandom(424242);
    const statuses = new Map<number, number>();
    for (const sample of SAMPLES) {
      const paths = allPaths(sample.document);
      for (let i = 0; i < 4 && paths.length > 0; i++) {
        const m = mutate(sample.document, paths, rng);
        const response = await api.post("acme", jsonText(m.document));
        const text = await response.text();
        if (response.status >= 500)
          expect.fail(`${sample.name}: ${m.kind} at ${m.path.join(".")}: ${response.status} ${text}`);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }
    }
    expect([...statuses.keys()].sort()).toEqual([202, 400]);
  });
});
