// Differential test: on real-world Terraform (terraform-aws-modules, TerraGoat, Azure/GCP modules),
// fixloop's parser must accept exactly what HashiCorp's parser accepts and see the same structure:
// the same blocks with the same labels in the same order, the same attribute names, the same literals.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { describe, expect, it } from "vitest";
import type { BodyItem, Expr } from "../../src/hcl/ast.ts";
import { evaluate } from "../../src/hcl/evaluate.ts";
import { parseHcl } from "../../src/hcl/parser.ts";

const ROOT = join(import.meta.dirname, "../..");

function tfFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...tfFiles(full));
    else if (name.endsWith(".tf")) out.push(full);
  }
  return out;
}

type Shape = { [k: string]: unknown };

/** A value as hcl2json renders it, with anything that is not a literal reduced to "<expr>". */
function literalShape(e: Expr): unknown {
  switch (e.kind) {
    case "literal":
      return e.value;
    case "tuple":
      return e.items.map(literalShape);
    case "object":
      return Object.fromEntries(
        e.items.map((i) => [i.key.kind === "literal" ? String(i.key.value) : "<key>", literalShape(i.value)]),
      );
    case "template": {
      const v = evaluate(e, { variable: () => undefined, local: () => undefined });
      return v.known ? v.value : "<expr>";
    }
    default:
      return "<expr>";
  }
}

/** The JSON hcl2json would give for a body, with non-literal values replaced by "<expr>". */
function shapeOf(body: BodyItem[]): Shape {
  const out: Shape = {};
  for (const item of body) {
    if (item.kind === "attribute") {
      out[item.name] = literalShape(item.expr);
      continue;
    }
    const path = [item.type, ...item.labels];
    let node = out as Shape;
    for (const key of path.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Shape;
    }
    const last = path[path.length - 1]!;
    node[last] ??= [];
    (node[last] as Shape[]).push(shapeOf(item.body));
  }
  return out;
}

/** hcl2json output reduced the same way: strings that carry an interpolation become "<expr>". */
function normalize(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(normalize);
  if (json && typeof json === "object") {
    return Object.fromEntries(
      Object.entries(json).map(([k, v]) => [k.includes("${") ? "<key>" : k, normalize(v)]),
    );
  }
  if (typeof json === "string" && /(^|[^$])\$\{|(^|[^%])%\{/.test(json)) return "<expr>";
  return json;
}

const files = [...tfFiles(join(ROOT, "fixtures/corpus")), ...tfFiles(join(ROOT, "examples"))];

describe("parser agrees with HashiCorp's parser on real-world Terraform", () => {
  it("has a corpus to test against", () => {
    expect(files.length).toBeGreaterThan(55);
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))("%s", async (_name, file) => {
    const text = readFileSync(file, "utf8");
    const theirs = await parse(file, text);
    const ours = parseHcl(file, text);
    expect(shapeOf(ours.body)).toEqual(normalize(theirs));
  });
});

// Shapes of valid HCL that fixloop once rejected (issue 13): HashiCorp's parser must accept each, and
// fixloop must see the same structure.
const SHAPES: Array<[string, string]> = [
  ["newline before .attr inside parentheses", "locals {\n  a = try(\n    var.x\n    .y, null)\n}\n"],
  ["newline before [index] inside brackets", "locals {\n  a = [\n    var.x\n    [0],\n  ]\n  b = 1\n}\n"],
  [
    "newline before [*] inside parentheses",
    'output "ids" {\n  value = (\n    aws_instance.web\n    [*].id\n  )\n}\n',
  ],
  ["newline between function name and ( inside brackets", "locals {\n  a = [\n    max\n    (1, 2)\n  ]\n}\n"],
  [
    "provider-defined function",
    'output "account" {\n  value = provider::aws::arn_parse("arn:aws:iam::123456789012:role/x").account_id\n}\n',
  ],
  [
    "provider-defined function in a conditional",
    "locals {\n  a = var.b ? provider::aws::arn_parse(var.c) : null\n  b = 1\n}\n",
  ],
];

describe("parser agrees with HashiCorp's parser on the shapes issue 13 named", () => {
  it.each(SHAPES)("%s", async (_name, text) => {
    const theirs = await parse("shape.tf", text);
    expect(shapeOf(parseHcl("shape.tf", text).body)).toEqual(normalize(theirs));
  });
});
