// The Terraform source model: every node carries its [start, end) string offsets into the file text,
// so edits can splice exactly the bytes they mean to change and leave the rest untouched.

export interface Span {
  start: number;
  end: number;
}

export type Expr =
  | ({ kind: "literal"; value: string | number | boolean | null } & Span)
  | ({ kind: "template"; parts: TemplatePartExpr[]; heredoc?: { marker: string; indented: boolean } } & Span)
  | ({ kind: "traversal"; root: string; steps: TraversalStep[] } & Span)
  | ({ kind: "relative"; source: Expr; steps: TraversalStep[] } & Span)
  | ({ kind: "tuple"; items: Expr[] } & Span)
  | ({ kind: "object"; items: ObjectItem[] } & Span)
  | ({ kind: "call"; name: string; args: Expr[]; expandFinal: boolean } & Span)
  | ({ kind: "conditional"; condition: Expr; then: Expr; otherwise: Expr } & Span)
  | ({ kind: "binary"; op: string; left: Expr; right: Expr } & Span)
  | ({ kind: "unary"; op: string; operand: Expr } & Span)
  | ({ kind: "for"; collection: Expr; body: Expr[] } & Span)
  | ({ kind: "paren"; inner: Expr } & Span);

export type TemplatePartExpr =
  | { kind: "text"; value: string }
  | { kind: "interp"; expr: Expr }
  | { kind: "directive"; exprs: Expr[] };

export type TraversalStep = { kind: "attr"; name: string } | { kind: "index"; key: Expr } | { kind: "splat" };

export interface ObjectItem {
  key: Expr;
  value: Expr;
}

/** No span object per name or label: nothing read them, and they were one object in six of a
 *  scan's retained AST (in native syntax the name is the text at [start, start + name.length)). */
export interface Attribute extends Span {
  kind: "attribute";
  name: string;
  expr: Expr;
  /** 1-based line of the attribute name. */
  line: number;
}

export interface Block extends Span {
  kind: "block";
  type: string;
  labels: string[];
  /** Offset of `{` and of the matching `}`. */
  openBrace: number;
  closeBrace: number;
  body: BodyItem[];
  line: number;
  endLine: number;
}

export type BodyItem = Attribute | Block;

export interface HclFile {
  path: string;
  text: string;
  body: BodyItem[];
}

// Plain loops: every rule asks these of every resource, and a callback per call was a closure each.
export function blocksOf(body: BodyItem[], type?: string): Block[] {
  const out: Block[] = [];
  for (const i of body) if (i.kind === "block" && (type === undefined || i.type === type)) out.push(i);
  return out;
}

export function attribute(body: BodyItem[], name: string): Attribute | undefined {
  for (const i of body) if (i.kind === "attribute" && i.name === name) return i;
  return undefined;
}

/** Every traversal in an expression, e.g. `aws_s3_bucket.logs.id` → root + attribute names. */
export function traversals(expr: Expr, out: Array<Extract<Expr, { kind: "traversal" }>> = []) {
  switch (expr.kind) {
    case "traversal":
      out.push(expr);
      for (const s of expr.steps) if (s.kind === "index") traversals(s.key, out);
      break;
    case "relative":
      traversals(expr.source, out);
      for (const s of expr.steps) if (s.kind === "index") traversals(s.key, out);
      break;
    case "template":
      for (const p of expr.parts) {
        if (p.kind === "interp") traversals(p.expr, out);
        if (p.kind === "directive") for (const e of p.exprs) traversals(e, out);
      }
      break;
    case "tuple":
      for (const e of expr.items) traversals(e, out);
      break;
    case "object":
      for (const i of expr.items) {
        traversals(i.key, out);
        traversals(i.value, out);
      }
      break;
    case "call":
      for (const e of expr.args) traversals(e, out);
      break;
    case "conditional":
      traversals(expr.condition, out);
      traversals(expr.then, out);
      traversals(expr.otherwise, out);
      break;
    case "binary":
      traversals(expr.left, out);
      traversals(expr.right, out);
      break;
    case "unary":
      traversals(expr.operand, out);
      break;
    case "for":
      traversals(expr.collection, out);
      for (const e of expr.body) traversals(e, out);
      break;
    case "paren":
      traversals(expr.inner, out);
      break;
    case "literal":
      break;
  }
  return out;
}
