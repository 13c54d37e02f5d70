// Terraform's JSON syntax (`.tf.json`, `.tfvars.json`) read into the same source model as native
// HCL, so the index, rules and locator treat a JSON resource like any other. Every node keeps the
// offsets of its JSON text: a block spans from its name key to the closing brace of its body, and
// its line is the line of that key (what a reader looks for). Fixes never edit these files (the
// offsets are for locating only; see rules/fix.ts).
//
// JSON does not say which object keys are blocks and which are attributes; Terraform decides with
// the provider schema. Without it: an object (or array of objects) is a nested block, except for
// the map attributes below, and everything in `locals`, module calls and tfvars.

import type { Attribute, Block, BodyItem, Expr, HclFile, Span } from "./ast.ts";
import { HclSyntaxError } from "./errors.ts";
import { parseExpression } from "./expression-parser.ts";
import { LineIndex } from "./positions.ts";

/** Labels each top-level block type takes (`resource` → type and name). */
const LABELS: Record<string, number> = {
  resource: 2,
  data: 2,
  module: 1,
  variable: 1,
  output: 1,
  provider: 1,
  check: 1,
  locals: 0,
  terraform: 0,
  moved: 0,
  import: 0,
  removed: 0,
};

/** Attributes whose value is a map, not a nested block (tags and their kin across providers). */
const MAP_ATTRIBUTES = new Set([
  "tags",
  "tags_all",
  "labels",
  "annotations",
  "metadata",
  "variables",
  "environment",
  "parameters",
  "triggers",
  "user_labels",
  "resource_labels",
  "default",
  "value",
  "providers",
]);

type JsonNode =
  | ({ kind: "object"; members: Member[] } & Span)
  | ({ kind: "array"; items: JsonNode[] } & Span)
  | ({ kind: "string"; value: string } & Span)
  | ({ kind: "number" | "bool" | "null"; value: number | boolean | null } & Span);
interface Member {
  key: string;
  keySpan: Span;
  value: JsonNode;
}

export function isJsonSyntax(path: string): boolean {
  return path.endsWith(".tf.json") || path.endsWith(".tfvars.json");
}

/** A `.tf.json` / `.tfvars.json` file as an HclFile; invalid JSON is an HclSyntaxError at its place. */
export function parseTerraformJson(path: string, text: string): HclFile {
  const lines = new LineIndex(text);
  const root = new JsonScanner(text, lines, path).document();
  if (root.kind !== "object")
    throw syntaxError(path, lines, root.start, "the file must hold one JSON object");
  const convert = new Converter(lines, path);
  const body = path.endsWith(".tfvars.json")
    ? convert.attributes(root)
    : root.members.flatMap((m) => (m.key === "//" ? [] : convert.topLevel(m)));
  return { path, text, body };
}

function syntaxError(path: string, lines: LineIndex, at: number, message: string): HclSyntaxError {
  const { line, column } = lines.position(at);
  return new HclSyntaxError(path, line, column, message);
}

class Converter {
  constructor(
    private readonly lines: LineIndex,
    private readonly path: string,
  ) {}

  topLevel(m: Member): BodyItem[] {
    const labels = LABELS[m.key];
    if (labels === undefined) return this.blocks(m.key, [], m.value, m, 0, true);
    // `locals` and module calls hold only arguments (a module input may be an object, never a block).
    return this.blocks(m.key, [], m.value, m, labels, m.key !== "locals" && m.key !== "module");
  }

  /** Blocks of `type` from `value`, peeling `labels` levels of object keys as labels. */
  private blocks(
    type: string,
    labels: Member[],
    value: JsonNode,
    at: Member,
    left: number,
    nested: boolean,
  ): Block[] {
    if (left > 0) {
      if (value.kind !== "object") throw this.error(value.start, `expected an object of ${type} labels`);
      return value.members.flatMap((m): Block[] =>
        this.blocks(type, [...labels, m], m.value, m, left - 1, nested),
      );
    }
    const bodies = value.kind === "array" ? value.items : [value];
    return bodies.map((b) => this.block(type, labels, b, labels[labels.length - 1] ?? at, nested));
  }

  private block(type: string, labels: Member[], value: JsonNode, at: Member, nested: boolean): Block {
    if (value.kind !== "object") throw this.error(value.start, `expected an object for the body of ${type}`);
    const body = nested ? this.body(value) : this.attributes(value);
    return {
      kind: "block",
      type,
      labels: labels.map((l) => l.key),
      openBrace: value.start,
      closeBrace: value.end - 1,
      body,
      start: at.keySpan.start,
      end: value.end,
      line: this.lines.line(at.keySpan.start),
      endLine: this.lines.line(value.end - 1),
    };
  }

  /** A resource-like body: objects and arrays of objects are nested blocks. */
  private body(obj: Extract<JsonNode, { kind: "object" }>): BodyItem[] {
    const out: BodyItem[] = [];
    for (const m of obj.members) {
      if (m.key === "//") continue;
      const v = m.value;
      const objects =
        v.kind === "object" || (v.kind === "array" && v.items.length > 0 && v.items.every(isObject));
      if (objects && !MAP_ATTRIBUTES.has(m.key)) {
        if (m.key === "dynamic") out.push(...this.blocks(m.key, [], v, m, 1, true));
        else out.push(...this.blocks(m.key, [], v, m, 0, true));
      } else out.push(this.attribute(m));
    }
    return out;
  }

  attributes(obj: Extract<JsonNode, { kind: "object" }>): BodyItem[] {
    return obj.members.filter((m) => m.key !== "//").map((m) => this.attribute(m));
  }

  private attribute(m: Member): Attribute {
    return {
      kind: "attribute",
      name: m.key,
      expr: this.expr(m.value),
      line: this.lines.line(m.keySpan.start),
      start: m.keySpan.start,
      end: m.value.end,
    };
  }

  private expr(v: JsonNode): Expr {
    const span = { start: v.start, end: v.end };
    switch (v.kind) {
      case "object":
        return {
          kind: "object",
          items: v.members.map((m) => ({
            key: { kind: "literal", value: m.key, ...m.keySpan },
            value: this.expr(m.value),
          })),
          ...span,
        };
      case "array":
        return { kind: "tuple", items: v.items.map((i) => this.expr(i)), ...span };
      case "string":
        return this.template(v.value, span);
      default:
        return { kind: "literal", value: v.value, ...span };
    }
  }

  /** A JSON string is a template: `"${var.x}"` is the expression `var.x`, as Terraform reads it. */
  private template(value: string, span: Span): Expr {
    if (!value.includes("${") && !value.includes("%{")) return { kind: "literal", value, ...span };
    let parsed: Expr;
    try {
      const whole = /^\$\{([\s\S]*)\}$/.exec(value);
      parsed = whole && !whole[1]!.includes("${") ? parseExpression(whole[1]!) : this.heredoc(value);
    } catch (e) {
      const message = e instanceof HclSyntaxError ? e.reason : String(e);
      throw this.error(span.start, `invalid template in JSON string: ${message}`);
    }
    return withSpan(parsed, span);
  }

  /** Any template text, parsed as the body of a heredoc (no escaping needed), without its last newline. */
  private heredoc(value: string): Expr {
    const marker = "FIXLOOP_JSON_TEMPLATE";
    const e = parseExpression(`<<${marker}\n${value}\n${marker}\n`);
    if (e.kind !== "template") return e;
    const last = e.parts[e.parts.length - 1];
    if (last?.kind === "text") last.value = last.value.replace(/\n$/, "");
    delete e.heredoc;
    return e;
  }

  private error(at: number, message: string): HclSyntaxError {
    return syntaxError(this.path, this.lines, at, message);
  }
}

const isObject = (n: JsonNode) => n.kind === "object";

/** Every node of a parsed template placed at the JSON string it came from (for lines in reports). */
function withSpan(e: Expr, span: Span): Expr {
  const visit = (node: unknown): void => {
    if (!node || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    const rec = node as Record<string, unknown>;
    if (typeof rec.start === "number" && typeof rec.end === "number") {
      rec.start = span.start;
      rec.end = span.end;
    }
    for (const v of Object.values(rec)) visit(v);
  };
  visit(e);
  return e;
}

/** A JSON reader that keeps the offset of every value and key (RFC 8259, duplicates kept in order). */
class JsonScanner {
  private pos = 0;
  private depth = 0;
  constructor(
    private readonly text: string,
    private readonly lines: LineIndex,
    private readonly path: string,
  ) {
    if (text.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  document(): JsonNode {
    const v = this.value();
    this.space();
    if (this.pos < this.text.length) this.fail("unexpected text after the JSON value");
    return v;
  }

  private fail(message: string, at = this.pos): never {
    throw syntaxError(this.path, this.lines, at, message);
  }

  private space(): void {
    while (/[ \t\r\n]/.test(this.text[this.pos] ?? "")) this.pos++;
  }

  private value(): JsonNode {
    this.space();
    const start = this.pos;
    const c = this.text[this.pos];
    if (c === "{" || c === "[") {
      if (++this.depth > 128) this.fail("nesting deeper than 128");
      const node = c === "{" ? this.object() : this.array();
      this.depth--;
      return node;
    }
    if (c === '"') return { kind: "string", value: this.string(), start, end: this.pos };
    const m = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?)/.exec(
      this.text.slice(this.pos, this.pos + 64),
    );
    if (!m)
      this.fail(c === undefined ? "unexpected end of file" : `unexpected character ${JSON.stringify(c)}`);
    this.pos += m[0].length;
    const end = this.pos;
    if (m[0] === "true" || m[0] === "false") return { kind: "bool", value: m[0] === "true", start, end };
    if (m[0] === "null") return { kind: "null", value: null, start, end };
    return { kind: "number", value: Number(m[0]), start, end };
  }

  private object(): JsonNode {
    const start = this.pos++;
    const members: Member[] = [];
    this.space();
    if (this.text[this.pos] === "}") return { kind: "object", members, start, end: ++this.pos };
    while (true) {
      this.space();
      if (this.text[this.pos] !== '"') this.fail("expected a quoted key");
      const keyStart = this.pos;
      const key = this.string();
      const keySpan = { start: keyStart, end: this.pos };
      this.space();
      if (this.text[this.pos] !== ":") this.fail('expected ":" after the key');
      this.pos++;
      members.push({ key, keySpan, value: this.value() });
      this.space();
      const c = this.text[this.pos++];
      if (c === "}") return { kind: "object", members, start, end: this.pos };
      if (c !== ",") this.fail('expected "," or "}" in object', this.pos - 1);
    }
  }

  private array(): JsonNode {
    const start = this.pos++;
    const items: JsonNode[] = [];
    this.space();
    if (this.text[this.pos] === "]") return { kind: "array", items, start, end: ++this.pos };
    while (true) {
      items.push(this.value());
      this.space();
      const c = this.text[this.pos++];
      if (c === "]") return { kind: "array", items, start, end: this.pos };
      if (c !== ",") this.fail('expected "," or "]" in array', this.pos - 1);
    }
  }

  private string(): string {
    const start = this.pos;
    const text = this.text;
    let i = start + 1;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) this.fail("control character in string (escape it)", i);
      i += text[i] === "\\" ? 2 : 1;
    }
    if (i >= text.length) this.fail("unterminated string", start);
    this.pos = i + 1;
    try {
      return JSON.parse(text.slice(start, this.pos)) as string;
    } catch {
      this.fail("invalid escape sequence in string", start);
    }
  }
}
