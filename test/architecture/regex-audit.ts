// Finds every regular expression in src/: literals and RegExp constructions, by parsing the source.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

export interface RegexSite {
  file: string;
  line: number;
  kind: "literal" | "constructed";
  text: string;
}

const ROOT = new URL("../../", import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith(".ts") ? [full] : [];
  });
}

export function regexSites(): RegexSite[] {
  const out: RegexSite[] = [];
  for (const full of sourceFiles(join(ROOT, "src"))) {
    const file = relative(ROOT, full);
    const source = ts.createSourceFile(file, readFileSync(full, "utf8"), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      if (ts.isRegularExpressionLiteral(node)) out.push({ file, line, kind: "literal", text: node.text });
      else if (
        (ts.isNewExpression(node) || ts.isCallExpression(node)) &&
        ts.isIdentifier(node.expression) &&
        node.expression.text === "RegExp"
      )
        out.push({ file, line, kind: "constructed", text: node.getText(source) });
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return out;
}

/**
 * Shapes that make a backtracking engine super-linear, read from the pattern's text:
 * - a quantified group that itself holds an unbounded quantifier, `(a+)+`, `(?:x*y)*`;
 * - an unanchored pattern ending in an unbounded run before `$`, `x+$`: every start position
 *   rescans the run (quadratic on a long run that is not at the end);
 * - two unbounded runs that can meet with only optional text between them, `\s*(op)?\s*`.
 * A heuristic: it flags what needs a look, the allow-list says why each flagged one is safe.
 */
export function backtrackingRisk(pattern: string): string | undefined {
  const body = pattern.slice(1, pattern.lastIndexOf("/"));
  const unbounded = /(?:[*+]|\{\d+,\})/;
  // Nested: a group closing with an unbounded quantifier whose content has one too.
  const stack: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "[") {
      while (i < body.length && body[i] !== "]") i += body[i] === "\\" ? 2 : 1;
      continue;
    }
    if (c === "(") stack.push(i);
    if (c === ")") {
      const open = stack.pop() ?? 0;
      const after = body.slice(i + 1, i + 6);
      const inner = body
        .slice(open + 1, i)
        .replace(/\\./g, "")
        .replace(/\[[^\]]*\]/g, "[]");
      if (/^(?:[*+]|\{\d+,\})/.test(after) && unbounded.test(inner)) return "nested unbounded quantifiers";
    }
  }
  if (!body.startsWith("^") && /(?:[*+]|\{\d+,\})\$$/.test(body)) return "unanchored run before $";
  if (/(?:\\s|\.)[*+]\)?(?:\([^)]*\)\?)+(?:\\s|\.)[*+]/.test(body))
    return "adjacent runs with optional text between";
  return undefined;
}
