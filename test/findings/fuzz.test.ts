// Every parser on mutated real samples (fixtures/findings/*): type swaps, deletions, deep nesting
// and huge strings at random places, from a fixed seed so that CI runs the same documents each time.
// What must hold for each: the parser does not throw; every finding is a valid Finding; every
// rejection names its record, path and reason; and when the mutation is inside one record, every
// other record comes out as it did from the untouched sample. FUZZ_SEED / FUZZ_COUNT explore more.

import { describe, expect, it } from "vitest";
import { type Finding, FindingSchema, type ParseResult } from "../../src/findings/model.ts";
import { PARSERS, parserById } from "../../src/findings/registry.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";
import { allPaths, at, type JsonPath, mutate, SAMPLES, seededRandom } from "./fuzz.ts";

const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
const SEED = Number(process.env.FUZZ_SEED ?? 20261205);
/** Mutations per sample: about 4 s for all samples and parsers on one core. */
const COUNT = Number(process.env.FUZZ_COUNT ?? 60);

/** Where each record (a finding's raw value) sits in the document. */
function recordPaths(doc: unknown, result: ParseResult): Map<unknown, JsonPath> {
  const raws = new Set(result.findings.map((f) => f.raw));
  const out = new Map<unknown, JsonPath>();
  for (const path of allPaths(doc)) {
    const v = at(doc, path);
    if (raws.has(v) && !out.has(v)) out.set(v, path);
  }
  if (raws.has(doc)) out.set(doc, []);
  return out;
}

const isPrefix = (prefix: JsonPath, path: JsonPath) => prefix.every((k, i) => path[i] === k);

/** What a user sees of a finding, without the duplicate counter SARIF appends (`#2`), which moves
 *  when an earlier duplicate is mutated away. */
const signature = (f: Finding) =>
  JSON.stringify([
    f.source.tool,
    f.source.findingId.replace(/#\d+$/, ""),
    f.rule,
    f.title,
    f.severity,
    f.resource,
    f.status,
  ]);

function checkShape(result: ParseResult, what: string): void {
  for (const f of result.findings) {
    const valid = FindingSchema.safeParse(f);
    if (!valid.success) expect.fail(`${what}: invalid finding: ${valid.error.issues[0]?.message}`);
  }
  for (const r of result.rejected) {
    expect(Number.isInteger(r.index) && r.index >= 0, what).toBe(true);
    expect(r.path, what).toMatch(/^\$/);
    expect(typeof r.reason === "string" && r.reason.length > 0, what).toBe(true);
  }
}

describe(`parser fuzz (seed ${SEED}, ${COUNT} mutations per sample, every parser)`, () => {
  it("has a sample for every parser but wiz", () => {
    const withSamples = new Set(SAMPLES.map((s) => s.parser));
    expect(PARSERS.map((p) => p.id).filter((id) => !withSamples.has(id))).toEqual(["wiz"]);
  });

  for (const sample of SAMPLES) {
    it(`${sample.name}: never throws, keeps every record it did not break`, () => {
      const own = parserById(sample.parser)!;
      const original = own.parse(sample.document, ctx);
      const where = recordPaths(sample.document, original);
      const paths = allPaths(sample.document);
      const rng = seededRandom(SEED ^ sample.name.length ^ (sample.name.charCodeAt(0) << 8));
      for (let i = 0; i < COUNT && paths.length > 0; i++) {
        const m = mutate(sample.document, paths, rng);
        const what = `${sample.name} #${i}: ${m.kind} at ${m.path.join(".")}`;
        for (const parser of PARSERS) {
          let result: ParseResult;
          try {
            result = parser.parse(m.document, ctx);
          } catch (error) {
            expect.fail(`${parser.id} threw on ${what}: ${(error as Error).stack}`);
          }
          checkShape(result, `${parser.id} on ${what}`);
          if (parser === own) checkUntouched(original, where, m, result, what);
        }
      }
    });
  }
});

/** A mutation inside one record changes that record's outcome only. */
function checkUntouched(
  original: ParseResult,
  where: Map<unknown, JsonPath>,
  m: ReturnType<typeof mutate>,
  result: ParseResult,
  what: string,
): void {
  const record = [...where.values()]
    .filter((p) => isPrefix(p, m.path))
    .sort((a, b) => b.length - a.length)[0];
  if (record === undefined) return; // outside every record: it may change them all (a run's tool name)
  const removed = m.kind === "delete" && record.length === m.path.length;
  const mutatedRecord = removed ? undefined : at(m.document, record);
  const fromOthers = (fs: Finding[], isMutated: (f: Finding) => boolean) =>
    fs
      .filter((f) => !isMutated(f))
      .map(signature)
      .sort();
  const before = fromOthers(original.findings, (f) => where.get(f.raw) === record);
  const after = fromOthers(result.findings, (f) => mutatedRecord !== undefined && f.raw === mutatedRecord);
  expect(after, `the other records after ${what}`).toEqual(before);
  // The mutated record is a finding again or a rejection, never silently gone.
  const readAgain = result.findings.some((f) => mutatedRecord !== undefined && f.raw === mutatedRecord);
  if (!removed && !readAgain)
    expect(result.rejected.length, `a rejection for ${what}`).toBeGreaterThan(original.rejected.length);
}
