// schemas/generic-finding.schema.json, the published generic format, against the parser: the seed
// payload is valid, and every document the schema accepts, the parser accepts. The documents are
// generated from the schema itself (its types, enums, required and optional keys, open objects)
// with a fixed seed, so a run is reproducible; ajv decides which of them are valid.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import formatsModule, { type FormatsPlugin } from "ajv-formats";
import { describe, expect, it } from "vitest";
import { FindingSchema } from "../../src/findings/model.ts";
import { parseFindings } from "../../src/findings/registry.ts";
import { NO_CHECK_NOTE } from "../../src/ingest/notes.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";

const ROOT = join(import.meta.dirname, "../..");
const schema = JSON.parse(readFileSync(join(ROOT, "schemas/generic-finding.schema.json"), "utf8"));
const seed = JSON.parse(
  readFileSync(join(ROOT, "fixtures/findings/generic/seed-routing-payload.json"), "utf8"),
);
const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };

const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true });
(((formatsModule as { default?: unknown }).default ?? formatsModule) as FormatsPlugin)(ajv);
const validate = ajv.compile(schema);

/** mulberry32: a small seeded PRNG, so the generated documents are the same on every run. */
function prng(seedValue: number): () => number {
  let a = seedValue >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Schema = Record<string, unknown>;

class Generator {
  constructor(
    private readonly random: () => number,
    private readonly root: Schema,
  ) {}

  private int(max: number): number {
    return Math.floor(this.random() * max);
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  private resolve(s: Schema): Schema {
    const ref = s.$ref as string | undefined;
    if (!ref) return s;
    const path = ref.replace(/^#\//, "").split("/");
    return path.reduce((node: Schema, key) => node[key] as Schema, this.root);
  }

  /** Text with the characters real payloads carry: letters, spaces, punctuation, markup, non-ASCII. */
  string(minLength = 0): string {
    const alphabet = [..."abcXYZ019 -_./:>()@<`*#|\\\"'", "é", "Ж", "中", "🔥", "\n", "\u202e"];
    const length = minLength + this.int(24);
    return Array.from({ length }, () => this.pick(alphabet)).join("");
  }

  private dateTime(): string {
    const year = 1970 + this.int(100);
    const month = 1 + this.int(12);
    const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
    const pad = (n: number, w = 2) => String(n).padStart(w, "0");
    const fraction = this.pick(["", `.${pad(this.int(1000), 3)}`, `.${this.int(10)}`, ".123456789"]);
    const offset = this.pick([
      "Z",
      `+${pad(this.int(24))}:${pad(this.int(60))}`,
      `-${pad(this.int(24))}:${pad(this.int(60))}`,
    ]);
    return `${year}-${pad(month)}-${pad(1 + this.int(days))}T${pad(this.int(24))}:${pad(this.int(60))}:${pad(this.int(60))}${fraction}${offset}`;
  }

  /** Any JSON value, for the keys the schema leaves open. */
  private anyValue(depth = 0): unknown {
    const kinds =
      depth > 1
        ? ["string", "number", "boolean", "null"]
        : ["string", "number", "boolean", "null", "array", "object"];
    switch (this.pick(kinds)) {
      case "string":
        return this.string();
      case "number":
        return this.random() * 1e6 - 5e5;
      case "boolean":
        return this.random() < 0.5;
      case "null":
        return null;
      case "array":
        return Array.from({ length: this.int(3) }, () => this.anyValue(depth + 1));
      default:
        return Object.fromEntries(
          Array.from({ length: this.int(3) }, () => [this.string(1), this.anyValue(depth + 1)]),
        );
    }
  }

  value(input: Schema): unknown {
    const s = this.resolve(input);
    if (Array.isArray(s.oneOf)) return this.value(this.pick(s.oneOf as Schema[]));
    if (Array.isArray(s.enum)) return this.pick(s.enum as unknown[]);
    const type = Array.isArray(s.type) ? this.pick(s.type as string[]) : (s.type as string);
    switch (type) {
      case "object":
        return this.object(s);
      case "array": {
        const length = ((s.minItems as number) ?? 0) + this.int(3);
        return Array.from({ length }, () => this.value(s.items as Schema));
      }
      case "boolean":
        return this.random() < 0.5;
      case "string": {
        if (s.format === "date-time") return this.dateTime();
        // A patterned string comes from the schema's examples, or is free text (ajv sorts them out).
        if (s.pattern && Array.isArray(s.examples) && this.random() < 0.9)
          return this.pick(s.examples as string[]);
        return this.string((s.minLength as number) ?? 0);
      }
      default:
        throw new Error(`the generator does not know type ${String(type)}`);
    }
  }

  private object(s: Schema): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const required = new Set((s.required as string[]) ?? []);
    for (const [key, sub] of Object.entries((s.properties as Record<string, Schema>) ?? {}))
      if (required.has(key) || this.random() < 0.5) out[key] = this.value(sub);
    // Open objects: keys fixloop has never heard of, with any JSON value.
    if (s.additionalProperties !== false)
      for (let i = this.int(3); i > 0; i--) {
        const key = this.string(1);
        if (!(key in out)) out[key] = this.anyValue();
      }
    return out;
  }
}

/** The fenced block after the HTML comment containing `marker` in docs/http-api.md. */
function documentedBlock(marker: string): string {
  const doc = readFileSync(join(ROOT, "docs/http-api.md"), "utf8");
  const at = doc.indexOf(marker);
  const match = /```\w*\n([\s\S]*?)```/.exec(doc.slice(at));
  if (at < 0 || !match) throw new Error(`docs/http-api.md has no block marked "${marker}"`);
  return match[1]!;
}

describe("docs/http-api.md on the generic format", () => {
  it("shows the seed payload byte for byte", () => {
    expect(documentedBlock("this block is fixtures/findings/generic/seed-routing-payload.json")).toBe(
      readFileSync(join(ROOT, "fixtures/findings/generic/seed-routing-payload.json"), "utf8"),
    );
  });

  it("quotes the note a finding without a check gets", () => {
    expect(JSON.parse(`{${documentedBlock("checks this note against the code")}}`)).toEqual({
      notes: [NO_CHECK_NOTE],
    });
  });
});

describe("the generic format's JSON Schema", () => {
  it("accepts the design's seed payload", () => {
    expect(validate(seed), JSON.stringify(validate.errors)).toBe(true);
  });

  it("accepts nothing that lacks finding_id, resource_arn or severity", () => {
    for (const key of ["finding_id", "resource_arn", "severity"]) {
      const { [key]: _gone, ...rest } = seed;
      expect(validate(rest), key).toBe(false);
    }
    expect(validate([])).toBe(false);
  });

  it("every schema-valid document, generated from the schema with a fixed seed, is accepted by the parser", () => {
    const generator = new Generator(prng(20261205), schema);
    let valid = 0;
    for (let i = 0; i < 3000; i++) {
      const doc = generator.value(schema);
      if (!validate(doc)) continue;
      valid++;
      const label = `document ${i}: ${JSON.stringify(doc).slice(0, 400)}`;
      for (const format of ["auto", "generic"]) {
        const r = parseFindings(doc, ctx, format);
        expect(r.format, label).toBe("generic");
        expect(r.rejected, label).toEqual([]);
        expect(r.findings, label).toHaveLength(Array.isArray(doc) ? doc.length : 1);
        for (const f of r.findings) expect(FindingSchema.safeParse(f).success, label).toBe(true);
      }
    }
    // Most generated documents must be valid, or the property says little.
    expect(valid).toBeGreaterThan(2000);
  });
});
