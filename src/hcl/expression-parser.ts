// Expressions of HCL native syntax: templates, traversals, splats, calls, operators, conditionals,
// tuples, objects and for-expressions, each with its source span.

import type { Expr, ObjectItem, TemplatePartExpr, TraversalStep } from "./ast.ts";
import { Lexer, type Token } from "./lexer.ts";
import { LineIndex } from "./positions.ts";
import { describe, exactLength, listSource, TokenCursor } from "./token-cursor.ts";

const BINARY_PRECEDENCE: Record<string, number> = {
  "||": 1,
  "&&": 2,
  "==": 3,
  "!=": 3,
  "<": 4,
  ">": 4,
  "<=": 4,
  ">=": 4,
  "+": 5,
  "-": 5,
  "*": 6,
  "/": 6,
  "%": 6,
};

/**
 * Traversal steps are shared, frozen: `.id`, `.arn`, `[*]` are most of the steps of a tree, and
 * one object per occurrence was one object in ten the garbage collector kept moving until the end
 * of a scan. Only names of up to 12 characters are shared: the lexer interns those as copies, so
 * the table (cleared when full) references no file's text.
 */
const SPLAT: TraversalStep = Object.freeze({ kind: "splat" });
const ATTR_STEPS = new Map<string, TraversalStep>();
const SHARED_STEPS_MAX = 4096;
const SHARED_NAME_MAX = 12;

function attrStep(name: string): TraversalStep {
  if (name.length > SHARED_NAME_MAX) return { kind: "attr", name };
  let step = ATTR_STEPS.get(name);
  if (step === undefined) {
    if (ATTR_STEPS.size >= SHARED_STEPS_MAX) ATTR_STEPS.clear();
    step = Object.freeze({ kind: "attr", name });
    ATTR_STEPS.set(name, step);
  }
  return step;
}

/** Parses a standalone expression (used to check values that rules write). */
export function parseExpression(text: string, path = "<expression>"): Expr {
  const lines = new LineIndex(text);
  const lexer = new Lexer(text, lines, path);
  return new ExpressionParser({ next: () => lexer.nextToken() }, lines, path).parseStandaloneExpression();
}

export class ExpressionParser extends TokenCursor {
  parseStandaloneExpression(): Expr {
    this.pushNewlines(true);
    const e = this.parseExpression();
    this.popNewlines();
    const t = this.peek();
    if (t.kind !== "eof" && t.kind !== "newline") this.fail(`unexpected ${describe(t)} after expression`, t);
    return e;
  }

  parseExpression(): Expr {
    this.enter(this.peek());
    const e = this.parseConditional();
    this.leave();
    return e;
  }

  private parseConditional(): Expr {
    const condition = this.parseBinary(0);
    if (this.isPunct(this.peek(), "?")) {
      this.next();
      const then = this.parseExpression();
      this.expectPunct(":", "in conditional expression");
      const otherwise = this.parseExpression();
      return { kind: "conditional", condition, then, otherwise, start: condition.start, end: otherwise.end };
    }
    return condition;
  }

  protected parseBinary(minPrec: number): Expr {
    let left = this.parseUnary();
    while (true) {
      const t = this.peek();
      const prec = t.kind === "punct" ? BINARY_PRECEDENCE[t.text] : undefined;
      if (prec === undefined || prec <= minPrec) return left;
      this.next();
      const right = this.parseBinary(prec);
      left = { kind: "binary", op: t.text, left, right, start: left.start, end: right.end };
    }
  }

  protected parseUnary(): Expr {
    const t = this.peek();
    if (this.isPunct(t, "!") || this.isPunct(t, "-")) {
      this.next();
      this.enter(t);
      const operand = this.parseUnary();
      this.leave();
      if (t.text === "-" && operand.kind === "literal" && typeof operand.value === "number") {
        return { kind: "literal", value: -operand.value, start: t.start, end: operand.end }; // as HCL folds it
      }
      return { kind: "unary", op: t.text, operand, start: t.start, end: operand.end };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  protected parsePostfix(base: Expr): Expr {
    // Traversal steps follow without a newline in between, except inside parentheses and brackets
    // where newlines mean nothing (`try(\n  x\n  .y, null)` is `x.y`): `peek` knows which applies.
    const first = this.peek();
    if (first.kind !== "punct" || (first.text !== "." && first.text !== "[")) return base; // the common case
    const steps: TraversalStep[] = [];
    let end = base.end;
    while (true) {
      const t = this.peek();
      if (this.isPunct(t, ".")) {
        this.next();
        const n = this.peek();
        if (n.kind === "ident") steps.push(attrStep(n.text));
        else if (n.kind === "number") {
          // Legacy index syntax `foo.0.bar`; a number token may have swallowed ".bar"-less decimals.
          for (const part of n.text.split(".")) steps.push({ kind: "index", key: literal(Number(part), n) });
        } else if (this.isPunct(n, "*")) steps.push(SPLAT);
        else this.fail(`expected an attribute name after ".", found ${describe(n)}`, n);
        this.next();
        end = n.end;
        continue;
      }
      if (this.isPunct(t, "[")) {
        this.next();
        this.pushNewlines(true);
        if (this.isPunct(this.peek(), "*")) {
          this.next();
          steps.push(SPLAT);
        } else {
          steps.push({ kind: "index", key: this.parseExpression() });
        }
        const close = this.expectPunct("]", "to close the index");
        this.popNewlines();
        end = close.end;
        continue;
      }
      break;
    }
    if (steps.length === 0) return base;
    if (base.kind === "traversal") {
      if (base.steps.length === 0) {
        base.steps = exactLength(steps); // a fresh root traversal: take the steps instead of copying
        base.end = end;
        return base;
      }
      return { ...base, steps: [...base.steps, ...steps], end };
    }
    return { kind: "relative", source: base, steps: exactLength(steps), start: base.start, end };
  }

  protected parsePrimary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case "number":
        this.next();
        return literal(Number(t.text), t);
      case "string":
      case "heredoc":
        this.next();
        return this.template(t);
      case "ident": {
        this.next();
        if (t.text === "true" || t.text === "false") return literal(t.text === "true", t);
        if (t.text === "null") return literal(null, t);
        if (this.isPunct(this.peek(), "::")) return this.parseCall(this.namespacedName(t));
        if (this.isPunct(this.peek(), "(")) return this.parseCall(t); // `(` on the next line in brackets too
        return { kind: "traversal", root: t.text, steps: [], start: t.start, end: t.end };
      }
      case "punct":
        if (t.text === "[") return this.parseTuple();
        if (t.text === "{") return this.parseObject();
        if (t.text === "(") {
          this.next();
          this.pushNewlines(true);
          const inner = this.parseExpression();
          const close = this.expectPunct(")", "to close the parenthesis");
          this.popNewlines();
          return { kind: "paren", inner, start: t.start, end: close.end };
        }
        break;
      default:
        break;
    }
    this.fail(`expected an expression, found ${describe(t)}`, t);
  }

  /** `provider::aws::arn_parse`: a provider-defined function's name, as one token for `parseCall`. */
  protected namespacedName(first: Token): Token {
    let last = first;
    const parts = [first.text];
    while (this.isPunct(this.peek(), "::")) {
      this.next();
      last = this.next();
      if (last.kind !== "ident")
        this.fail(`expected a function name after "::", found ${describe(last)}`, last);
      parts.push(last.text);
    }
    const open = this.peek();
    if (!this.isPunct(open, "("))
      this.fail(`expected "(" after function name, found ${describe(open)}`, open);
    return { kind: "ident", text: parts.join("::"), start: first.start, end: last.end };
  }

  protected parseCall(name: Token): Expr {
    this.next(); // (
    this.pushNewlines(true);
    const args: Expr[] = [];
    let expandFinal = false;
    while (!this.isPunct(this.peek(), ")")) {
      args.push(this.parseExpression());
      if (this.isPunct(this.peek(), "...")) {
        this.next();
        expandFinal = true;
      }
      if (this.isPunct(this.peek(), ",")) this.next();
      else break;
    }
    const close = this.isPunct(this.peek(), ")")
      ? this.next()
      : this.expectPunct(")", `to close the call to ${name.text}()`);
    this.popNewlines();
    return {
      kind: "call",
      name: name.text,
      args: exactLength(args),
      expandFinal,
      start: name.start,
      end: close.end,
    };
  }

  protected isForStart(): boolean {
    const f = this.peek();
    const v = this.peek(1);
    return f.kind === "ident" && f.text === "for" && v.kind === "ident";
  }

  protected parseTuple(): Expr {
    const open = this.next();
    this.pushNewlines(true);
    if (this.isForStart()) {
      const e = this.parseFor(open, "]");
      this.popNewlines();
      return e;
    }
    const items: Expr[] = [];
    while (!this.isPunct(this.peek(), "]")) {
      items.push(this.parseExpression());
      if (this.isPunct(this.peek(), ",")) this.next();
      else break;
    }
    const close = this.expectPunct("]", "to close the list");
    this.popNewlines();
    return { kind: "tuple", items: exactLength(items), start: open.start, end: close.end };
  }

  protected parseObject(): Expr {
    const open = this.next();
    this.pushNewlines(true);
    if (this.isForStart()) {
      const e = this.parseFor(open, "}");
      this.popNewlines();
      return e;
    }
    this.popNewlines();
    this.pushNewlines(false);
    const items: ObjectItem[] = [];
    while (true) {
      this.skipNewlinesAndComments();
      if (this.isPunct(this.peek(), "}")) break;
      const k = this.peek();
      const afterKey = this.peek(1);
      let key: Expr;
      if (k.kind === "ident" && (this.isPunct(afterKey, "=") || this.isPunct(afterKey, ":"))) {
        this.next();
        key = literal(k.text, k);
      } else {
        key = this.parseExpression();
      }
      const sep = this.peek();
      if (!this.isPunct(sep, "=") && !this.isPunct(sep, ":")) {
        this.fail(`expected "=" or ":" after an object key, found ${describe(sep)}`, sep);
      }
      this.next();
      this.pushNewlines(false);
      const value = this.parseExpression();
      this.popNewlines();
      items.push({ key, value });
      const t = this.peekRaw();
      if (this.isPunct(t, ",")) this.next();
      else if (t.kind === "newline" || t.kind === "comment") this.skipNewlinesAndComments();
      else if (!this.isPunct(t, "}"))
        this.fail(`expected a comma or newline between object items, found ${describe(t)}`, t);
    }
    const close = this.expectPunct("}", "to close the object");
    this.popNewlines();
    return { kind: "object", items: exactLength(items), start: open.start, end: close.end };
  }

  protected parseFor(open: Token, closing: "]" | "}"): Expr {
    this.next(); // for
    this.next(); // first variable
    if (this.isPunct(this.peek(), ",")) {
      this.next();
      const v = this.next();
      if (v.kind !== "ident") this.fail("expected a value variable name in for expression", v);
    }
    const inTok = this.next();
    if (inTok.kind !== "ident" || inTok.text !== "in")
      this.fail(`expected "in" in for expression, found ${describe(inTok)}`, inTok);
    const collection = this.parseExpression();
    this.expectPunct(":", "in for expression");
    const body: Expr[] = [this.parseExpression()];
    if (closing === "}") {
      this.expectPunct("=>", "in object for expression");
      body.push(this.parseExpression());
      if (this.isPunct(this.peek(), "...")) this.next();
    }
    const maybeIf = this.peek();
    if (maybeIf.kind === "ident" && maybeIf.text === "if") {
      this.next();
      body.push(this.parseExpression());
    }
    const close = this.expectPunct(closing, "to close the for expression");
    return { kind: "for", collection, body: exactLength(body), start: open.start, end: close.end };
  }

  protected template(t: Token): Expr {
    const raw = t.parts ?? [];
    // Fast path for the common case, a plain quoted string.
    if (!t.heredoc && raw.length <= 1 && (raw[0] === undefined || raw[0].kind === "text")) {
      return literal(raw[0]?.kind === "text" ? raw[0].value : "", t);
    }
    const parts: TemplatePartExpr[] = [];
    for (const p of t.parts ?? []) {
      if (p.kind === "text") parts.push({ kind: "text", value: p.value });
      else if (p.kind === "interp") {
        const sub = new ExpressionParser(listSource(p.tokens), this.lines, this.file, this.depth);
        parts.push({ kind: "interp", expr: sub.parseStandaloneExpression() });
      } else {
        parts.push({
          kind: "directive",
          exprs: new ExpressionParser(
            listSource(p.tokens),
            this.lines,
            this.file,
            this.depth,
          ).parseDirective(),
        });
      }
    }
    const heredoc = t.heredoc ? { marker: t.heredoc.marker, indented: t.heredoc.indented } : undefined;
    if (!heredoc && parts.every((p) => p.kind === "text")) {
      return literal(parts.map((p) => (p as { value: string }).value).join(""), t);
    }
    return {
      kind: "template",
      parts: exactLength(parts),
      ...(heredoc ? { heredoc } : {}),
      start: t.start,
      end: t.end,
    };
  }

  /** `%{ if cond }`, `%{ for x in xs }`, `%{ else }`, `%{ endif }`, `%{ endfor }`. */
  protected parseDirective(): Expr[] {
    this.pushNewlines(true);
    const exprs = this.directiveBody();
    this.popNewlines();
    return exprs;
  }

  private directiveBody(): Expr[] {
    const kw = this.next();
    if (kw.kind !== "ident") this.fail(`expected a template directive keyword, found ${describe(kw)}`, kw);
    if (kw.text === "if") return [this.parseExpression()];
    if (kw.text === "for") {
      this.next();
      if (this.isPunct(this.peek(), ",")) {
        this.next();
        this.next();
      }
      const inTok = this.next();
      if (inTok.text !== "in")
        this.fail(`expected "in" in template for directive, found ${describe(inTok)}`, inTok);
      return [this.parseExpression()];
    }
    if (["else", "endif", "endfor"].includes(kw.text)) return [];
    this.fail(`unknown template directive ${JSON.stringify(kw.text)}`, kw);
  }
}

function literal(value: string | number | boolean | null, t: Token): Expr {
  return { kind: "literal", value, start: t.start, end: t.end };
}
