// Small functions in the app half: no function over 80 lines and none with more than 4 positional
// parameters in src/app/, src/remediate/, src/verify/ and src/ingest/ (an options object counts as
// one). Measured with the TypeScript compiler's own parser, so a function is what TypeScript says
// it is: declarations, methods, constructors, arrow functions and function expressions.

import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIRECTORIES = ["src/app", "src/remediate", "src/verify", "src/ingest"];
const MAX_LINES = 80;
const MAX_PARAMETERS = 4;

/** Exceptions, `path#function` → why (none: 21 offenders before issue 14, none after). */
const ALLOWED: Readonly<Record<string, string>> = {};

interface Offence {
  key: string;
  lines: number;
  parameters: number;
}

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? filesUnder(join(dir, e.name))
      : e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")
        ? [join(dir, e.name)]
        : [],
  );
}

function nameOf(node: ts.FunctionLikeDeclaration, source: ts.SourceFile): string {
  if (node.name) return node.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))
    return parent.name.getText(source);
  const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
  return `<anonymous at line ${line + 1}>`;
}

function measure(path: string): Offence[] {
  const source = ts.createSourceFile(
    path,
    readFileSync(join(ROOT, path), "utf8"),
    ts.ScriptTarget.Latest,
    true,
  );
  const out: Offence[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const fn = node as ts.FunctionLikeDeclaration;
      const start = source.getLineAndCharacterOfPosition(fn.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(fn.getEnd()).line;
      const lines = end - start + 1;
      const parameters = fn.parameters.filter((p) => p.name.getText(source) !== "this").length;
      if (lines > MAX_LINES || parameters > MAX_PARAMETERS)
        out.push({ key: `${path}#${nameOf(fn, source)}`, lines, parameters });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

const offences = DIRECTORIES.flatMap(filesUnder)
  .map((f) => relative(ROOT, join(ROOT, f)))
  .flatMap(measure);

describe("function size", () => {
  it(`no function over ${MAX_LINES} lines or with more than ${MAX_PARAMETERS} positional parameters`, () => {
    const unexpected = offences
      .filter((o) => !Object.hasOwn(ALLOWED, o.key))
      .map((o) => `${o.key}: ${o.lines} lines, ${o.parameters} parameters`);
    expect(unexpected).toEqual([]);
  });

  it("the temporary allowlist only names functions that still offend", () => {
    const offending = new Set(offences.map((o) => o.key));
    expect(Object.keys(ALLOWED).filter((k) => !offending.has(k))).toEqual([]);
  });
});
