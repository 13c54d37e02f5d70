// Recursive-descent parser for Terraform files: bodies of attributes and (nested, labelled) blocks,
// each with exact offsets and lines; expressions are parsed by ExpressionParser.

import type { Attribute, Block, BodyItem, HclFile } from "./ast.ts";
import { ExpressionParser } from "./expression-parser.ts";
import { Lexer } from "./lexer.ts";
import { LineIndex } from "./positions.ts";
import { describe, exactLength } from "./token-cursor.ts";

/** Parses one Terraform file. Throws HclSyntaxError with file, line and column on invalid input. */
export function parseHcl(path: string, text: string): HclFile {
  const lines = new LineIndex(text);
  const lexer = new Lexer(text, lines, path);
  const body = new BodyParser({ next: () => lexer.nextToken() }, lines, path).parseBody(false);
  return { path, text, body };
}

class BodyParser extends ExpressionParser {
  /** `opener` is the enclosing block, named in the missing-brace error. */
  parseBody(closing: boolean, opener?: { type: string; labels: string[]; line: number }): BodyItem[] {
    const items: BodyItem[] = [];
    while (true) {
      this.skipNewlinesAndComments();
      const t = this.peekRaw();
      if (t.kind === "eof") {
        if (closing)
          this.fail(
            `unexpected end of file: ${opener ? describeBlock(opener) : "a block"} has no closing "}"`,
            t,
          );
        return exactLength(items);
      }
      if (this.isPunct(t, "}")) {
        if (closing) return exactLength(items);
        this.fail('unexpected "}" with no block open', t);
      }
      if (t.kind !== "ident") this.fail(`expected an attribute name or block type, found ${describe(t)}`, t);
      items.push(this.parseItem());
    }
  }

  private parseItem(): BodyItem {
    const nameTok = this.next();
    const line = this.lines.line(nameTok.start);
    const after = this.peek();
    if (this.isPunct(after, "=")) {
      this.next();
      const expr = this.parseExpression();
      this.expectItemEnd("after the value of attribute", nameTok.text);
      const attr: Attribute = {
        kind: "attribute",
        name: nameTok.text,
        expr,
        line,
        start: nameTok.start,
        end: expr.end,
      };
      return attr;
    }
    const labels: string[] = [];
    while (true) {
      const l = this.peek();
      if (l.kind === "ident") {
        labels.push(l.text);
      } else if (l.kind === "string") {
        let label = "";
        for (const p of l.parts ?? []) {
          if (p.kind !== "text") this.fail("block labels cannot contain interpolations", l);
          label += p.value;
        }
        labels.push(label);
      } else break;
      this.next();
    }
    const open = this.peek();
    if (!this.isPunct(open, "{")) {
      this.fail(
        labels.length === 0
          ? `expected "=" or "{" after ${JSON.stringify(nameTok.text)}, found ${describe(open)}`
          : `expected "{" to open block ${nameTok.text}, found ${describe(open)}`,
        open,
      );
    }
    this.next();
    this.enter(open);
    const body = this.parseBody(true, { type: nameTok.text, labels, line });
    this.leave();
    const close = this.next(); // the "}" parseBody stopped at
    this.expectItemEnd("after the block", nameTok.text);
    const block: Block = {
      kind: "block",
      type: nameTok.text,
      labels: exactLength(labels),
      openBrace: open.start,
      closeBrace: close.start,
      body,
      line,
      endLine: this.lines.line(close.start),
      start: nameTok.start,
      end: close.end,
    };
    return block;
  }

  /** An attribute or block ends at a newline, the end of file, or the `}` of a one-line block. */
  private expectItemEnd(context: string, name: string): void {
    const t = this.peekRaw();
    if (t.kind === "newline" || t.kind === "eof" || this.isPunct(t, "}")) return;
    if (t.kind === "comment") {
      this.advanceRaw();
      const n = this.peekRaw();
      if (n.kind === "newline" || n.kind === "eof" || this.isPunct(n, "}") || t.text.startsWith("/*")) return;
    }
    this.fail(`expected a newline ${context} ${name}, found ${describe(t)}`, t);
  }
}

function describeBlock(b: { type: string; labels: string[]; line: number }): string {
  return `block ${[b.type, ...b.labels.map((l) => JSON.stringify(l))].join(" ")} opened on line ${b.line}`;
}
